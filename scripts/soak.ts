/**
 * Soak test: Redis, wallet and discount as real processes under steady mixed
 * traffic: --warmup minutes (default 2) that are shown but not judged, then
 * --minutes (default 10) that are, at --rate requests/s (default 300), with at most
 * --concurrency requests in flight. Samples both services' RSS every 5 s. Fails
 * (exit 1) on any 5xx or network error, warm-up included, or when a service's
 * retained memory grows 10 % or more over the measured minutes.
 *
 * Retained memory is each minute's floor: the lowest sample, which falls just after
 * the full collection each service runs once a minute. A single sample lands anywhere
 * between two collections and swings ±10 % with it (docs/RELIABILITY.md); a leak
 * raises the floor, garbage awaiting collection does not. Peaks are printed too.
 * The warm-up is the time the services' bounded caches take to fill at this mix;
 * memory growing while they fill is by design, not a leak. Not part of `bun run test`.
 *
 *   bun scripts/soak.ts --warmup 1 --minutes 2 --rate 300
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { makeTempDatabase } from "@matchday/testkit/database";
import { bearer } from "@matchday/testkit/http";
import { type ServiceProcess, startDiscountProcess, startWalletProcess } from "@matchday/testkit/processes";
import { startRedis } from "@matchday/testkit/redis";
import { pickOperation, type SoakTargets } from "./soak-traffic";

const { values } = parseArgs({
  options: {
    warmup: { type: "string", default: "2" },
    minutes: { type: "string", default: "10" },
    rate: { type: "string", default: "300" },
    concurrency: { type: "string", default: "64" },
  },
});
const warmup = Number(values.warmup);
const measured = Number(values.minutes);
const minutes = warmup + measured;
const rate = Number(values.rate);
const concurrency = Number(values.concurrency);
const wholeMinutes = Number.isInteger(warmup) && warmup >= 0 && Number.isInteger(measured) && measured >= 2;
if (!(wholeMinutes && rate > 0 && concurrency > 0)) {
  console.error("usage: bun scripts/soak.ts [--warmup W >= 0] [--minutes M >= 2] [--rate R > 0] [--concurrency C > 0]");
  process.exit(2);
}

const SAMPLE_MS = 5_000;
const MAX_RSS_GROWTH = 0.1;
const quiet = { LOG_LEVEL: "warn" }; // per-request info logs would only fill the pipe we read

/** The lowest and highest RSS sampled in one minute, in kB. */
interface Range {
  floor: number;
  peak: number;
}

interface Minute {
  requests: number;
  refused: number;
  errors: number;
  wallet: Range;
  discount: Range;
}

const noSamples = (): Range => ({ floor: Number.POSITIVE_INFINITY, peak: 0 });

function sample(range: Range, kb: number): void {
  range.floor = Math.min(range.floor, kb);
  range.peak = Math.max(range.peak, kb);
}

