/**
 * `bun bench/open-phase-cpu.ts [--rounds N] [--seconds S]`: what one new winner costs each
 * service while a campaign is open (wrk, bench/requests.lua mode "redeem", a huge cap, a new
 * phone per request): CPU µs per winner in the discount and in the wallet, from each
 * process's /proc/<pid>/stat around the measured run, and how many credits each wallet
 * request carried (the wallet's own http_requests_total). CPU time, not req/s, so the figure
 * holds on a machine other work shares.
 *
 * With BASE_ROOT=/path/to/other/checkout the same is measured for that checkout's services
 * too, alternating round by round (fresh processes and databases each time), and the
 * medians are compared.
 */
import { createCampaign } from "@matchday/testkit/burst";
import { makeTempDatabase } from "@matchday/testkit/database";
import { TEST_JWT_SECRET, testToken } from "@matchday/testkit/http";
import { REPO_ROOT, type ServiceProcess, startService } from "@matchday/testkit/processes";
import { startRedis } from "@matchday/testkit/redis";
import { walletRequestsTo } from "@matchday/testkit/wallet";
import { cpuMicros } from "./proc";
import { median, option, pairedRatios } from "./table";
import { wrk } from "./wrk";

const rounds = option("--rounds", "BENCH_ROUNDS", 3);
const seconds = option("--seconds", "BENCH_SECONDS", 5);
const WARMUP_SECONDS = 1;
const CREDIT_ROUTES = ["/v1/credit-batches", "/v1/wallets/:phone/credits"];

interface Sample {
  winners: number;
  discountMicros: number;
  walletMicros: number;
  walletRequests: number;
}

/** One round: fresh Redis, databases and processes from `root`, a warm-up, then the measured run. */
async function round(root: string): Promise<Sample> {
  const redis = await startRedis();
  const [walletDb, discountDb] = await Promise.all([makeTempDatabase(), makeTempDatabase()]);
  const started: ServiceProcess[] = [];
  try {
    const wallet = await startService({
      entry: `${root}/wallet/src/main.ts`,
      portVar: "WALLET_PORT",
      env: { JWT_SECRET: TEST_JWT_SECRET, WALLET_DATABASE_URL: walletDb.url, LOG_LEVEL: "info" },
    });
    started.push(wallet);
    const discount = await startService({
      entry: `${root}/discount/src/main.ts`,
      portVar: "DISCOUNT_PORT",
      env: {
        JWT_SECRET: TEST_JWT_SECRET,
        DISCOUNT_DATABASE_URL: discountDb.url,
        REDIS_URL: redis.url,
        WALLET_URL: wallet.url,
        RATE_LIMIT_PHONE_PER_MINUTE: "1000",
        RATE_LIMIT_IP_PER_MINUTE: "10000000",
        RELAY_INTERVAL_MS: "500",
        LOG_LEVEL: "info",
      },
    });
    started.push(discount);
    const code = await createCampaign(discount.url, { name: "Open", amount: 1_000, maxRedemptions: 10_000_000 });
    const token = await testToken("service");
    const load = (offset: number) => ({ mode: "redeem" as const, code, phones: 10_000_000, offset, token });
    const options = { threads: 2, connections: 64 };
    await wrk(discount.url, load(0), { ...options, seconds: WARMUP_SECONDS });
    const before = {
      discount: cpuMicros(discount.pid()),
      wallet: cpuMicros(wallet.pid()),
      requests: await walletRequestsTo(wallet.url, CREDIT_ROUTES),
    };
    const result = await wrk(discount.url, load(5_000_000), { ...options, seconds });
    // Credits of the last requests may still be in flight: let them land before reading the counters.
    await Bun.sleep(200);
    const winners = result.statuses["201"] ?? 0;
    if (winners !== result.requests) throw new Error(`not every request won: ${JSON.stringify(result.statuses)}`);
    return {
      winners,
      discountMicros: cpuMicros(discount.pid()) - before.discount,
      walletMicros: cpuMicros(wallet.pid()) - before.wallet,
      walletRequests: (await walletRequestsTo(wallet.url, CREDIT_ROUTES)) - before.requests,
    };
  } finally {
    for (const p of started.reverse()) await p.stop();
    walletDb.dispose();
    discountDb.dispose();
    await redis.dispose();
  }
}

const variants: [string, string][] = [["this", REPO_ROOT.replace(/\/$/, "")]];
if (process.env.BASE_ROOT) variants.unshift(["base", process.env.BASE_ROOT.replace(/\/$/, "")]);
const samples = new Map<string, Sample[]>(variants.map(([name]) => [name, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, root] of variants) {
    const s = await round(root);
    samples.get(name)?.push(s);
    console.log(
      `round ${r + 1} ${name}: ${s.winners} winners, discount ${(s.discountMicros / s.winners).toFixed(0)} µs, ` +
        `wallet ${(s.walletMicros / s.winners).toFixed(0)} µs per winner, ` +
        `${(s.winners / s.walletRequests).toFixed(1)} credits per wallet request`,
    );
  }
}
console.log(`\nmedians of ${rounds} rounds, ${seconds} s each (CPU µs per winner):`);
for (const [name, list] of samples) {
  const m = {
    discount: median(list.map((s) => s.discountMicros / s.winners)),
    wallet: median(list.map((s) => s.walletMicros / s.winners)),
    perRequest: median(list.map((s) => s.winners / s.walletRequests)),
  };
  const line = `discount ${m.discount.toFixed(0)}, wallet ${m.wallet.toFixed(0)}, sum ${(m.discount + m.wallet).toFixed(0)}`;
  console.log(`${name.padEnd(5)} ${line}; ${m.perRequest.toFixed(1)} credits per wallet request`);
}
const base = samples.get("base");
const mine = samples.get("this") as Sample[];
if (base) {
  const paired = (cost: (s: Sample) => number) => pairedRatios(mine.map(cost), base.map(cost)).ratio.toFixed(2);
  const perWinner = (micros: (s: Sample) => number) => (s: Sample) => micros(s) / s.winners;
  console.log(
    `this/base, median of the rounds' pairs: discount ${paired(perWinner((s) => s.discountMicros))}×, ` +
      `wallet ${paired(perWinner((s) => s.walletMicros))}×, ` +
      `sum ${paired(perWinner((s) => s.discountMicros + s.walletMicros))}×`,
  );
}
