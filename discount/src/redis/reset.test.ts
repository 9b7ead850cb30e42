import { afterAll, beforeAll, expect, test } from "bun:test";
import { phoneOf } from "@matchday/testkit/burst";
import { type RedisClusterHandle, startRedisCluster } from "@matchday/testkit/redis-cluster";
import type { Cluster } from "ioredis";
import { connectRedis, whenConnected } from "./connection";
import { createGate } from "./gate";
import { resetCapGates } from "./reset";

let cluster: RedisClusterHandle;
let client: Cluster;

beforeAll(async () => {
  cluster = await startRedisCluster({ replicas: 0 });
  client = connectRedis({ mode: "cluster", nodes: cluster.nodes });
  await whenConnected(client);
}, 30_000);
afterAll(async () => {
  client.disconnect();
  await cluster.dispose();
});

test("on a cluster the reset drops every campaign's ready mark on every master and keeps the rest", async () => {
  const gate = createGate(client);
  const codes = Array.from({ length: 30 }, (_, i) => `reset-${i}`);
  for (const code of codes) await gate.rebuild(code, [{ phone: phoneOf(1), rank: 1 }]);
  await client.set("not-a-gate", "kept");

  expect(await resetCapGates(client)).toBe(codes.length);
  for (const code of codes) {
    expect(await gate.isReady(code)).toBe(false);
    // The next claim rebuilds from the DB; until then nothing else of the gate was touched.
    expect(await gate.winners(code)).toEqual(new Map([[phoneOf(1), 1]]));
  }
  expect(await client.get("not-a-gate")).toBe("kept");
  expect(await resetCapGates(client)).toBe(0);
});
