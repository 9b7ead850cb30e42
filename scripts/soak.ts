/**
 * Soak test: Redis, wallet and discount as real processes under steady mixed
 * traffic for --minutes (default 10) at --rate requests/s (default 300), with at
 * most --concurrency requests in flight. Samples both services' RSS every 10 s and
 * fails (exit 1) on any 5xx or network error, or when RSS grows 10 % or more from
 * the end of the first minute (warm-up) to the end. Not part of `bun run test`.
 *
 *   bun scripts/soak.ts --minutes 2 --rate 300
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  bearer,
  makeTempDatabase,
  type ServiceProcess,
  startDiscountProcess,
  startRedis,
  startWalletProcess,
} from "@matchday/shared/test-support";
import { pickOperation, type SoakTargets } from "./soak-traffic";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "10" },
    rate: { type: "string", default: "300" },
    concurrency: { type: "string", default: "64" },
  },
});
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const concurrency = Number(values.concurrency);
if (!(minutes > 0 && rate > 0 && concurrency > 0)) {
  console.error("usage: bun scripts/soak.ts [--minutes M] [--rate R] [--concurrency C]");
  process.exit(2);
}

const SAMPLE_MS = 10_000;
const MAX_RSS_GROWTH = 0.1;
const quiet = { LOG_LEVEL: "warn" }; // per-request info logs would only fill the pipe we read

interface Minute {
  requests: number;
  refused: number;
  errors: number;
  walletRss: number;
  discountRss: number;
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

/** Sends the mix at `rate` per second until `endAt`, never more than `concurrency` at once. */
async function drive(targets: SoakTargets, startedAt: number, endAt: number, byMinute: Minute[]) {
  let launched = 0;
  let inFlight = 0;
  const minuteOf = () =>
    byMinute[Math.min(Math.floor((Date.now() - startedAt) / 60_000), byMinute.length - 1)] as Minute;
  const run = async () => {
    inFlight++;
    const minute = minuteOf();
    try {
      const statuses = await pickOperation()(targets);
      minute.requests += statuses.length;
      minute.refused += statuses.filter((s) => s >= 400 && s < 500).length;
      minute.errors += statuses.filter((s) => s >= 500).length;
    } catch {
      minute.requests++;
      minute.errors++; // a network error: refused connection, reset, timeout
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
    walletRss: Number.NaN,
    discountRss: Number.NaN,
  }));
  const startedAt = Date.now();
  const endAt = startedAt + minutes * 60_000;
  // The last sample of each minute is the one the table shows.
  const sampler = setInterval(() => {
    const index = Math.min(Math.floor((Date.now() - startedAt - 1) / 60_000), minutes - 1);
    const minute = byMinute[index] as Minute;
    minute.walletRss = rssKb(wallet);
    minute.discountRss = rssKb(discount);
  }, SAMPLE_MS);
  console.log(
    `soak: ${minutes} min at ${rate} req/s (concurrency ${concurrency}); wallet ${wallet.url}, discount ${discount.url}`,
  );
  await drive(targets, startedAt, endAt, byMinute);
  clearInterval(sampler);
  const last = byMinute[minutes - 1] as Minute;
  last.walletRss = rssKb(wallet);
  last.discountRss = rssKb(discount);
  failed = report(byMinute);
} finally {
  await discount.stop();
  await wallet.stop();
  await redis.dispose();
  walletDb.dispose();
  discountDb.dispose();
}
process.exit(failed ? 1 : 0);

/** Prints the table and the verdict; true when the soak failed. */
function report(byMinute: Minute[]): boolean {
  const mb = (kb: number) => (kb / 1024).toFixed(1);
  console.log("minute | requests |   4xx | errors | wallet RSS MB | discount RSS MB");
  byMinute.forEach((m, i) => {
    const row = [String(i + 1).padStart(6), String(m.requests).padStart(8), String(m.refused).padStart(5)];
    console.log(
      `${row.join(" | ")} | ${String(m.errors).padStart(6)} | ${mb(m.walletRss).padStart(13)} | ${mb(m.discountRss).padStart(15)}`,
    );
  });
  const first = byMinute[0] as Minute;
  const last = byMinute[byMinute.length - 1] as Minute;
  const growth = (a: number, b: number) => (b - a) / a;
  const walletGrowth = growth(first.walletRss, last.walletRss);
  const discountGrowth = growth(first.discountRss, last.discountRss);
  const errors = byMinute.reduce((n, m) => n + m.errors, 0);
  const pct = (g: number) => `${(g * 100).toFixed(1)} %`;
  console.log(
    `RSS growth from minute 1 to minute ${byMinute.length}: wallet ${pct(walletGrowth)}, discount ${pct(discountGrowth)}`,
  );
  const tooMuch = walletGrowth >= MAX_RSS_GROWTH || discountGrowth >= MAX_RSS_GROWTH;
  if (errors > 0) console.log(`FAIL: ${errors} 5xx or network errors`);
  if (tooMuch) console.log(`FAIL: RSS grew ${MAX_RSS_GROWTH * 100} % or more`);
  if (errors === 0 && !tooMuch) console.log("PASS");
  return errors > 0 || tooMuch;
}
