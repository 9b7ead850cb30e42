/**
 * The redeem path against a bare Elysia validated-JSON POST, driven by the same `wrk`
 * script in the same run: the sold-out phase, a winner's repeat (gate + record lookup),
 * the full win (durable record + wallet credit), and a real cap-1,000 burst timed to
 * its 1,000th wallet credit. Every server is its own process, as in production.
 *
 *   bun bench/redeem.ts [--duration 10] [--connections 64]
 *   (or BENCH_DURATION / BENCH_CONNECTIONS; needs `wrk`: apt-get install wrk)
 *
 * Exits 1 when the service misbehaves (a 5xx, a wrong answer, a wrong winner count),
 * never for being slow: the target lines are a report, not a gate.
 */
import { readFileSync } from "node:fs";
// Relative imports: the root package has no workspace dependencies (isolated install).
import { openDatabase } from "../packages/shared/src/db/sqlite";
import {
  bearer,
  makeTempDatabase,
  REPO_ROOT,
  type ServiceProcess,
  startDiscountProcess,
  startRedis,
  startService,
  startWalletProcess,
} from "../packages/shared/src/test-support";
import { option, printTable, type Row } from "./table";

const duration = option("--duration", "BENCH_DURATION", 10);
const connections = option("--connections", "BENCH_CONNECTIONS", 64);
const WARMUP_SECONDS = 3;
const CAP = 1_000;
const THREADS = 2;

interface WrkResult {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  errors: number;
  statuses: Record<string, number>;
}

/** One wrk run of bench/redeem.lua; phones are numbered from `offset` so phases never overlap. */
async function wrk(
  url: string,
  seconds: number,
  env: { code: string; phones: number; offset: number; token?: string },
) {
  const proc = Bun.spawn(["wrk", `-t${THREADS}`, `-c${connections}`, `-d${seconds}s`, "-s", "bench/redeem.lua", url], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      CODE: env.code,
      PHONES: String(env.phones),
      PHONE_OFFSET: String(env.offset),
      TOKEN: env.token ?? "",
      THREADS: String(THREADS),
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err] = [await new Response(proc.stdout).text(), await new Response(proc.stderr).text()];
  if ((await proc.exited) !== 0) throw new Error(`wrk failed: ${err || out}`);
  const line = out.split("\n").find((l) => l.startsWith("WRK_RESULT "));
  if (!line) throw new Error(`wrk printed no result:\n${out}`);
  return JSON.parse(line.slice("WRK_RESULT ".length)) as WrkResult;
}

const toRow = (name: string, r: WrkResult): Row => ({
  name,
  ops: r.requests,
  seconds: r.seconds,
  p50Ms: r.p50 / 1000,
  p99Ms: r.p99 / 1000,
});

/** Peak resident memory of a process, from the kernel's high-water mark. */
function peakRssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
}

