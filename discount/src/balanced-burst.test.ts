import { afterAll, beforeAll, expect, test } from "bun:test";
import { request } from "node:http";
import {
  type BalancedStack,
  clusterRedis,
  redeemsServed,
  reportOf,
  startBalancedStack,
} from "@matchday/testkit/balancer";
import {
  burstOrder,
  createCampaign,
  fireBurst,
  readFacts,
  seeded,
  violations,
  waitForOutboxDrained,
} from "@matchday/testkit/burst";
import { bearer } from "@matchday/testkit/http";

const CAP = 500;
const AMOUNT = 1_000_000;
const REQUESTS = 3_000;
const PHONES = 2_000;
/** A loopback address of its own for one client, so the instances can tell it from the balancer's 127.0.0.1. */
const CLIENT_IP = "127.0.0.7";
const SPOOFED_IP = "203.0.113.9";

let stack: BalancedStack;

beforeAll(async () => {
  // The Redis the instances share: a cluster's starter here runs the same test on a cluster.
  stack = await startBalancedStack({ instances: 3, redis: clusterRedis });
}, 60_000);
afterAll(async () => {
  await stack?.dispose();
});

test("a burst through HAProxy to three discount instances on one database picks exactly cap winners, each credited once, and every instance reports the same", async () => {
  const { balancer, instances, db, walletDb } = stack;
  const code = await createCampaign(balancer.url, { name: "Iran v Brazil", amount: AMOUNT, maxRedemptions: CAP });
  const answers = await fireBurst([balancer.url], code, burstOrder(REQUESTS, PHONES, seeded(17)), {
    concurrency: 64,
  });
  await waitForOutboxDrained(db.url);
  const facts = await readFacts(db.url, walletDb.url, code);
  expect(violations(facts, answers, { cap: CAP, amount: AMOUNT, distinctPhones: PHONES })).toEqual([]);
  expect(answers.filter((a) => a.status === 201)).toHaveLength(CAP);
  expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200, 201, 409]));

  // Least connections spread the burst: every instance took a real share of it.
  const served = await Promise.all(instances.map((i) => redeemsServed(i.url)));
  for (const n of served) expect(n).toBeGreaterThan(REQUESTS / 10);
  expect(served.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(REQUESTS);

  const reports = await Promise.all(instances.map((i) => reportOf(i.url, code, CAP)));
  expect(reports[0]?.numbers).toMatchObject({ redeemed: CAP, remaining: 0, credited: CAP, pending: 0, failed: 0 });
  expect(reports[0]?.winners).toHaveLength(CAP);
  for (const report of reports.slice(1)) expect(report).toEqual(reports[0] as (typeof reports)[number]);
}, 60_000);

/** One redeem through the balancer from CLIENT_IP, claiming to be SPOOFED_IP in its own X-Forwarded-For. */
async function redeemFrom(url: string, code: string): Promise<number> {
  const { hostname, port } = new URL(url);
  const body = JSON.stringify({ code, phone: "+989121234567" });
  const headers = { ...(await bearer("service")), "content-type": "application/json", "x-forwarded-for": SPOOFED_IP };
  return await new Promise((resolve, reject) => {
    const req = request(
      { host: hostname, port, path: "/v1/redeem", method: "POST", localAddress: CLIENT_IP, headers },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

test("the rate limiter counts the client's own address, appended by the trusted balancer, not the balancer's nor one the client made up", async () => {
  const { balancer, redis } = stack;
  const code = await createCampaign(balancer.url, { name: "Iran v Spain", amount: AMOUNT, maxRedemptions: 10 });
  expect(await redeemFrom(balancer.url, code)).toBe(201);

  const keys = await redis.keys("rl:redeem:ip:*");
  expect(keys.some((k) => k.startsWith(`rl:redeem:ip:${CLIENT_IP}:`))).toBe(true);
  expect(keys.some((k) => k.includes(SPOOFED_IP))).toBe(false);
});
