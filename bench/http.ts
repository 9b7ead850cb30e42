/**
 * Every HTTP path that matters, against a bare Elysia validated-JSON POST driven by the
 * same `wrk` script in the same run: redeem while a campaign is open (new winners, each
 * with its wallet credit), a winner's repeat, sold out (flat out, and at half the
 * baseline's rate for latency), a single-use coupon redeem, a wallet balance read and a
 * wallet credit; then a real cap-1,000 burst timed to its 1,000th wallet credit, and the
 * discount process's peak memory. Every server is its own process, as in production.
 *
 *   bun bench/http.ts [--duration 10] [--connections 64]
 *   (or BENCH_DURATION / BENCH_CONNECTIONS; needs `wrk`: apt-get install wrk)
 *
 * Exits 1 when a service misbehaves (a 5xx, a wrong answer, a wrong winner count),
 * never for being slow: the target lines are a report, not a gate.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { openDatabase } from "@matchday/shared/db";
import { createCampaign } from "../discount/src/burst-support";
import {
  makeTempDatabase,
  runCli,
  type ServiceProcess,
  startDiscountProcess,
  startRedis,
  startService,
  startWalletProcess,
  testToken,
} from "../packages/shared/src/test-support";
import { option, printTable, type Row } from "./table";
import { type Load, type WrkResult, wrk } from "./wrk";

const duration = option("--duration", "BENCH_DURATION", 10);
const connections = option("--connections", "BENCH_CONNECTIONS", 64);
const WARMUP_SECONDS = 3;
const CAP = 1_000;
/** More than the coupon phase can redeem at this machine's rate, so each attempt is a first. */
const COUPONS = 100_000;
const ROUNDS = 3;
const THREADS = 2;

/** wrk as every phase here runs it: unpinned, so wrk and the servers share both cores (sold-out-floor.ts pins them). */
const run = (url: string, seconds: number, load: Load) => wrk(url, load, { seconds, threads: THREADS, connections });

