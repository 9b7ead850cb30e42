import { afterAll, beforeAll, expect, test } from "bun:test";
import { createCampaign, phoneOf } from "@matchday/testkit/burst";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { type DiscountUnderTest, startDiscountInProcess } from "@matchday/testkit/discount";
import { bearer } from "@matchday/testkit/http";
import { type ServiceProcess, startWalletProcess, waitFor } from "@matchday/testkit/processes";
import { type RedisSentinelHandle, startRedisSentinel } from "@matchday/testkit/redis-sentinel";

let sentinel: RedisSentinelHandle;
let walletDb: TempDatabase;
let wallet: ServiceProcess;
let discount: DiscountUnderTest;

beforeAll(async () => {
  sentinel = await startRedisSentinel();
  walletDb = await makeTempDatabase();
  wallet = await startWalletProcess(walletDb);
  discount = await startDiscountInProcess({
    redis: { mode: "sentinel", sentinels: sentinel.sentinels, masterName: sentinel.masterName },
    walletUrl: wallet.url,
  });
  discount.redis.on("error", () => {}); // the failover test kills the master on purpose
}, 30_000);
afterAll(async () => {
  await discount.dispose();
  await wallet.kill();
  walletDb.dispose();
  await sentinel.dispose();
});

async function redeem(code: string, phone: string): Promise<number> {
  const res = await fetch(`${discount.url}/v1/redeem`, {
    method: "POST",
    headers: { ...(await bearer("user", phone)), "content-type": "application/json" },
    body: JSON.stringify({ code }),
  });
  return res.status;
}

const readyStatus = async () => (await fetch(`${discount.url}/ready`)).status;

test("through the sentinels the discount service finds the master, is ready and redeems", async () => {
  expect(await readyStatus()).toBe(200);
  const code = await createCampaign(discount.url, { name: "sentinel", amount: 1_000, maxRedemptions: 1 });
  expect(await redeem(code, phoneOf(1))).toBe(201);
  expect(await redeem(code, phoneOf(2))).toBe(409);
});

test("after the master dies the sentinels promote the replica, and the service redeems on it", async () => {
  const code = await createCampaign(discount.url, { name: "failover", amount: 1_000, maxRedemptions: 3 });
  expect(await redeem(code, phoneOf(1))).toBe(201);
  await sentinel.kill(sentinel.master);
  await waitFor(
    "the replica promoted",
    async () => (await sentinel.currentMaster()).port === sentinel.replica.port,
    30_000,
  );
  await waitFor("/ready again", async () => (await readyStatus()) === 200, 15_000);
  // The promoted replica may miss the last writes: the gate rebuilds from the DB if it must.
  await waitFor("a redeem on the new master", async () => (await redeem(code, phoneOf(2))) === 201, 15_000);
  expect(await redeem(code, phoneOf(1))).toBe(200);
}, 60_000);