function rssKb(service: ServiceProcess): number {
  const status = readFileSync(`/proc/${service.pid()}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
}

async function created(res: Response): Promise<Record<string, unknown>> {
  if (res.status !== 201) throw new Error(`setup failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

const redis = await startRedis();
const walletDb = await makeTempDatabase();
const discountDb = await makeTempDatabase();
const wallet = await startWalletProcess(walletDb, quiet);
const discount = await startDiscountProcess(
  discountDb,
  { redisUrl: redis.url, wallet },
  {
    ...quiet,
    RATE_LIMIT_IP_PER_MINUTE: "10000000",
    RATE_LIMIT_PHONE_PER_MINUTE: "1000",
    RATE_LIMIT_COUPON_IP_PER_MINUTE: "1000000",
  },
);

async function setUp(): Promise<SoakTargets> {
  const admin = await bearer("admin", "soak-admin", 24 * 3600);
  const service = await bearer("service", "soak", 24 * 3600);
  const campaign = (maxRedemptions: number) =>
    fetch(`${discount.url}/v1/campaigns`, {
      method: "POST",
      headers: { ...admin, "content-type": "application/json" },
      body: JSON.stringify({ name: `soak ${maxRedemptions}`, amount: 1_000, maxRedemptions }),
    }).then(created);
  const openCampaign = String((await campaign(10_000_000)).code);
  const soldOutCampaign = String((await campaign(1)).code);
  await fetch(`${discount.url}/v1/redeem`, {
    method: "POST",
    headers: { ...service, "content-type": "application/json" },
    body: JSON.stringify({ code: soldOutCampaign, phone: "09390000000" }),
  }).then(created);
  return { walletUrl: wallet.url, discountUrl: discount.url, admin, service, openCampaign, soldOutCampaign };
}

/** A request that got a 5xx or no answer: when, what, and what it got. */
interface Failure {
  second: number;
  operation: string;
  got: string;
}

/** The failures kept in full; past this many only their count grows. */
const FAILURES_SHOWN = 20;

/** Sends the mix at `rate` per second until `endAt`, never more than `concurrency` at once. */
async function drive(targets: SoakTargets, startedAt: number, endAt: number, byMinute: Minute[], failures: Failure[]) {
  let launched = 0;
  let inFlight = 0;
  const minuteOf = () =>
    byMinute[Math.min(Math.floor((Date.now() - startedAt) / 60_000), byMinute.length - 1)] as Minute;
  const fail = (operation: string, got: string) => {
    if (failures.length < FAILURES_SHOWN) failures.push({ second: (Date.now() - startedAt) / 1000, operation, got });
  };
  const run = async () => {
    inFlight++;
    const minute = minuteOf();
    const operation = pickOperation();
    try {
      const answers = await operation.run(targets);
      minute.requests += answers.length;
      minute.refused += answers.filter((a) => a.status >= 400 && a.status < 500).length;
      for (const answer of answers.filter((a) => a.status >= 500)) {
        minute.errors++;
        fail(operation.name, `${answer.status} ${answer.body ?? ""}`);
      }
    } catch (error) {
      // A network error: refused connection, reset, timeout.
      minute.requests++;
      minute.errors++;
      const { name, code, message } = error as { name?: string; code?: string; message?: string };
      fail(operation.name, `no answer: ${name ?? "Error"}${code ? ` ${code}` : ""}: ${message ?? String(error)}`);
    } finally {
      inFlight--;
    }
  };
  while (Date.now() < endAt) {
    const due = Math.floor(((Date.now() - startedAt) / 1000) * rate);
    // Behind schedule with every slot busy: skip rather than queue, so the rate stays "modest".
    while (launched < due && inFlight < concurrency) {
      launched++;
      void run();
    }
    if (launched < due) launched = due;
    await Bun.sleep(5);
  }
  while (inFlight > 0) await Bun.sleep(10);
}

let failed = false;
try {
  const targets = await setUp();
  const byMinute: Minute[] = Array.from({ length: minutes }, () => ({
    requests: 0,
    refused: 0,
    errors: 0,
    wallet: noSamples(),
    discount: noSamples(),
  }));
  const startedAt = Date.now();
  const endAt = startedAt + minutes * 60_000;
  const sampler = setInterval(() => {
    const minute = byMinute[Math.min(Math.floor((Date.now() - startedAt - 1) / 60_000), minutes - 1)] as Minute;
    sample(minute.wallet, rssKb(wallet));
    sample(minute.discount, rssKb(discount));
  }, SAMPLE_MS);
  console.log(
    `soak: ${warmup} min warm-up + ${measured} min measured at ${rate} req/s (concurrency ${concurrency}); ` +
      `wallet ${wallet.url}, discount ${discount.url}`,
  );
  const failures: Failure[] = [];
  await drive(targets, startedAt, endAt, byMinute, failures);
  clearInterval(sampler);
  failed = report(byMinute);
  if (failures.length > 0) explain(failures);
} finally {
  await discount.stop();
  await wallet.stop();
  await redis.dispose();
  walletDb.dispose();
  discountDb.dispose();
}
process.exit(failed ? 1 : 0);

/** What failed, and what the services logged at warn and above (their level here) around it. */
function explain(failures: Failure[]): void {
  console.log(`\nfailed requests (the first ${FAILURES_SHOWN} at most):`);
  for (const f of failures) console.log(`  at ${f.second.toFixed(1)} s, ${f.operation}: ${f.got}`);
  for (const [name, service] of [
    ["wallet", wallet],
    ["discount", discount],
  ] as const) {
    console.log(`\n${name}'s log (tail):\n${service.output().slice(-4_000) || "(nothing)"}`);
  }
}

/** Prints the table and the verdict; true when the soak failed. */
function report(byMinute: Minute[]): boolean {
  const mb = (kb: number) => (kb / 1024).toFixed(1);
  const range = (r: Range) => `${mb(r.floor)}–${mb(r.peak)}`.padStart(13);
  console.log("minute | requests |   4xx | errors | wallet RSS MB (floor–peak) | discount RSS MB (floor–peak)");
  byMinute.forEach((m, i) => {
    const label = `${i + 1}${i < warmup ? "w" : " "}`.padStart(6);
    const counts = [String(m.requests).padStart(8), String(m.refused).padStart(5), String(m.errors).padStart(6)];
    console.log(
      `${label} | ${counts.join(" | ")} | ${range(m.wallet).padStart(26)} | ${range(m.discount).padStart(28)}`,
    );
  });
  const first = byMinute[warmup] as Minute;
  const last = byMinute[byMinute.length - 1] as Minute;
  const growth = (from: Range, to: Range, of: keyof Range) => (to[of] - from[of]) / from[of];
  const pct = (g: number) => `${g >= 0 ? "+" : ""}${(g * 100).toFixed(1)} %`;
  const span = `minute ${warmup + 1} to minute ${byMinute.length}`;
  const retained = {
    wallet: growth(first.wallet, last.wallet, "floor"),
    discount: growth(first.discount, last.discount, "floor"),
  };
  console.log(`retained RSS (floor) from ${span}: wallet ${pct(retained.wallet)}, discount ${pct(retained.discount)}`);
  console.log(
    `  for reference, peaks: wallet ${pct(growth(first.wallet, last.wallet, "peak"))}, ` +
      `discount ${pct(growth(first.discount, last.discount, "peak"))}`,
  );
  const errors = byMinute.reduce((n, m) => n + m.errors, 0);
  const tooMuch = retained.wallet >= MAX_RSS_GROWTH || retained.discount >= MAX_RSS_GROWTH;
  if (errors > 0) console.log(`FAIL: ${errors} 5xx or network errors`);
  if (tooMuch) console.log(`FAIL: retained RSS grew ${MAX_RSS_GROWTH * 100} % or more`);
  if (errors === 0 && !tooMuch) console.log("PASS");
  return errors > 0 || tooMuch;
}
