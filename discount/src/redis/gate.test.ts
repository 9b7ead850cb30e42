import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { waitFor } from "@matchday/testkit/processes";
import { type RedisHandle, startRedis } from "@matchday/testkit/redis";
import type Redis from "ioredis";
import { connectRedis } from "./connection";
import { type ClaimResult, createGate, type Gate, gateKeys } from "./gate";

let redis: RedisHandle;
let client: Redis;
let gate: Gate;

/** connectRedis fails fast while disconnected, so wait until the client answers. */
async function untilAnswers(c: Redis): Promise<void> {
  await waitFor("ioredis client ready", async () => (await c.ping()) === "PONG");
}

function openClient(): Redis {
  const c = connectRedis({ mode: "single", url: redis.url });
  c.on("error", () => {}); // the restart test kills the server on purpose
  return c;
}

let campaignSeq = 0;
/** A fresh campaign code per test, so tests never see each other's state. */
const campaign = (name: string) => `${name}-${process.pid}-${++campaignSeq}`;

beforeAll(async () => {
  redis = await startRedis();
  client = openClient();
  await untilAnswers(client);
  gate = createGate(client);
});

afterAll(async () => {
  await client?.quit();
  await redis?.dispose();
});

describe("claims", () => {
  test("a campaign is not ready before its first rebuild, and the first claim after an empty rebuild wins rank 1", async () => {
    const code = campaign("first");
    expect(await gate.claim(code, "+33600000001", 10)).toEqual({ kind: "not-ready" });
    expect(await gate.count(code)).toBe(0);

    await gate.rebuild(code, []);
    expect(await gate.count(code)).toBe(0);
    expect(await gate.claim(code, "+33600000001", 10)).toEqual({ kind: "won", rank: 1 });
  });

  test("a second claim by the same phone is a duplicate with the same rank and does not consume a slot", async () => {
    const code = campaign("dup");
    await gate.rebuild(code, []);
    expect(await gate.claim(code, "alice", 10)).toEqual({ kind: "won", rank: 1 });
    expect(await gate.claim(code, "alice", 10)).toEqual({ kind: "duplicate", rank: 1 });
    expect(await gate.count(code)).toBe(1);
    expect(await gate.claim(code, "bob", 10)).toEqual({ kind: "won", rank: 2 });
  });

  test("with cap 3 the fourth distinct phone is sold out, and winners still hear duplicate afterwards", async () => {
    const code = campaign("cap");
    await gate.rebuild(code, []);
    for (const [i, phone] of ["a", "b", "c"].entries()) {
      expect(await gate.claim(code, phone, 3)).toEqual({ kind: "won", rank: i + 1 });
    }
    expect(await gate.claim(code, "d", 3)).toEqual({ kind: "sold-out" });
    expect(await gate.claim(code, "e", 3)).toEqual({ kind: "sold-out" });
    expect(await gate.claim(code, "b", 3)).toEqual({ kind: "duplicate", rank: 2 });
    expect(await gate.count(code)).toBe(3);
    expect(await gate.winners(code)).toEqual(
      new Map([
        ["a", 1],
        ["b", 2],
        ["c", 3],
      ]),
    );
  });

  test("2,000 concurrent claims from 700 phones against cap 500 hand out ranks 1..500 exactly once", async () => {
    const code = campaign("rush");
    const cap = 500;
    const clients = [client, openClient(), openClient(), openClient()];
    try {
      await Promise.all(clients.map(untilAnswers));
      const gates = clients.map(createGate);
      await gates[0]?.rebuild(code, []);

      // Every phone at least once, then 1,300 repeats, in shuffled order.
      const phones = Array.from({ length: 700 }, (_, i) => `+4479${String(i).padStart(8, "0")}`);
      const requests = [...phones];
      while (requests.length < 2_000) requests.push(phones[Math.floor(Math.random() * phones.length)] as string);
      for (let i = requests.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [requests[i], requests[j]] = [requests[j] as string, requests[i] as string];
      }

      // Spread over four connections, all in flight at once.
      const results: ClaimResult[] = await Promise.all(
        requests.map((phone, i) => (gates[i % gates.length] as Gate).claim(code, phone, cap)),
      );

      const wonRank = new Map<string, number>();
      for (const [i, r] of results.entries()) {
        if (r.kind !== "won") continue;
        const phone = requests[i] as string;
        expect(wonRank.has(phone)).toBe(false);
        wonRank.set(phone, r.rank);
      }
      expect(wonRank.size).toBe(cap);
      expect([...wonRank.values()].sort((a, b) => a - b)).toEqual(Array.from({ length: cap }, (_, i) => i + 1));
      expect(results.some((r) => r.kind === "not-ready")).toBe(false);

      // A winner's every other request is a duplicate with its original rank; a loser only hears sold out.
      for (const [i, r] of results.entries()) {
        const won = wonRank.get(requests[i] as string);
        if (r.kind === "won") continue;
        if (won === undefined) expect(r).toEqual({ kind: "sold-out" });
        else expect(r).toEqual({ kind: "duplicate", rank: won });
      }

      // Redis agrees with what each client was told.
      expect(await gate.winners(code)).toEqual(wonRank);
      expect(await gate.count(code)).toBe(cap);

      // One connection is FIFO, so its winners got increasing ranks (arrival order).
      for (let c = 0; c < gates.length; c++) {
        const ranks = results
          .filter((r, i) => i % gates.length === c && r.kind === "won")
          .map((r) => (r as { rank: number }).rank);
        expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
      }
    } finally {
      await Promise.all(clients.slice(1).map((c) => c.quit()));
    }
  });
});

