/**
 * The match burst through a real load balancer: Redis (--redis cluster, the default: 3
 * masters and their replicas; or single), the wallet, --instances discount
 * processes (default 3) on one SQLite file, HAProxy in front (deploy/haproxy.cfg), and
 * k6 (load/k6/match-burst.js) sending the burst to HAProxy at --rate requests/s for
 * --duration. k6 checks the answers and, in teardown, the report through the balancer;
 * then Bun checks from outside what k6 cannot: both databases against the invariants
 * (DESIGN §3), every instance's own report, and each instance's share of the burst.
 * Fails (exit 1) when any of them does. Not part of `bun run test` (the short
 * discount/src/balanced-burst.test.ts is). Other match-burst.js variables (USERS, P99_MS,
 * DUPLICATES, ...) pass through the environment.
 *
 *   bun scripts/balanced-burst.ts --instances 3 --rate 1000 --duration 20s --cap 1000 [--redis single]
 */
import { parseArgs } from "node:util";
import {
  type BalancedStack,
  clusterRedis,
  onlyCampaignCode,
  redeemsServed,
  reportOf,
  singleRedis,
  startBalancedStack,
} from "@matchday/testkit/balancer";
import { readFacts, violations } from "@matchday/testkit/burst";
import { testToken } from "@matchday/testkit/http";
import { findK6, k6Verdict, runK6 } from "./soak-k6";

const { values } = parseArgs({
  options: {
    instances: { type: "string", default: "3" },
    rate: { type: "string", default: "1000" },
    duration: { type: "string", default: "20s" },
    cap: { type: "string", default: "1000" },
    amount: { type: "string", default: "1000000" },
    redis: { type: "string", default: "cluster" },
  },
});
const instances = Number(values.instances);
const cap = Number(values.cap);
const amount = Number(values.amount);
// The report is read in one page of at most 1,000 winners per instance.
const redisTopologies = { cluster: clusterRedis, single: singleRedis } as const;
const redis = redisTopologies[values.redis as keyof typeof redisTopologies];
const capOk = Number.isInteger(cap) && cap >= 1 && cap <= 1000;
if (!(Number.isInteger(instances) && instances >= 1 && capOk && redis)) {
  console.error(
    "usage: bun scripts/balanced-burst.ts [--instances N >= 1] [--rate R] [--duration 20s] [--cap 1..1000] " +
      "[--redis cluster|single]",
  );
  process.exit(2);
}

const k6 = (() => {
  try {
    return findK6(); // before anything starts, so a missing binary costs nothing
  } catch (error) {
    console.error(String((error as Error).message));
    process.exit(2);
  }
})();

/** What Bun checks after k6: the invariants in both databases, the instances' reports, their shares. */
async function checkFromOutside(stack: BalancedStack): Promise<string[]> {
  const code = await onlyCampaignCode(stack.db.url); // the one k6's setup() created
  const facts = await readFacts(stack.db.url, stack.walletDb.url, code);
  // k6 kept the answers; the databases alone must show cap winners, each credited once.
  const found = violations(facts, [], { cap, amount, distinctPhones: Number.MAX_SAFE_INTEGER });
  const reports = await Promise.all(stack.instances.map((i) => reportOf(i.url, code, cap)));
  const first = JSON.stringify(reports[0]);
  reports.forEach((r, i) => {
    if (JSON.stringify(r) !== first) found.push(`instance ${i + 1}'s report differs from instance 1's`);
  });
  const served = await Promise.all(stack.instances.map((i) => redeemsServed(i.url)));
  const total = served.reduce((a, b) => a + b, 0);
  console.log(
    `campaign ${code}: ${facts.winners.length} winners (cap ${cap}), ${facts.credits.length} credits; ` +
      `redeems per instance ${served.join(" / ")} of ${total} ` +
      `(${served.map((n) => `${Math.round((100 * n) / Math.max(total, 1))} %`).join(" / ")})`,
  );
  served.forEach((n, i) => {
    if (n === 0) found.push(`instance ${i + 1} served no redeem: the balancer did not reach it`);
  });
  return found;
}

const stack = await startBalancedStack({ instances, redis, env: { LOG_LEVEL: "warn" } });
let failed = true;
try {
  console.log(
    `balanced burst: ${instances} discount instances behind haproxy ${stack.balancer.url} ` +
      `(stats ${stack.balancer.statsUrl}/stats), Redis ${values.redis}, ${values.rate}/s for ${values.duration}, cap ${cap}; ${k6}`,
  );
  const k6Code = await runK6(k6, "load/k6/match-burst.js", {
    DISCOUNT_URL: stack.balancer.url,
    WALLET_URL: stack.wallet.url,
    ADMIN_TOKEN: await testToken("admin", "balanced-burst-admin", 3600),
    SERVICE_TOKEN: await testToken("service", "balanced-burst", 3600),
    RATE: String(values.rate),
    DURATION: String(values.duration),
    CAP: String(cap),
    AMOUNT: String(amount),
  });
  console.log(k6Verdict(k6Code));
  const found = await checkFromOutside(stack);
  for (const problem of found) console.log(`✗ ${problem}`);
  if (k6Code !== 0) console.log(`haproxy's log (tail):\n${stack.balancer.output().slice(-4_000) || "(nothing)"}`);
  failed = k6Code !== 0 || found.length > 0;
  console.log(failed ? "FAIL" : "PASS");
} finally {
  await stack.dispose();
}
process.exit(failed ? 1 : 0);
