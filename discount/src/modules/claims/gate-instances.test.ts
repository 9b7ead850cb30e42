import { afterAll, beforeAll, expect, test } from "bun:test";
import { createCampaign, fireBurst, phoneOf } from "@matchday/testkit/burst";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import {
  type RedisAndWallet,
  type ServiceProcess,
  startDiscountProcesses,
  startRedisAndWallet,
} from "@matchday/testkit/processes";
import Redis from "ioredis";
import { createGate, gateKeys } from "../../redis/gate";

// Two discount processes on one database and one Redis, as two instances behind a balancer.
let base: RedisAndWallet;
let database: TempDatabase;
let instances: ServiceProcess[];
let watcher: Redis;

beforeAll(async () => {
  base = await startRedisAndWallet();
  database = await makeTempDatabase();
  instances = await startDiscountProcesses(database, { redisUrl: base.redis.url, wallet: base.wallet }, 2);
  watcher = new Redis(base.redis.url);
}, 30_000);
afterAll(async () => {
  watcher?.disconnect();
  await Promise.all((instances ?? []).map((p) => p.stop()));
  await base?.dispose();
  database?.dispose();
});

/** How much later than the rebuild's end the late claims are sent: well under the 25 ms poll. */
const LATER_MS = 5;

/** `count` phones from the `from`-th, half of them to each instance, all at once, and no retries. */
async function redeemOnBoth(code: string, from: number, count: number) {
  const list = Array.from({ length: count }, (_, i) => phoneOf(from + i));
  const urls = instances.map((p) => p.url);
  const answers = await fireBurst(urls, code, list, { concurrency: count, retries: 0 });
  return answers.map((a) => ({ status: a.status, rank: a.body.rank as number }));
}

/**
 * Resolves once every phone's claim has reached the gate. A single Redis server counts a claim's
 * rate limits in the gate's own script, so the phone's limit counter exists once it has asked.
 */
async function untilEveryPhoneAsked(list: string[]): Promise<void> {
  const counted = async () => (await watcher.keys("rl:redeem:phone:*")).join(" ");
  for (let keys = await counted(); !list.every((phone) => keys.includes(phone)); keys = await counted()) {
    await Bun.sleep(2);
  }
}

test("claims waiting on two instances for a rebuild neither holds keep their place ahead of claims that come after it", async () => {
  const instanceA = instances[0] as ServiceProcess;
  const code = await createCampaign(instanceA.url, { name: "lost gate", amount: 1_000, maxRedemptions: 1_000 });
  const keys = gateKeys(code);
  const generation = (await watcher.get(keys.ready)) as string;
  // Redis loses the campaign's state, and a third instance (this test) takes the rebuild lock.
  await watcher.del(keys.ready, keys.count, keys.winners, keys.free);
  await watcher.set(keys.rebuild, "another instance", "PX", 5_000);

  const earlyAnswers = redeemOnBoth(code, 0, 32);
  await untilEveryPhoneAsked(Array.from({ length: 32 }, (_, i) => phoneOf(i)));
  // Every early claimant has found the gate not ready and waits; the other instance rebuilds it.
  await createGate(watcher).rebuild(code, [], generation);
  // Sent a few ms after the gate is ready, these came later than every early claimant. (Sent in the
  // very same turn, a process that reads their requests before the notice may seat them first:
  // that is the limit of "first", as between two instances behind a balancer at any time.)
  await Bun.sleep(LATER_MS);
  const late = await redeemOnBoth(code, 1_000, 32);
  const first = await earlyAnswers;

  expect([...first, ...late].map((a) => a.status)).toEqual(Array(64).fill(201));
  const lastEarlyRank = Math.max(...first.map((a) => a.rank));
  const firstLateRank = Math.min(...late.map((a) => a.rank));
  expect(lastEarlyRank).toBeLessThan(firstLateRank);
}, 30_000);
