import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { waitFor } from "@matchday/testkit/processes";
import { type RedisHandle, startRedis } from "@matchday/testkit/redis";
import type Redis from "ioredis";
import { connectRedis } from "./connection";
import { createGate, type Gate, gateKeys } from "./gate";

let redis: RedisHandle;
let client: Redis;
let gate: Gate;

let seq = 0;
const coupon = (name: string) => `SEED-${name}-${process.pid}-${++seq}`;

beforeAll(async () => {
  redis = await startRedis();
  client = connectRedis({ mode: "single", url: redis.url });
  await waitFor("ioredis client ready", async () => (await client.ping()) === "PONG");
  gate = createGate(client);
});

afterAll(async () => {
  await client?.quit();
  await redis?.dispose();
});

describe("seeding claims", () => {
  test("a claim on missing state seeds it from the DB's winners and claims, in one step", async () => {
    const fresh = coupon("fresh");
    expect(await gate.seedAndClaim(fresh, "a", 1, [], "1.1", 60_000)).toEqual({ kind: "won", rank: 1 });
    expect(await gate.claim(fresh, "b", 1, "1.1", 60_000)).toEqual({ kind: "sold-out" });
    expect(await gate.claim(fresh, "a", 1, "1.1", 60_000)).toEqual({ kind: "duplicate", rank: 1 });

    const used = coupon("used");
    expect(await gate.seedAndClaim(used, "b", 1, [{ phone: "a", rank: 1 }], "1.2", 60_000)).toEqual({
      kind: "sold-out",
    });
    expect(await gate.seedAndClaim(used, "a", 1, [{ phone: "a", rank: 1 }], "1.2", 60_000)).toEqual({
      kind: "duplicate",
      rank: 1,
    });
  });

  test("the seed leaves the same state as a rebuild: counter at the highest rank, winners kept, every key expiring", async () => {
    const seeded = coupon("seeded");
    const rebuilt = coupon("rebuilt");
    const winners = [
      { phone: "a", rank: 1 },
      { phone: "c", rank: 3 },
    ];
    await gate.seedAndClaim(seeded, "d", 5, winners, "1.3", 60_000);
    await gate.rebuild(rebuilt, winners, "1.3", 60_000);
    await gate.claim(rebuilt, "d", 5, "1.3", 60_000);
    for (const code of [seeded, rebuilt]) {
      expect(await gate.count(code)).toBe(4);
      expect([...(await gate.winners(code))]).toEqual([
        ["a", 1],
        ["c", 3],
        ["d", 4],
      ]);
      for (const key of [gateKeys(code).ready, gateKeys(code).count, gateKeys(code).winners]) {
        const ttl = await client.pttl(key);
        expect([key, ttl > 0 && ttl <= 60_000]).toEqual([key, true]);
      }
    }
  });

  test("a seed never replaces ready state: winners the gate handed out but the DB has not written yet are kept", async () => {
    const code = coupon("raced");
    // Another instance seeded first and handed out the only rank; its row is not written yet.
    expect(await gate.seedAndClaim(code, "first", 1, [], "1.4", 60_000)).toEqual({ kind: "won", rank: 1 });
    // This instance read the DB before that: no winners. Its seed must not forget "first".
    expect(await gate.seedAndClaim(code, "second", 1, [], "1.4", 60_000)).toEqual({ kind: "sold-out" });
    expect([...(await gate.winners(code))]).toEqual([["first", 1]]);
  });

  test("state of another incarnation of the code is replaced, as a rebuild would", async () => {
    const code = coupon("reused");
    await gate.seedAndClaim(code, "old", 1, [], "1.5", 60_000);
    expect(await gate.seedAndClaim(code, "new", 1, [], "2.5", 60_000)).toEqual({ kind: "won", rank: 1 });
    expect([...(await gate.winners(code))]).toEqual([["new", 1]]);
  });

  test("many concurrent seeding claims on one fresh coupon hand its one rank to exactly one phone", async () => {
    const code = coupon("burst");
    const phones = Array.from({ length: 200 }, (_, i) => `p${i}`);
    const results = await Promise.all(phones.map((p) => gate.seedAndClaim(code, p, 1, [], "1.6", 60_000)));
    expect(results.filter((r) => r.kind === "won")).toEqual([{ kind: "won", rank: 1 }]);
    expect(results.filter((r) => r.kind === "sold-out")).toHaveLength(199);
  });

  test("a seed refuses ranks that are not positive integers", async () => {
    await expect(gate.seedAndClaim(coupon("bad"), "a", 1, [{ phone: "x", rank: 0 }], "1.7", 60_000)).rejects.toThrow(
      "bad rank",
    );
  });
});