describe("rebuild", () => {
  test("a rebuild from winners with a gap resumes after the highest rank, so no rank is reused", async () => {
    const code = campaign("gap");
    await gate.rebuild(code, [
      { phone: "a", rank: 1 },
      { phone: "b", rank: 2 },
      { phone: "d", rank: 4 },
    ]);
    expect(await gate.count(code)).toBe(4);
    expect(await gate.claim(code, "e", 10)).toEqual({ kind: "won", rank: 5 });
    expect(await gate.claim(code, "d", 10)).toEqual({ kind: "duplicate", rank: 4 });
    expect(await gate.claim(code, "a", 10)).toEqual({ kind: "duplicate", rank: 1 });
    expect(await gate.claim(code, "f", 5)).toEqual({ kind: "sold-out" });
  });

  test("a rebuild replaces stale state instead of merging with it", async () => {
    const code = campaign("stale");
    await gate.rebuild(code, []);
    for (const phone of ["x", "y", "z"]) await gate.claim(code, phone, 10);
    expect(await gate.count(code)).toBe(3);

    await gate.rebuild(code, [{ phone: "y", rank: 2 }]);
    expect(await gate.winners(code)).toEqual(new Map([["y", 2]]));
    expect(await gate.count(code)).toBe(2);
    expect(await gate.claim(code, "x", 10)).toEqual({ kind: "won", rank: 3 });
  });

  test("a released winner leaves the gate and its rank goes to the next claimant, the state staying ready", async () => {
    const code = campaign("released");
    await gate.rebuild(code, [], "1", 60_000);
    expect(await gate.claim(code, "old", 1, "1", 60_000)).toEqual({ kind: "won", rank: 1 });
    expect(await gate.claim(code, "new", 1, "1", 60_000)).toEqual({ kind: "sold-out" });

    expect(await gate.release(code, "old", 1, "1")).toBe(true);
    expect(await gate.isReady(code, "1")).toBe(true);
    expect(await client.pttl(gateKeys(code).free)).toBeGreaterThan(0);
    expect(await gate.claim(code, "new", 1, "1", 60_000)).toEqual({ kind: "won", rank: 1 });
    // Released again (the second pass after a rollback): the new winner does not hold it as "old", so it stays.
    expect(await gate.release(code, "old", 1, "1")).toBe(false);
    expect(await gate.winners(code)).toEqual(new Map([["new", 1]]));
  });

  test("a release of another generation's state, or of a phone at another rank, changes nothing", async () => {
    const code = campaign("release-other");
    await gate.rebuild(code, [{ phone: "a", rank: 1 }], "2");
    expect(await gate.release(code, "a", 1, "1")).toBe(false);
    expect(await gate.release(code, "a", 2, "2")).toBe(false);
    expect(await gate.winners(code)).toEqual(new Map([["a", 1]]));
    expect(await gate.freeRanks(code)).toEqual([]);
  });

  test("a rebuild loads thousands of winners in chunks within one transaction", async () => {
    const code = campaign("large");
    const winners = Array.from({ length: 2_345 }, (_, i) => ({ phone: `p${i}`, rank: i + 1 }));
    await gate.rebuild(code, winners);
    const loaded = await gate.winners(code);
    expect(loaded.size).toBe(2_345);
    expect(loaded.get("p0")).toBe(1);
    expect(loaded.get("p2344")).toBe(2_345);
    expect(await gate.count(code)).toBe(2_345);
    expect(await gate.claim(code, "p1000", 3_000)).toEqual({ kind: "duplicate", rank: 1_001 });
  });

  test("a rebuild refuses ranks that are not positive integers", async () => {
    const code = campaign("bad");
    await expect(gate.rebuild(code, [{ phone: "a", rank: 0 }])).rejects.toThrow("bad rank");
    expect(await gate.claim(code, "a", 10)).toEqual({ kind: "not-ready" });
  });

  test("readiness is per generation: a rebuild for one incarnation does not make another ready", async () => {
    const code = campaign("ready");
    expect(await gate.isReady(code, "1.1000")).toBe(false);
    await gate.rebuild(code, [], "1.1000");
    expect(await gate.isReady(code, "1.1000")).toBe(true);
    expect(await gate.isReady(code, "2.2000")).toBe(false);
  });
});