/** A warm-up run, then the measured one. */
async function measure(url: string, load: Load): Promise<WrkResult> {
  await run(url, WARMUP_SECONDS, load);
  return run(url, duration, load);
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

/** Starts the high-water mark again from the process's current RSS (Linux: clear_refs 5). */
function resetPeakRss(pid: number | undefined): void {
  writeFileSync(`/proc/${pid}/clear_refs`, "5");
}

const campaignWithCap = (url: string, maxRedemptions: number) =>
  createCampaign(url, { name: `bench ${maxRedemptions}`, amount: 1_000_000, maxRedemptions });

/** Statuses outside `allowed`, as readable problems. */
function unexpected(name: string, r: WrkResult, allowed: string[]): string[] {
  const bad = Object.entries(r.statuses).filter(([status]) => !allowed.includes(status));
  const problems = bad.map(([status, n]) => `${name}: ${n} answers with status ${status}`);
  if (r.errors > 0) problems.push(`${name}: ${r.errors} socket errors`);
  return problems;
}

/** Coupons for the coupon phase, made by the operator's CLI beside the running service. */
async function makeCoupons(databaseUrl: string, count: number, file: string): Promise<void> {
  const made = await runCli("discount/src/cli/coupons.ts", ["--count", String(count), "--out", file], {
    DISCOUNT_DATABASE_URL: databaseUrl,
  });
  if (made.code !== 0) throw new Error(`coupons not made: ${made.stderr}`);
}

/** When the cap-1,000 burst's last credit reached the wallet, after the burst began. */
async function lastCreditSeconds(walletUrl: string, code: string, startedAt: number, problems: string[]) {
  const ledger = await openDatabase(walletUrl);
  const { rows } = await ledger.execute({
    sql: "SELECT created_at FROM ledger WHERE idempotency_key LIKE ? ORDER BY created_at",
    args: [`gift:${code}:%`],
  });
  ledger.close();
  if (rows.length !== CAP) problems.push(`burst: ${rows.length} credits in the wallet, expected ${CAP}`);
  return (Number(rows.at(-1)?.created_at ?? Number.NaN) - startedAt) / 1000;
}

async function main(): Promise<number> {
  const redis = await startRedis();
  const walletDb = await makeTempDatabase(undefined, "wallet.db");
  const discountDb = await makeTempDatabase(undefined, "discount.db");
  const processes: ServiceProcess[] = [];
  const problems: string[] = [];
  const check = (name: string, r: WrkResult, allowed: string[]) => {
    problems.push(...unexpected(name, r, allowed));
    return r;
  };
  try {
    // The baseline alone first, so nothing else competes for the two cores.
    const baseline = await startService({ entry: "bench/baseline-server.ts", portVar: "BASELINE_PORT", env: {} });
    processes.push(baseline);
    const baseLoad: Load = { mode: "redeem", code: "BENCH", phones: 1_000_000, offset: 0 };
    const base = check("baseline", await measure(baseline.url, baseLoad), ["200"]);
    // Kept running (idle) so the sold-out comparison can alternate between the two.
    const baseRate = base.requests / base.seconds;
    // The same bare server answering with this API's headers: what the headers alone cost.
    const headersBaseline = await startService({
      entry: "bench/baseline-server.ts",
      portVar: "BASELINE_PORT",
      env: { BASELINE_API_HEADERS: "1" },
    });
    processes.push(headersBaseline);

    const wallet = await startWalletProcess(walletDb);
    // Production log level: the access log is part of what a request costs.
    const discount = await startDiscountProcess(
      discountDb,
      { redisUrl: redis.url, wallet },
      {
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info",
        RATE_LIMIT_COUPON_IP_PER_MINUTE: "1000000",
        RELAY_INTERVAL_MS: "500", // the deployed default; the test helpers poll every 100 ms
      },
    );
    processes.push(wallet, discount);
    const token = await testToken("service");
    const redeem = (code: string, phones: number, offset: number, rate?: number): Load => ({
      mode: "redeem",
      code,
      phones,
      offset,
      token,
      rate,
    });

    // Open: a huge cap, every request a new phone: rate limits, the gate, the durable
    // redemption + outbox row, and the wallet credit over HTTP before answering.
    const open = await campaignWithCap(discount.url, 10_000_000);
    const wins = check("open", await run(discount.url, duration, redeem(open, 10_000_000, 100_000)), ["201"]);
    // A winner's repeat: 2,000 phones that won (during the warm-up) ask again.
    const repeats = check("repeat", await measure(discount.url, redeem(open, 2_000, 0)), ["200", "201"]);

    // Sold out: every request is a new phone, refused from memory; then at half the
    // baseline's rate, for the latency a client sees when the service is not saturated.
    const full = await campaignWithCap(discount.url, 1);
    // 200: the one winner, sent again as the phones wrap.
    // Flat out, alternating with the baseline: this machine's speed drifts by a third
    // from one minute to the next, so each pair is measured side by side and the
    // median pair is reported.
    await run(discount.url, WARMUP_SECONDS, redeem(full, 1_000_000, 0));
    const pairs: { base: WrkResult; soldOut: WrkResult; withHeaders: WrkResult }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const b = check("baseline", await run(baseline.url, duration, baseLoad), ["200"]);
      const withHeaders = check("baseline + headers", await run(headersBaseline.url, duration, baseLoad), ["200"]);
      const sold = check("sold out", await run(discount.url, duration, redeem(full, 1_000_000, 0)), ["200", "409"]);
      pairs.push({ base: b, soldOut: sold, withHeaders });
    }
    const rateOf = (r: WrkResult) => r.requests / r.seconds;
    pairs.sort((x, y) => rateOf(x.soldOut) / rateOf(x.base) - rateOf(y.soldOut) / rateOf(y.base));
    const median = pairs[Math.floor(ROUNDS / 2)] as (typeof pairs)[number];
    const soldOut = median.soldOut;
    const pairRatios = pairs.map((pair) => (rateOf(pair.soldOut) / rateOf(pair.base)).toFixed(2));
    const headerRatios = pairs.map((pair) => rateOf(pair.soldOut) / rateOf(pair.withHeaders)).sort((x, y) => x - y);
    const headersCost = pairs.map((pair) => rateOf(pair.withHeaders) / rateOf(pair.base)).sort((x, y) => x - y);
    const halfRate = check(
      "sold out, half rate",
      await run(discount.url, duration, redeem(full, 1_000_000, 0, baseRate / 2)),
      ["200", "409"],
    );

    // The match: cap 1,000, a flood of distinct phones; when does the 1,000th credit land?
    const match = await campaignWithCap(discount.url, CAP);
    // The process's peak so far is the open phase's (tens of thousands of winners in
    // seconds, which no match produces); the burst's own is measured from here, with
    // whatever the earlier phases left in memory.
    const earlierPeak = peakRssMb(discount.pid());
    resetPeakRss(discount.pid());
    const burstStart = Date.now();
    check("burst", await run(discount.url, 3, redeem(match, 10_000_000, 5_000_000)), ["201", "409"]);
    const toLast = await lastCreditSeconds(walletDb.url, match, burstStart, problems);
    // Read before the coupon phase fills the campaign cache with coupons.
    const rss = peakRssMb(discount.pid());

    // Single-use coupons, each redeemed once by a new phone (a win and a credit each).
    const codesFile = `${discountDb.dir}/coupons.txt`;
    await makeCoupons(discountDb.url, COUPONS, codesFile);
    const coupons = check(
      "coupon",
      await measure(discount.url, { mode: "coupon", codesFile, phones: 10_000_000, offset: 6_000_000, token }),
      ["201", "200"],
    );

    // The wallet on its own: balance reads, then credits, each with its own Idempotency-Key.
    const reads = check(
      "balance",
      await measure(wallet.url, { mode: "balance", phones: 100_000, offset: 100_000, token }),
      ["200"],
    );
    const credits = check(
      "credit",
      await run(wallet.url, duration, { mode: "credit", phones: 10_000, offset: 0, token }),
      ["201"],
    );

    const baseRow = toRow("bare Elysia POST (baseline)", base);
    printTable(
      [
        baseRow,
        toRow("redeem, open: new winner + credit", wins),
        toRow("redeem, winner's repeat", repeats),
        toRow("redeem, sold out (median pair)", soldOut),
        toRow(`redeem, sold out at ${Math.round(baseRate / 2)}/s`, halfRate),
        toRow("coupon redeem (win + credit)", coupons),
        toRow("wallet balance read", reads),
        toRow("wallet credit", credits),
      ],
      baseRow,
    );
    const ratio = (r: WrkResult) => r.requests / r.seconds / baseRate;
    const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
    console.log(
      `\nwrk -t${THREADS} -c${connections} -d${duration}s; flat-out phases after a ${WARMUP_SECONDS} s warm-up`,
    );
    const soldRatio = rateOf(soldOut) / rateOf(median.base);
    console.log(
      `sold out >= 0.9x baseline: ${soldRatio.toFixed(2)}x ${verdict(soldRatio >= 0.9)} ` +
        `(median of ${ROUNDS} alternating pairs: ${pairRatios.join(", ")})`,
    );
    const mid = (values: number[]) => (values[Math.floor(values.length / 2)] as number).toFixed(2);
    console.log(
      `  for reference: the baseline with this API's headers ran at ${mid(headersCost)}x the bare one; ` +
        `sold out ran at ${mid(headerRatios)}x of it (medians of ${ROUNDS} rounds)`,
    );
    console.log(`open (new winners) >= 0.6x baseline: ${ratio(wins).toFixed(2)}x ${verdict(ratio(wins) >= 0.6)}`);
    console.log(
      `open (winner's repeat) >= 0.6x baseline: ${ratio(repeats).toFixed(2)}x ${verdict(ratio(repeats) >= 0.6)}`,
    );
    const p99 = halfRate.p99 / 1000;
    console.log(`sold-out p99 at half the baseline's rate <= 20 ms: ${p99.toFixed(2)} ms ${verdict(p99 <= 20)}`);
    console.log(`1,000th credit after burst start: ${toLast.toFixed(2)} s ${verdict(toLast <= 1.5)} (<= 1.5 s)`);
    console.log(`discount peak RSS through the burst: ${rss.toFixed(0)} MB ${verdict(rss <= 200)} (<= 200 MB)`);
    console.log(
      `  for reference: its peak over the earlier phases (the open phase's winners) was ${earlierPeak.toFixed(0)} MB`,
    );
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
