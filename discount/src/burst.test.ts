import { afterAll, beforeAll, expect, test } from "bun:test";
import {
  burstOrder,
  createCampaign,
  fireBurst,
  readFacts,
  seeded,
  violations,
  waitForOutboxDrained,
} from "@matchday/testkit/burst";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import {
  type RedisAndWallet,
  type ServiceProcess,
  startDiscountProcesses,
  startRedisAndWallet,
} from "@matchday/testkit/processes";

const CAP = 1_000;
const AMOUNT = 1_000_000;
const REQUESTS = 5_000;
const PHONES = 3_000;

let base: RedisAndWallet;
const cleanup: (() => unknown)[] = [];

beforeAll(async () => {
  base = await startRedisAndWallet();
});
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
  await base.dispose();
});

async function discountProcesses(count: number) {
  const db = await makeTempDatabase();
  const { redis, wallet } = base;
  const all = await startDiscountProcesses(db, { redisUrl: redis.url, wallet }, count);
  cleanup.push(async () => {
    await Promise.all(all.map((p) => p.stop()));
    db.dispose();
  });
  return { db, processes: all };
}

async function burstAndCheck(processes: ServiceProcess[], db: TempDatabase, seed: number) {
  const code = await createCampaign(processes[0]?.url as string, {
    name: "Iran v Brazil",
    amount: AMOUNT,
    maxRedemptions: CAP,
  });
  const order = burstOrder(REQUESTS, PHONES, seeded(seed));
  const answers = await fireBurst(
    processes.map((p) => p.url),
    code,
    order,
    { concurrency: 128 },
  );
  await waitForOutboxDrained(db.url);
  const facts = await readFacts(db.url, base.walletDb.url, code);
  expect(violations(facts, answers, { cap: CAP, amount: AMOUNT, distinctPhones: PHONES })).toEqual([]);

  const statuses = new Map<number, number>();
  for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
  // Every request got a definite answer: a win, a repeat or "sold out"; nothing else.
  expect([...statuses.keys()].sort()).toEqual([200, 201, 409]);
  expect(answers.filter((a) => a.status === 201)).toHaveLength(CAP);
  expect(answers.filter((a) => a.status === 409).every((a) => a.body.code === "CAMPAIGN_EXHAUSTED")).toBe(true);
  // A repeat by a winner gets its original result.
  const firstWin = new Map(answers.filter((a) => a.status === 201).map((a) => [a.phone, a.body.rank]));
  for (const a of answers.filter((x) => x.status === 200)) expect(a.body.rank).toBe(firstWin.get(a.phone) as number);
  return { code, facts };
}

test("a burst of 5,000 redeems from 3,000 phones against cap 1,000 picks exactly 1,000 winners, each credited once", async () => {
  const { db, processes } = await discountProcesses(1);
  await burstAndCheck(processes, db, 1);
}, 120_000);

test("the same burst split across two discount processes sharing Redis and the DB file gives the same guarantees", async () => {
  const { db, processes } = await discountProcesses(2);
  await burstAndCheck(processes, db, 2);
}, 120_000);
