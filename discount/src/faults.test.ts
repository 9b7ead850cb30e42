import { afterAll, beforeAll, expect, test } from "bun:test";
import {
  makeTempDatabase,
  type RedisAndWallet,
  type RedisHandle,
  type ServiceProcess,
  startDiscountProcess,
  startRedisAndWallet,
  type TempDatabase,
} from "@matchday/shared/test-support";
import Redis from "ioredis";
import {
  type Answer,
  burstOrder,
  createCampaign,
  fireBurst,
  readFacts,
  seeded,
  violations,
  waitForOutboxDrained,
} from "./burst-support";

const CAP = 1_000;
const AMOUNT = 1_000_000;
const REQUESTS = 4_000;
const PHONES = 2_500;

let base: RedisAndWallet;
let redis: RedisHandle;
let walletDb: TempDatabase;
let wallet: ServiceProcess;
let discountDb: TempDatabase;
let discounts: ServiceProcess[];

beforeAll(async () => {
  base = await startRedisAndWallet();
  ({ redis, walletDb, wallet } = base);
  discountDb = await makeTempDatabase();
  const first = await startDiscountProcess(discountDb, { redisUrl: redis.url, wallet });
  discounts = [first, await startDiscountProcess(discountDb, { redisUrl: redis.url, wallet })];
});
afterAll(async () => {
  await Promise.all(discounts.map((d) => d.kill()));
  await base.dispose({ hard: true });
  discountDb.dispose();
});

/** Runs a burst and injects `fault` once `after` requests have been answered. */
async function burstWithFault(seed: number, after: number, fault: () => Promise<void>) {
  const code = await createCampaign(discounts[0]?.url as string, {
    name: `fault ${seed}`,
    amount: AMOUNT,
    maxRedemptions: CAP,
  });
  let injected: Promise<void> | undefined;
  const answers = await fireBurst(
    discounts.map((d) => d.url),
    code,
    burstOrder(REQUESTS, PHONES, seeded(seed)),
    {
      concurrency: 64,
      onProgress: (done) => {
        if (done === after) injected = fault();
      },
    },
  );
  await injected;
  return { code, answers };
}

async function settledFacts(code: string) {
  await waitForOutboxDrained(discountDb.url, 60_000);
  return readFacts(discountDb.url, walletDb.url, code);
}

const unanswered = (answers: Answer[]) =>
  answers.filter((a) => a.status !== 200 && a.status !== 201 && a.status !== 409);

test("with the wallet down mid-burst, winners hear 'pending'; once it is back every winner is credited exactly once", async () => {
  const { code, answers } = await burstWithFault(11, 200, () => wallet.kill());
  expect(unanswered(answers)).toEqual([]);
  expect(answers.some((a) => a.status === 201 && a.body.status === "pending")).toBe(true);
  await wallet.start();
  const facts = await settledFacts(code);
  expect(violations(facts, answers, { cap: CAP, amount: AMOUNT, distinctPhones: PHONES })).toEqual([]);
}, 120_000);

test("a discount process killed with SIGKILL mid-burst and restarted loses no acknowledged winner and credits none twice", async () => {
  const victim = discounts[1] as ServiceProcess;
  const { code, answers } = await burstWithFault(12, 1_500, async () => {
    await victim.kill();
    await Bun.sleep(300);
    await victim.start();
  });
  expect(unanswered(answers)).toEqual([]);
  const facts = await settledFacts(code);
  expect(violations(facts, answers, { cap: CAP, amount: AMOUNT, distinctPhones: PHONES })).toEqual([]);
}, 120_000);

test("Redis flushed mid-burst: the cap still holds and no rank is reused", async () => {
  const { code, answers } = await burstWithFault(13, 800, async () => {
    const admin = new Redis(redis.url);
    await admin.flushall();
    admin.disconnect();
  });
  expect(unanswered(answers)).toEqual([]);
  const facts = await settledFacts(code);
  expect(
    violations(facts, answers, { cap: CAP, amount: AMOUNT, distinctPhones: PHONES, allowLostRanks: true }),
  ).toEqual([]);
}, 120_000);

test.skipIf(Boolean(process.env.REDIS_URL))(
  "Redis restarted without persistence mid-burst: the cap still holds and no rank is reused",
  async () => {
    const { code, answers } = await burstWithFault(14, 800, async () => {
      await redis.stop({ hard: true });
      await Bun.sleep(300);
      await redis.start();
    });
    expect(unanswered(answers)).toEqual([]);
    const facts = await settledFacts(code);
    expect(
      violations(facts, answers, { cap: CAP, amount: AMOUNT, distinctPhones: PHONES, allowLostRanks: true }),
    ).toEqual([]);
  },
  120_000,
);