async function createCampaign(url: string, maxRedemptions: number): Promise<string> {
  const res = await fetch(`${url}/v1/campaigns`, {
    method: "POST",
    headers: { ...(await bearer("admin")), "content-type": "application/json" },
    body: JSON.stringify({ name: `bench ${maxRedemptions}`, amount: 1_000_000, maxRedemptions }),
  });
  if (res.status !== 201) throw new Error(`campaign not created: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { code: string }).code;
}

/** Statuses outside `allowed`, as readable problems. */
function unexpected(name: string, r: WrkResult, allowed: string[]): string[] {
  const bad = Object.entries(r.statuses).filter(([status]) => !allowed.includes(status));
  const problems = bad.map(([status, n]) => `${name}: ${n} answers with status ${status}`);
  if (r.errors > 0) problems.push(`${name}: ${r.errors} socket errors`);
  return problems;
}

async function main(): Promise<number> {
  const redis = await startRedis();
  const walletDb = await makeTempDatabase(undefined, "wallet.db");
  const discountDb = await makeTempDatabase(undefined, "discount.db");
  const processes: ServiceProcess[] = [];
  const problems: string[] = [];
  try {
    // The baseline alone first, so nothing else competes for the two cores.
    const baseline = await startService({ entry: "bench/baseline-server.ts", portVar: "BASELINE_PORT", env: {} });
    processes.push(baseline);
    const baseArgs = { code: "BENCH", phones: 1_000_000, offset: 0 };
    await wrk(baseline.url, WARMUP_SECONDS, baseArgs);
    const base = await wrk(baseline.url, duration, baseArgs);
    problems.push(...unexpected("baseline", base, ["200"]));
    await baseline.stop();

    const wallet = await startWalletProcess(walletDb);
    // Production log level: the access log is part of what a request costs.
    const discount = await startDiscountProcess(
      discountDb,
      { redisUrl: redis.url, wallet },
      { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info" },
    );
    processes.push(wallet, discount);
    const token = (await bearer("service")).authorization?.replace("Bearer ", "");

    // Sold out: every request is a new phone, refused from memory.
    const full = await createCampaign(discount.url, 1);
    const soldArgs = { code: full, phones: 1_000_000, offset: 0, token };
    await wrk(discount.url, WARMUP_SECONDS, soldArgs);
    const soldOut = await wrk(discount.url, duration, soldArgs);
    // 200: the one winner, sent again by the next phase.
    problems.push(...unexpected("sold out", soldOut, ["200", "409"]));

    // A winner's repeat: the gate answers "duplicate" and the original result is read back.
    const open = await createCampaign(discount.url, 10_000_000);
    const repeatArgs = { code: open, phones: 2_000, offset: 0, token };
    await wrk(discount.url, WARMUP_SECONDS, repeatArgs);
    const repeats = await wrk(discount.url, duration, repeatArgs);
    problems.push(...unexpected("repeat", repeats, ["200", "201"]));

    // The full win: gate, durable record and outbox row, and the wallet credit, per request.
    const wins = await wrk(discount.url, duration, { code: open, phones: 10_000_000, offset: 100_000, token });
    problems.push(...unexpected("win", wins, ["201"]));

    // The match: cap 1,000, a flood of distinct phones; when does the 1,000th credit land?
    const match = await createCampaign(discount.url, CAP);
    const burstStart = Date.now();
    const burst = await wrk(discount.url, 3, { code: match, phones: 10_000_000, offset: 5_000_000, token });
    problems.push(...unexpected("burst", burst, ["201", "409"]));
    const ledger = await openDatabase(walletDb.url);
    const { rows } = await ledger.execute({
      sql: "SELECT created_at FROM ledger WHERE idempotency_key LIKE ? ORDER BY created_at",
      args: [`gift:${match}:%`],
    });
    ledger.close();
    if (rows.length !== CAP) problems.push(`burst: ${rows.length} credits in the wallet, expected ${CAP}`);
    const lastCredit = Number(rows.at(-1)?.created_at ?? Number.NaN);
    const rss = peakRssMb(discount.pid());

    const baseRow = toRow("bare Elysia POST (baseline)", base);
    printTable(
      [
        baseRow,
        toRow("redeem, sold out", soldOut),
        toRow("redeem, winner's repeat", repeats),
        toRow("redeem, new winner + credit", wins),
      ],
      baseRow,
    );
    const ratio = (r: WrkResult) => r.requests / r.seconds / (base.requests / base.seconds);
    console.log(`\nwrk -t${THREADS} -c${connections} -d${duration}s; each phase after a ${WARMUP_SECONDS} s warm-up`);
    console.log(`sold out >= 0.9x baseline: ${ratio(soldOut).toFixed(2)}x ${ratio(soldOut) >= 0.9 ? "PASS" : "FAIL"}`);
    console.log(
      `open (repeat) >= 0.6x baseline: ${ratio(repeats).toFixed(2)}x ${ratio(repeats) >= 0.6 ? "PASS" : "FAIL"}`,
    );
    const toLast = (lastCredit - burstStart) / 1000;
    console.log(
      `1,000th credit after burst start: ${toLast.toFixed(2)} s ${toLast <= 1.5 ? "PASS" : "FAIL"} (<= 1.5 s)`,
    );
    console.log(`discount peak RSS: ${rss.toFixed(0)} MB ${rss <= 200 ? "PASS" : "FAIL"} (<= 200 MB)`);
    if (problems.length === 0) return 0;
    console.error(`error: the services gave wrong answers\n  ${problems.join("\n  ")}`);
    return 1;
  } catch (error) {
    console.error("error: benchmark failed:", error);
    for (const p of processes) console.error(`process output (tail):\n${p.output().slice(-3000)}`);
    return 1;
  } finally {
    for (const p of processes) await p.stop();
    walletDb.dispose();
    discountDb.dispose();
    await redis.dispose();
  }
}

process.exit(await main());
