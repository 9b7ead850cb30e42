import { afterAll, beforeAll, expect, test } from "bun:test";
import { createLogger } from "@matchday/shared/logger";
import { createCampaign, phoneOf } from "@matchday/testkit/burst";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { type DiscountUnderTest, startDiscountInProcess } from "@matchday/testkit/discount";
import { bearer } from "@matchday/testkit/http";
import { type ServiceProcess, startWalletProcess, waitFor } from "@matchday/testkit/processes";
import {
  clusterInfo,
  type RedisClusterHandle,
  type RedisNodeAddress,
  startRedisCluster,
} from "@matchday/testkit/redis-cluster";
import type { Cluster } from "ioredis";
import { connectRedis, whenConnected } from "./connection";
import { createGate, gateKeys } from "./gate";
import { createRateLimiter } from "./rate-limit";
import { listenForRebuilds } from "./rebuild-notices";

// 3 masters + 3 replicas, as production would run it.
let cluster: RedisClusterHandle;
let client: Cluster;
let walletDb: TempDatabase;
let wallet: ServiceProcess;
let discount: DiscountUnderTest;

beforeAll(async () => {
  cluster = await startRedisCluster();
  client = connectRedis({ mode: "cluster", nodes: cluster.nodes });
  await whenConnected(client);
  walletDb = await makeTempDatabase();
  wallet = await startWalletProcess(walletDb);
  discount = await startDiscountInProcess({ redis: { mode: "cluster", nodes: cluster.nodes }, walletUrl: wallet.url });
}, 30_000);
afterAll(async () => {
  await discount.dispose();
  client.disconnect();
  await wallet.kill();
  walletDb.dispose();
  await cluster.dispose();
});

/** How many of the cluster's masters hold at least one key matching `pattern`. */
async function mastersHolding(pattern: string): Promise<number> {
  const held = await Promise.all(
    client.nodes("master").map(async (node) => (await node.scan("0", "MATCH", pattern, "COUNT", 1000))[1].length > 0),
  );
  return held.filter(Boolean).length;
}

async function redeem(code: string, phone: string): Promise<Response> {
  return fetch(`${discount.url}/v1/redeem`, {
    method: "POST",
    headers: { ...(await bearer("user", phone)), "content-type": "application/json" },
    body: JSON.stringify({ code }),
  });
}

const codes = Array.from({ length: 12 }, (_, i) => `cluster-${process.pid}-${i}`);

test("the gate's scripts claim, repeat, sell out and repair on a cluster, for campaigns on every master", async () => {
  const gate = createGate(client);
  for (const code of codes) {
    await gate.rebuild(code, [{ phone: phoneOf(0), rank: 1 }]);
    expect(await gate.claim(code, phoneOf(1), 2)).toEqual({ kind: "won", rank: 2 });
    expect(await gate.claim(code, phoneOf(1), 2)).toEqual({ kind: "duplicate", rank: 2 });
    expect(await gate.claim(code, phoneOf(2), 2)).toEqual({ kind: "sold-out" });
    expect(await gate.freeRank(code, 2)).toBe(false);
    expect(await gate.tryLease(code, "sweep", "me", 1_000)).toBe(true);
    expect(await gate.winners(code)).toEqual(
      new Map([
        [phoneOf(0), 1],
        [phoneOf(1), 2],
      ]),
    );
    // The DB says rank 2 is another phone's: the repair script gives it to that phone.
    expect(await gate.repair(code, { phone: phoneOf(1), rank: 2, holder: phoneOf(3), highest: 2 })).toBe(true);
    expect((await gate.winners(code)).get(phoneOf(3))).toBe(2);
  }
  // Twelve campaigns' hash tags spread over the slots: the test really crossed masters.
  expect(await mastersHolding("{gift:cluster-*}:ready")).toBe(3);
  expect(gateKeys(codes[0] as string).count).toStartWith(`{gift:${codes[0]}}`);
});