describe("expiry", () => {
  test("with a ttl a rebuild and a win leave every key of the campaign expiring; without one nothing expires", async () => {
    const coupon = campaign("ttl");
    await gate.rebuild(coupon, [], "1.1", 60_000);
    expect(await gate.claim(coupon, "a", 1, "1.1", 60_000)).toEqual({ kind: "won", rank: 1 });
    // The lock and the free set exist only while in use.
    for (const key of Object.values(gateKeys(coupon)).filter((k) => !k.endsWith(":rebuild") && !k.endsWith(":free"))) {
      const ttl = await client.pttl(key);
      expect([key, ttl > 0 && ttl <= 60_000]).toEqual([key, true]);
    }

    const gift = campaign("no-ttl");
    await gate.rebuild(gift, [], "1.2");
    await gate.claim(gift, "a", 10, "1.2");
    expect(await client.pttl(gateKeys(gift).winners)).toBe(-1);
  });

  test("once a coupon's keys have expired the gate asks for a rebuild, which restores its winner from the DB", async () => {
    const coupon = campaign("expired");
    await gate.rebuild(coupon, [], "1.3", 50);
    expect(await gate.claim(coupon, "a", 1, "1.3", 50)).toEqual({ kind: "won", rank: 1 });
    await Bun.sleep(120);
    expect(await gate.claim(coupon, "b", 1, "1.3", 50)).toEqual({ kind: "not-ready" });
    await gate.rebuild(coupon, [{ phone: "a", rank: 1 }], "1.3", 50);
    expect(await gate.claim(coupon, "b", 1, "1.3", 50)).toEqual({ kind: "sold-out" });
    expect(await gate.claim(coupon, "a", 1, "1.3", 50)).toEqual({ kind: "duplicate", rank: 1 });
  });
});

