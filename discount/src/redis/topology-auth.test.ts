import { afterAll, beforeAll, expect, test } from "bun:test";
import { createCampaign, phoneOf } from "@matchday/testkit/burst";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { bearer } from "@matchday/testkit/http";
import { type ServiceProcess, startDiscountProcess, startWalletProcess, waitFor } from "@matchday/testkit/processes";
import { type RedisClusterHandle, startRedisCluster } from "@matchday/testkit/redis-cluster";
import { type RedisSentinelHandle, startRedisSentinel } from "@matchday/testkit/redis-sentinel";

const PASSWORD = "topology-password-for-this-test";
let cluster: RedisClusterHandle;
let sentinel: RedisSentinelHandle;
let walletDb: TempDatabase;
let wallet: ServiceProcess;
const databases: TempDatabase[] = [];
const discounts: ServiceProcess[] = [];

beforeAll(async () => {
  [cluster, sentinel] = await Promise.all([
    startRedisCluster({ replicas: 0, password: PASSWORD }),
    startRedisSentinel({ password: PASSWORD }),
  ]);
  walletDb = await makeTempDatabase();
  wallet = await startWalletProcess(walletDb);
}, 30_000);
afterAll(async () => {
  await Promise.all([...discounts, wallet].map((p) => p.kill()));
  for (const db of [walletDb, ...databases]) db.dispose();
  await Promise.all([cluster.dispose(), sentinel.dispose()]);
});

/** A discount process configured only by the topology's environment, as an operator would set it. */
async function discountOn(topologyEnv: Record<string, string>): Promise<ServiceProcess> {
  const db = await makeTempDatabase();
  databases.push(db);
  // REDIS_URL emptied: a shared one in the environment would be a second topology.
  const discount = await startDiscountProcess(db, { redisEnv: topologyEnv, wallet });
  discounts.push(discount);
  return discount;
}

async function readyAndRedeems(discount: ServiceProcess) {
  // The process is up before its client has asked the sentinels or the cluster where to go.
  await waitFor("/ready", async () => (await fetch(`${discount.url}/ready`)).status === 200);
  const ready = await fetch(`${discount.url}/ready`);
  expect([ready.status, await ready.json()]).toEqual([
    200,
    { status: "ready", checks: { database: "ok", redis: "ok" } },
  ]);
  const code = await createCampaign(discount.url, { name: "auth", amount: 1_000, maxRedemptions: 1 });
  const res = await fetch(`${discount.url}/v1/redeem`, {
    method: "POST",
    headers: { ...(await bearer("user", phoneOf(1))), "content-type": "application/json" },
    body: JSON.stringify({ code }),
  });
  expect(res.status).toBe(201);
}

test("a cluster that requires a password is reached with REDIS_CLUSTER_NODES and REDIS_PASSWORD", async () => {
  expect(cluster.env.REDIS_PASSWORD).toBe(PASSWORD);
  await readyAndRedeems(await discountOn(cluster.env));
});

test("a Sentinel set's master that requires a password is reached with REDIS_SENTINELS and REDIS_PASSWORD", async () => {
  expect(sentinel.env.REDIS_PASSWORD).toBe(PASSWORD);
  await readyAndRedeems(await discountOn(sentinel.env));
});
