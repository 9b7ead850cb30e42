import { afterAll, beforeAll, expect, test } from "bun:test";
import { createCampaign } from "@matchday/testkit/burst";
import { type DiscountStack, startDiscountStack } from "@matchday/testkit/discount";
import { bearer } from "@matchday/testkit/http";
import Redis from "ioredis";
import { gateKeys } from "../../redis/gate";

let stack: DiscountStack;
let watcher: Redis;
let service: Record<string, string>;

beforeAll(async () => {
  stack = await startDiscountStack();
  watcher = new Redis(stack.redis.url);
  service = await bearer("service");
});
afterAll(async () => {
  watcher?.disconnect();
  await stack?.dispose();
});

async function redeem(code: string, phone: string): Promise<{ status: number; rank: number }> {
  const res = await fetch(`${stack.discount.url}/v1/redeem`, {
    method: "POST",
    headers: { ...service, "content-type": "application/json" },
    body: JSON.stringify({ code, phone }),
  });
  const body = (await res.json()) as { rank: number };
  return { status: res.status, rank: body.rank };
}

const phones = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `+98912${prefix}00${String(i).padStart(4, "0")}`);

async function untilGateReady(code: string): Promise<void> {
  const { ready } = gateKeys(code);
  while (!(await watcher.exists(ready))) await Bun.sleep(0.5);
}

test("a new gift campaign's gate is ready when its creation is answered, so no first claim waits to build it", async () => {
  const code = await createCampaign(stack.discount.url, { name: "warm gate", amount: 1_000, maxRedemptions: 10 });
  expect(await watcher.exists(gateKeys(code).ready)).toBe(1);
});

test("claims that reach a campaign's gate while it is rebuilt keep their place ahead of claims that come after", async () => {
  const code = await createCampaign(stack.discount.url, { name: "lost gate", amount: 1_000, maxRedemptions: 1_000 });
  // Redis loses the campaign's state (a restart, a failover): the next claims rebuild it from the DB.
  await watcher.del(...Object.values(gateKeys(code)));
  const early = phones("1", 32);
  const earlyAnswers = Promise.all(early.map((phone) => redeem(code, phone)));
  await untilGateReady(code);
  // Arriving the moment the gate is ready, these came later than every early claimant.
  const late = await Promise.all(phones("2", 32).map((phone) => redeem(code, phone)));
  const first = await earlyAnswers;

  expect([...first, ...late].map((a) => a.status)).toEqual(Array(64).fill(201));
  const lastEarlyRank = Math.max(...first.map((a) => a.rank));
  const firstLateRank = Math.min(...late.map((a) => a.rank));
  expect(lastEarlyRank).toBeLessThan(firstLateRank);
});

test.skipIf(Boolean(process.env.REDIS_URL))(
  "a campaign is still created while Redis is down, and its first claim once Redis is back builds its gate",
  async () => {
    await stack.redis.stop({ hard: true });
    let code: string;
    try {
      code = await createCampaign(stack.discount.url, { name: "no redis", amount: 1_000, maxRedemptions: 10 });
    } finally {
      await stack.redis.start();
    }
    // 503 with Retry-After while the service's connection comes back (at most a second or so).
    let answer = await redeem(code, "+989123000001");
    for (const deadline = Date.now() + 10_000; answer.status === 503 && Date.now() < deadline; await Bun.sleep(100)) {
      answer = await redeem(code, "+989123000001");
    }
    expect(answer).toEqual({ status: 201, rank: 1 });
    expect(await watcher.exists(gateKeys(code).ready)).toBe(1);
  },
);