describe("repair", () => {
  test("after a rank the DB already holds, the holder gets it, the claimant is freed and the counter moves past the DB", async () => {
    const code = campaign("repair");
    // The gate was rebuilt while "early" was still writing rank 2: it forgot it and handed rank 2 out again.
    await gate.rebuild(code, [{ phone: "first", rank: 1 }]);
    expect(await gate.claim(code, "late", 10)).toEqual({ kind: "won", rank: 2 });

    expect(await gate.repair(code, { phone: "late", rank: 2, holder: "early", highest: 3 })).toBe(true);
    expect((await gate.winners(code)).get("early")).toBe(2);
    expect((await gate.winners(code)).has("late")).toBe(false);
    expect(await gate.claim(code, "early", 10)).toEqual({ kind: "duplicate", rank: 2 });
    // The refused claimant tries again and gets a rank no one holds.
    expect(await gate.claim(code, "late", 10)).toEqual({ kind: "won", rank: 4 });
  });

  test("a repair never lowers the counter nor takes a rank the claimant no longer holds", async () => {
    const code = campaign("repair-late");
    await gate.rebuild(code, []);
    for (const phone of ["a", "b", "c", "d"]) await gate.claim(code, phone, 10);
    // "b" holds rank 2 in the gate now, not the refused rank 1: keep it.
    expect(await gate.repair(code, { phone: "b", rank: 1, holder: "a", highest: 1 })).toBe(true);
    expect(await gate.count(code)).toBe(4);
    expect((await gate.winners(code)).get("b")).toBe(2);
  });

  test("a repair of lost state does nothing: the next claim rebuilds it from the DB instead", async () => {
    const code = campaign("repair-lost");
    expect(await gate.repair(code, { phone: "x", rank: 1, holder: "y", highest: 1 })).toBe(false);
    expect(await gate.claim(code, "x", 10)).toEqual({ kind: "not-ready" });
    expect(await gate.count(code)).toBe(0);
  });
});

describe("Redis restarts", () => {
  test.skipIf(Boolean(process.env.REDIS_URL))(
    "after Redis is killed and restarts empty, the gate says not-ready until rebuilt from the DB's winners",
    async () => {
      const code = campaign("restart");
      await gate.rebuild(code, []);
      expect(await gate.claim(code, "a", 10)).toEqual({ kind: "won", rank: 1 });
      expect(await gate.claim(code, "b", 10)).toEqual({ kind: "won", rank: 2 });

      await redis.stop({ hard: true });
      await redis.start();
      await untilAnswers(client);

      expect(await gate.claim(code, "c", 10)).toEqual({ kind: "not-ready" });
      expect(await gate.count(code)).toBe(0);

      // The DB still holds both winners: the gate resumes after them.
      await gate.rebuild(code, [
        { phone: "a", rank: 1 },
        { phone: "b", rank: 2 },
      ]);
      expect(await gate.claim(code, "b", 10)).toEqual({ kind: "duplicate", rank: 2 });
      expect(await gate.claim(code, "c", 10)).toEqual({ kind: "won", rank: 3 });
    },
    20_000,
  );

  test.skipIf(Boolean(process.env.REDIS_URL))(
    "when Redis forgets the script, the EVALSHA that gets NOSCRIPT is retried as EVAL and the claim succeeds",
    async () => {
      const code = campaign("noscript");
      await gate.rebuild(code, []);
      expect(await gate.claim(code, "a", 10)).toEqual({ kind: "won", rank: 1 });

      // Same connection, so ioredis believes the script is loaded and sends EVALSHA.
      await client.script("FLUSH");
      await client.config("RESETSTAT");
      expect(await gate.claim(code, "b", 10)).toEqual({ kind: "won", rank: 2 });
      expect(await gate.claim(code, "a", 10)).toEqual({ kind: "duplicate", rank: 1 });

      const stats = await client.info("commandstats");
      const calls = (cmd: string) => Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
      const failed = (cmd: string) =>
        Number(new RegExp(`cmdstat_${cmd}:.*?failed_calls=(\\d+)`).exec(stats)?.[1] ?? 0) +
        Number(new RegExp(`cmdstat_${cmd}:.*?rejected_calls=(\\d+)`).exec(stats)?.[1] ?? 0);
      expect(failed("evalsha")).toBe(1); // the NOSCRIPT
      expect(calls("eval")).toBe(1); // the fallback that reloaded it
      expect(calls("evalsha")).toBeGreaterThanOrEqual(1); // later claims are by SHA again
    },
  );
});

