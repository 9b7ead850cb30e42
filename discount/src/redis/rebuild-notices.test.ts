import { afterAll, beforeAll, expect, test } from "bun:test";
import { createLogger } from "@matchday/shared/logger";
import { waitFor } from "@matchday/testkit/processes";
import { type RedisHandle, startRedis } from "@matchday/testkit/redis";
import type Redis from "ioredis";
import { connectRedis } from "./connection";
import { createGate, type Gate } from "./gate";
import { listenForRebuilds, type RebuildNotices } from "./rebuild-notices";

let redis: RedisHandle;
let client: Redis;
let gate: Gate;
let notices: RebuildNotices;

beforeAll(async () => {
  redis = await startRedis();
  client = connectRedis({ mode: "single", url: redis.url });
  await waitFor("ioredis client ready", async () => (await client.ping()) === "PONG");
  gate = createGate(client);
  notices = listenForRebuilds(client, createLogger({ level: "silent", service: "test" }));
  await notices.subscribed;
});
afterAll(async () => {
  notices?.close();
  client?.disconnect();
  await redis?.dispose();
});

/** What a wait came to, or "still waiting" if it has not ended `ms` later. */
const within = <T>(wait: Promise<T>, ms: number) =>
  Promise.race([wait, Bun.sleep(ms).then(() => "still waiting" as const)]);

test("a waiter for a campaign wakes when its gate is rebuilt, long before its poll runs out", async () => {
  const waiting = notices.next("NOTICE1", 30_000);
  await gate.rebuild("NOTICE1", [{ phone: "+989120000001", rank: 1 }], "g1");
  expect(await within(waiting, 5_000)).toBe(true);
});

test("every waiter for the campaign wakes, and a waiter for another campaign does not", async () => {
  const same = [notices.next("NOTICE2", 30_000), notices.next("NOTICE2", 30_000)];
  const other = notices.next("OTHER2", 300);
  await gate.rebuild("NOTICE2", [], "g1");
  expect(await within(Promise.all(same), 5_000)).toEqual([true, true]);
  expect(await other).toBe(false);
});

test("with no rebuild, a wait ends as its poll runs out, and waiting again still hears the next rebuild", async () => {
  expect(await notices.next("NOTICE3", 20)).toBe(false);
  const waiting = notices.next("NOTICE3", 30_000);
  await gate.rebuild("NOTICE3", [], "g1");
  expect(await within(waiting, 5_000)).toBe(true);
});