test("a rebuild's notice reaches a subscriber on a cluster, whichever master holds the campaign", async () => {
  const gate = createGate(client);
  const notices = listenForRebuilds(client, createLogger({ level: "silent", service: "test" }));
  try {
    await notices.subscribed;
    for (const code of codes) {
      const waiting = notices.next(`${code}-notice`, 30_000);
      await gate.rebuild(`${code}-notice`, []);
      expect(await Promise.race([waiting, Bun.sleep(5_000).then(() => "still waiting")])).toBe(true);
    }
  } finally {
    notices.close();
  }
});

test("the rate limiter counts and refuses on a cluster, whichever master holds each caller's key", async () => {
  const limiter = createRateLimiter(client, { prefix: `rl:cluster:${process.pid}`, limit: 2, windowSeconds: 60 });
  for (let i = 0; i < 12; i++) {
    const caller = `caller-${i}`;
    expect((await limiter.check(caller)).allowed).toBe(true);
    expect((await limiter.check(caller)).allowed).toBe(true);
    const third = await limiter.check(caller);
    expect([third.allowed, third.timedOut]).toEqual([false, undefined]);
  }
  expect(await mastersHolding(`rl:cluster:${process.pid}:*`)).toBe(3);
});

test("the discount service redeems gift codes over a cluster and says it is ready", async () => {
  const ready = await fetch(`${discount.url}/ready`);
  expect([ready.status, await ready.json()]).toEqual([
    200,
    { status: "ready", checks: { database: "ok", redis: "ok" } },
  ]);
  for (let i = 0; i < 6; i++) {
    const code = await createCampaign(discount.url, { name: `cluster ${i}`, amount: 1_000, maxRedemptions: 1 });
    expect((await redeem(code, phoneOf(10))).status).toBe(201);
    const loser = await redeem(code, phoneOf(11));
    expect([loser.status, ((await loser.json()) as { code: string }).code]).toEqual([409, "CAMPAIGN_EXHAUSTED"]);
  }
});

test("a cluster that lost a master with no replica to take over is not ready", async () => {
  const broken = await startRedisCluster({ replicas: 0 });
  const app = await startDiscountInProcess({ redis: { mode: "cluster", nodes: broken.nodes }, walletUrl: wallet.url });
  try {
    expect((await fetch(`${app.url}/ready`)).status).toBe(200);
    await broken.kill(broken.masters[0] as RedisNodeAddress);
    // The other masters mark it failed after the node timeout (1 s), and the cluster with it.
    await waitFor("/ready to fail", async () => (await fetch(`${app.url}/ready`)).status === 503);
    expect(await (await fetch(`${app.url}/ready`)).json()).toEqual({
      status: "not-ready",
      checks: { database: "ok", redis: "failing" },
    });
  } finally {
    await app.dispose();
    await broken.dispose();
  }
});

test("when a master dies its replica takes over, and the service is ready and redeems again", async () => {
  discount.redis.on("error", () => {}); // the dead master's connection errors are expected here
  const [dead, survivor] = cluster.masters as [RedisNodeAddress, RedisNodeAddress];
  const epoch = async () => Number(/cluster_current_epoch:(\d+)/.exec(await clusterInfo(survivor))?.[1]);
  const before = await epoch();
  await cluster.kill(dead);
  // A failover raises the epoch: the replica now serves the dead master's slots.
  await waitFor("the replica promoted", async () => (await epoch()) > before);
  await waitFor("/ready after the failover", async () => (await fetch(`${discount.url}/ready`)).status === 200);
  // Campaigns on every master, the failed-over one included, take claims again.
  for (let i = 0; i < 6; i++) {
    const code = await createCampaign(discount.url, { name: `after ${i}`, amount: 1_000, maxRedemptions: 1 });
    await waitFor(`a redeem of ${code}`, async () => (await redeem(code, phoneOf(20))).status === 201);
  }
}, 30_000);