describe("rebuild lock", () => {
  test("only one owner holds the rebuild lock, and only the holder can release it", async () => {
    const code = campaign("lock");
    expect(await gate.tryLockRebuild(code, "instance-a", 5_000)).toBe(true);
    expect(await gate.tryLockRebuild(code, "instance-b", 5_000)).toBe(false);
    expect(await gate.unlockRebuild(code, "instance-b")).toBe(false);
    expect(await gate.tryLockRebuild(code, "instance-b", 5_000)).toBe(false);
    expect(await gate.unlockRebuild(code, "instance-a")).toBe(true);
    expect(await gate.tryLockRebuild(code, "instance-b", 5_000)).toBe(true);
    expect(await gate.unlockRebuild(code, "instance-b")).toBe(true);
  });

  test("the rebuild lock expires on its own, so a crashed holder cannot block rebuilds", async () => {
    const code = campaign("lock-ttl");
    expect(await gate.tryLockRebuild(code, "crashed", 50)).toBe(true);
    await Bun.sleep(120);
    expect(await gate.tryLockRebuild(code, "survivor", 5_000)).toBe(true);
    expect(await gate.unlockRebuild(code, "crashed")).toBe(false);
  });
});

test("all keys of one campaign share the same hash tag, so they map to one Redis Cluster slot", () => {
  const keys = gateKeys("SUMMER-24");
  const tags = Object.values(keys).map((key) => /^\{([^}]*)\}/.exec(key)?.[1]);
  expect(Object.keys(keys).sort()).toEqual(["count", "free", "ready", "rebuild", "winners"]);
  expect(new Set(tags)).toEqual(new Set(["gift:SUMMER-24"]));
  expect(keys.count).toBe("{gift:SUMMER-24}:count");
  expect(keys.winners).toBe("{gift:SUMMER-24}:winners");
});

test("state left by another incarnation of the same code is not trusted: the gate asks for a rebuild", async () => {
  const gate = createGate(client);
  const code = "REUSED01";
  await gate.rebuild(code, [{ phone: "+989120000001", rank: 1 }], "1.1000");
  expect(await gate.claim(code, "+989120000002", 5, "1.1000")).toEqual({ kind: "won", rank: 2 });
  // The same code in a fresh database: another id and creation time.
  expect(await gate.claim(code, "+989120000001", 5, "1.2000")).toEqual({ kind: "not-ready" });
  await gate.rebuild(code, [], "1.2000");
  expect(await gate.claim(code, "+989120000001", 5, "1.2000")).toEqual({ kind: "won", rank: 1 });
});

describe("leases", () => {
  test("a lease is held by one owner, renewed by that owner, and free again once it lapses", async () => {
    const code = campaign("lease");
    expect(await gate.tryLease(code, "sweep", "a", 200)).toBe(true);
    expect(await gate.tryLease(code, "sweep", "b", 200)).toBe(false);
    expect(await gate.tryLease(code, "sweep", "a", 200)).toBe(true); // renewal, not a refusal
    expect(await gate.tryLease(code, "other-job", "b", 200)).toBe(true); // one lease per job
    await Bun.sleep(250);
    expect(await gate.tryLease(code, "sweep", "b", 200)).toBe(true);
    expect(await client.pttl(`{gift:${code}}:lease:sweep`)).toBeGreaterThan(0);
  });
});

describe("free ranks", () => {
  test("a freed rank goes to the next claimant before the counter moves, even when the counter is at the cap", async () => {
    const code = campaign("free");
    await gate.rebuild(code, [
      { phone: "a", rank: 1 },
      { phone: "c", rank: 3 },
    ]);
    expect(await gate.claim(code, "d", 3)).toEqual({ kind: "sold-out" });
    expect(await gate.freeRank(code, 2)).toBe(true);
    expect(await gate.freeRanks(code)).toEqual([2]);
    expect(await gate.claim(code, "d", 3)).toEqual({ kind: "won", rank: 2 });
    expect(await gate.claim(code, "e", 3)).toEqual({ kind: "sold-out" });
    expect(await gate.claim(code, "d", 3)).toEqual({ kind: "duplicate", rank: 2 });
  });

  test("a rank a gate winner holds, one the counter never reached, or another generation's is not freed", async () => {
    const code = campaign("not-free");
    await gate.rebuild(code, [{ phone: "a", rank: 1 }], "1.1");
    expect(await gate.freeRank(code, 1, "1.1")).toBe(false);
    expect(await gate.freeRank(code, 2, "1.1")).toBe(false);
    expect(await gate.freeRank(code, 0, "1.1")).toBe(false);
    expect(await gate.freeRank(code, 1, "2.2")).toBe(false);
    expect(await gate.freeRanks(code)).toEqual([]);
  });
});
