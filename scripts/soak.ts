/**
 * Soak test: Redis, wallet and discount as real processes, k6 (load/k6/soak.js)
 * sending steady mixed traffic at them: --warmup minutes (default 2) that are shown
 * but not judged, then --minutes (default 10) that are, at --rate iterations/s
 * (default 300; k6's RATE), with at most --concurrency in flight (k6's MAX_VUS).
 * Bun samples both services' RSS every 5 s around the run (scripts/soak-memory.ts).
 * Fails (exit 1) when k6 fails (any answer the API does not promise, warm-up
 * included: ERROR_RATE=0; a p99 over P99_MS; a wrong end state in teardown) or when
 * a service's retained memory grows 10 % or more over the measured minutes.
 *
 * The warm-up is the time the services' bounded caches take to fill at this mix;
 * memory growing while they fill is by design, not a leak. Not part of `bun run test`.
 * Other k6 variables of soak.js (MIX, USERS, P99_MS, ...) pass through the environment.
 *
 *   bun scripts/soak.ts --warmup 1 --minutes 2 --rate 300
 */
import { parseArgs } from "node:util";
import { testToken } from "@matchday/testkit/http";
import { startK6Stack } from "./k6-stack";
import { findK6, k6Verdict, runK6 } from "./soak-k6";
import { judgeMemory, sampleMemory } from "./soak-memory";

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
const positive = Number.isInteger(rate) && rate > 0 && Number.isInteger(concurrency) && concurrency > 0;
if (!(wholeMinutes && positive)) {
  console.error("usage: bun scripts/soak.ts [--warmup W >= 0] [--minutes M >= 2] [--rate R > 0] [--concurrency C > 0]");
  process.exit(2);
}

/** The match-night mix the soak has always run: every write path busy, the sold-out and coupon paths included. */
const SOAK_MIX = "balance:25,credit:20,redeem:20,soldout:10,report:10,coupon:15";
const quiet = { LOG_LEVEL: "warn" }; // per-request info logs would only fill the pipe we read

const k6 = (() => {
  try {
    return findK6(); // before anything starts, so a missing binary costs nothing
  } catch (error) {
    console.error(String((error as Error).message));
    process.exit(2);
  }
})();
const stack = await startK6Stack(quiet);
const { wallet, discount } = stack;

let failed = true;
try {
  const ttl = minutes * 60 + 3600; // the run, then teardown's verification
  console.log(
    `soak: ${warmup} min warm-up + ${measured} min measured at ${rate} iterations/s (at most ${concurrency} in flight); ` +
      `wallet ${wallet.url}, discount ${discount.url}; ${k6}`,
  );
  const memory = sampleMemory({ wallet: wallet.pid, discount: discount.pid }, minutes);
  const k6Code = await runK6(k6, "load/k6/soak.js", {
    WALLET_URL: wallet.url,
    DISCOUNT_URL: discount.url,
    ADMIN_TOKEN: await testToken("admin", "soak-admin", ttl),
    SERVICE_TOKEN: await testToken("service", "soak", ttl),
    RATE: String(rate),
    DURATION: `${minutes}m`,
    MAX_VUS: String(concurrency),
    PRE_VUS: String(Math.min(concurrency, 50)),
    MIX: process.env.MIX ?? SOAK_MIX,
    ERROR_RATE: process.env.ERROR_RATE ?? "0",
  });
  const grew = judgeMemory(memory.stop(), warmup);
  console.log(k6Verdict(k6Code));
  if (k6Code !== 0) stack.printLogTails();
  failed = grew || k6Code !== 0;
  console.log(failed ? "FAIL" : "PASS");
} finally {
  await stack.stop();
}
process.exit(failed ? 1 : 0);
