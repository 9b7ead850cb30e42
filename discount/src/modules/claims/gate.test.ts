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

test("claims that reach a campaign's gate while it is being built keep their place ahead of claims that come after", async () => {
  // A new campaign's Redis gate is built by its first claim; everyone who claims meanwhile waits for it.
  const code = await createCampaign(stack.discount.url, { name: "cold gate", amount: 1_000, maxRedemptions: 1_000 });
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
