import { BoundedMap } from "@matchday/shared/bounded-map";
import type { RedisConnection } from "./connection";
import {
  CLAIM_LUA,
  type ClaimResult,
  claimResult,
  FREE_LUA,
  LEASE_LUA,
  RELEASE_LUA,
  REPAIR_LUA,
  SEED_CLAIM_LUA,
  UNLOCK_LUA,
} from "./gate-scripts";
import { GATE_REBUILT_CHANNEL } from "./rebuild-notices";

export type { ClaimResult } from "./gate-scripts";

/**
 * The Redis cap gate for gift campaigns (DESIGN.md §4). Redis is only the fast gate;
 * the discount DB is the authority, and this state is rebuilt from it when missing.
 */

export interface GateKeys {
  /** INCR counter: the last rank handed out. */
  count: string;
  /** Sorted set phone → rank. */
  winners: string;
  /** Marker: this campaign's Redis state is complete (set last by a rebuild), holding the campaign's generation. */
  ready: string;
  /** Short lock so only one instance rebuilds at a time. */
  rebuild: string;
  /** Sorted set of ranks handed out whose holder is lost (in Redis and the DB alike): handed out again first. */
  free: string;
}

/**
 * Keys of the campaigns claimed lately: a match's few. A miss only builds five strings, and
 * each coupon is claimed about once, so a coupon flood gains nothing from more (2,000 held
 * ~0.8 MB of a flood's coupons).
 */
const KEY_CACHE_LIMIT = 100;

/** Every key shares the `{gift:CODE}` hash tag, so the scripts also run on Redis Cluster. */
export function gateKeys(code: string): GateKeys {
  const tag = `{gift:${code}}`;
  return {
    count: `${tag}:count`,
    winners: `${tag}:winners`,
    ready: `${tag}:ready`,
    rebuild: `${tag}:rebuild`,
    free: `${tag}:free`,
  };
}

export interface Winner {
  phone: string;
  rank: number;
}

/**
 * `generation` names one incarnation of a campaign (its DB id and creation time):
 * state left in Redis by a campaign of the same code in another database (a reset
 * dev DB, a restored backup) does not match, so it is rebuilt instead of trusted.
 */
export interface Gate {
  /** `ttlMs`: let the campaign's state expire (coupons: millions of codes, each rarely touched again). */
  claim(code: string, phone: string, cap: number, generation?: string, ttlMs?: number): Promise<ClaimResult>;
  rebuild(code: string, winners: readonly Winner[], generation?: string, ttlMs?: number): Promise<void>;
  /**
   * A claim that seeds missing state from `winners` (the DB's, read just before) instead of
   * answering not-ready; ready state is left as it is. For campaigns with few winners and
   * expiring state (coupons): many claimants of a big campaign would each read its winners.
   */
  seedAndClaim(
    code: string,
    phone: string,
    cap: number,
    winners: readonly Winner[],
    generation: string,
    ttlMs: number,
  ): Promise<ClaimResult>;
  /** Whether the campaign's state is complete for this generation (checked again under the rebuild lock). */
  isReady(code: string, generation?: string): Promise<boolean>;
  tryLockRebuild(code: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Takes or renews the campaign's lease named `name` for `owner` (e.g. the orphan sweep's): false while another holds it. */
  tryLease(code: string, name: string, owner: string, ttlMs: number): Promise<boolean>;
  unlockRebuild(code: string, owner: string): Promise<boolean>;
  repair(code: string, fix: RankRepair, generation?: string): Promise<boolean>;
  /** The gate's winners by phone; with `aboveRank`, only those holding a higher rank. */
  winners(code: string, aboveRank?: number): Promise<Map<string, number>>;
  count(code: string): Promise<number>;
  /**
   * Takes `phone` out of the gate's winners and frees its `rank`, if it still holds it: its win was
   * rolled back (a coupon made unused again). False when the state is not this generation's (the
   * next claim seeds it from the DB) or the phone no longer holds the rank.
   */
  release(code: string, phone: string, rank: number, generation?: string): Promise<boolean>;
  /** Ranks waiting in the free set. */
  freeRanks(code: string): Promise<number[]>;
  /**
   * Puts a rank whose holder is lost back in line (DESIGN §3.6): only if this generation's
   * counter has handed it out and no gate winner holds it. The DB stays the authority: a
   * claim on a freed rank that the DB turns out to hold is repaired like any other.
   */
  freeRank(code: string, rank: number, generation?: string): Promise<boolean>;
}

/**
 * What the DB said when it refused a rank the gate handed out: that rank belongs to
 * `holder`, and the highest rank it holds is `highest`. The gate fell behind the DB
 * (its state was lost and rebuilt while earlier wins were still being written).
 */
export interface RankRepair {
  /** The claimant the gate gave the taken rank to. */
  phone: string;
  rank: number;
  /** Who holds that rank in the DB. */
  holder: string;
  /** The highest rank the DB holds for the campaign. */
  highest: number;
}

const CLAIM_COMMAND = "giftGateClaim";
const SEED_CLAIM_COMMAND = "giftGateSeedClaim";
const FREE_COMMAND = "giftGateFree";
const LEASE_COMMAND = "giftGateLease";
const UNLOCK_COMMAND = "giftGateUnlock";
const REPAIR_COMMAND = "giftGateRepair";
const RELEASE_COMMAND = "giftGateRelease";

/** The methods defineCommand adds to the client at runtime. */
interface GateCommands {
  [CLAIM_COMMAND](
    ready: string,
    count: string,
    winners: string,
    free: string,
    phone: string,
    cap: number,
    generation: string,
    ...ttlMs: number[]
  ): Promise<[number, number]>;
  /** CLAIM_COMMAND's keys and arguments (ttl required), then the highest rank and the rank, phone pairs. */
  [SEED_CLAIM_COMMAND](...args: (string | number)[]): Promise<[number, number]>;
  [UNLOCK_COMMAND](lock: string, owner: string): Promise<number>;
  [FREE_COMMAND](
    ready: string,
    count: string,
    winners: string,
    free: string,
    rank: number,
    generation: string,
  ): Promise<number>;
  [LEASE_COMMAND](lease: string, owner: string, ttlMs: number): Promise<number>;
  [RELEASE_COMMAND](
    ready: string,
    winners: string,
    free: string,
    phone: string,
    rank: number,
    generation: string,
  ): Promise<number>;
  [REPAIR_COMMAND](
    ready: string,
    count: string,
    winners: string,
    phone: string,
    rank: number,
    holder: string,
    highest: number,
    generation: string,
  ): Promise<number>;
}

const DEFAULT_GENERATION = "1";

/** Winners per ZADD inside the rebuild MULTI (2 arguments each, so ≤ 1,000 arguments): bounds command size. */
const ZADD_CHUNK = 500;

/**
 * Where the counter resumes after the DB's winners: their highest rank, not their number,
 * since a rank lost to a crash (a gap) must never be handed out again.
 */
function highestRank(code: string, winners: readonly Winner[]): number {
  let highest = 0;
  for (const w of winners) {
    if (!Number.isSafeInteger(w.rank) || w.rank < 1) throw new Error(`cap gate: bad rank ${w.rank} for ${code}`);
    if (w.rank > highest) highest = w.rank;
  }
  return highest;
}

export function createGate(redis: RedisConnection): Gate {
  // defineCommand loads by SHA and falls back to EVAL on NOSCRIPT (e.g. after a Redis restart).
  // Registered once per client, so two gates on one client share the scripts.
  const scripts = redis as unknown as RedisConnection & GateCommands;
  if (typeof scripts[CLAIM_COMMAND] !== "function") {
    redis.defineCommand(CLAIM_COMMAND, { lua: CLAIM_LUA, numberOfKeys: 4 });
    redis.defineCommand(SEED_CLAIM_COMMAND, { lua: SEED_CLAIM_LUA, numberOfKeys: 4 });
    redis.defineCommand(FREE_COMMAND, { lua: FREE_LUA, numberOfKeys: 4 });
    redis.defineCommand(UNLOCK_COMMAND, { lua: UNLOCK_LUA, numberOfKeys: 1 });
    redis.defineCommand(REPAIR_COMMAND, { lua: REPAIR_LUA, numberOfKeys: 3 });
    redis.defineCommand(LEASE_COMMAND, { lua: LEASE_LUA, numberOfKeys: 1 });
    redis.defineCommand(RELEASE_COMMAND, { lua: RELEASE_LUA, numberOfKeys: 3 });
  }

  // A burst claims one campaign's keys over and over: build its key strings once, not per
  // claim. Bounded, oldest first: every coupon is a campaign too, and there may be millions.
  const keyCache = new BoundedMap<string, GateKeys>(KEY_CACHE_LIMIT);
  const keysOf = (code: string): GateKeys => {
    let keys = keyCache.get(code);
    if (!keys) {
      keys = gateKeys(code);
      keyCache.set(code, keys);
    }
    return keys;
  };

  return {
    async claim(code, phone, cap, generation = DEFAULT_GENERATION, ttlMs) {
      const k = keysOf(code);
      const ttl = ttlMs === undefined ? [] : [ttlMs];
      return claimResult(
        await scripts[CLAIM_COMMAND](k.ready, k.count, k.winners, k.free, phone, cap, generation, ...ttl),
      );
    },

    async seedAndClaim(code, phone, cap, winners, generation, ttlMs) {
      const k = keysOf(code);
      const highest = highestRank(code, winners);
      const pairs = winners.flatMap((w) => [w.rank, w.phone]);
      return claimResult(
        await scripts[SEED_CLAIM_COMMAND](
          k.ready,
          k.count,
          k.winners,
          k.free,
          phone,
          cap,
          generation,
          ttlMs,
          highest,
          ...pairs,
        ),
      );
    },

    async rebuild(code, winners, generation = DEFAULT_GENERATION, ttlMs) {
      const k = keysOf(code);
      const highest = highestRank(code, winners);
      // One MULTI: claims run before or after it, never in between, and they check ready first.
      // Free ranks are not carried over: the orphan sweep finds the lost ones again from the DB.
      const tx = redis.multi().del(k.ready, k.count, k.winners, k.free);
      for (let i = 0; i < winners.length; i += ZADD_CHUNK) {
        const args: (string | number)[] = [];
        for (const w of winners.slice(i, i + ZADD_CHUNK)) args.push(w.rank, w.phone);
        tx.zadd(k.winners, ...args);
      }
      tx.set(k.count, highest).set(k.ready, generation);
      if (ttlMs !== undefined) tx.pexpire(k.count, ttlMs).pexpire(k.winners, ttlMs).pexpire(k.ready, ttlMs);
      // Wakes the claimants that other instances hold waiting for this rebuild (rebuild-notices.ts).
      tx.publish(GATE_REBUILT_CHANNEL, code);
      const replies = await tx.exec();
      const failed = replies?.find(([err]) => err);
      if (!replies || failed) throw failed?.[0] ?? new Error(`cap gate: rebuild of ${code} was aborted`);
    },

    async isReady(code, generation = DEFAULT_GENERATION) {
      return (await redis.get(keysOf(code).ready)) === generation;
    },

    async tryLockRebuild(code, owner, ttlMs) {
      return (await redis.set(keysOf(code).rebuild, owner, "PX", ttlMs, "NX")) === "OK";
    },

    async unlockRebuild(code, owner) {
      return (await scripts[UNLOCK_COMMAND](keysOf(code).rebuild, owner)) === 1;
    },

    async tryLease(code, name, owner, ttlMs) {
      return (await scripts[LEASE_COMMAND](`{gift:${code}}:lease:${name}`, owner, ttlMs)) === 1;
    },

    async repair(code, fix, generation = DEFAULT_GENERATION) {
      const k = keysOf(code);
      const reply = await scripts[REPAIR_COMMAND](
        k.ready,
        k.count,
        k.winners,
        fix.phone,
        fix.rank,
        fix.holder,
        fix.highest,
        generation,
      );
      return reply === 1;
    },

    async winners(code, aboveRank = 0) {
      // Flat [phone, score, ...] with ioredis' default "legacy" reply mapping (RESP2 or RESP3);
      // [phone, score] pairs if a client opts into replyMapping "resp3".
      const reply: unknown[] = await redis.zrangebyscore(keysOf(code).winners, `(${aboveRank}`, "+inf", "WITHSCORES");
      const map = new Map<string, number>();
      for (let i = 0; i < reply.length; i++) {
        const item = reply[i];
        if (Array.isArray(item)) map.set(String(item[0]), Number(item[1]));
        else map.set(String(item), Number(reply[++i]));
      }
      return map;
    },

    async count(code) {
      return Number((await redis.get(keysOf(code).count)) ?? 0);
    },

    async release(code, phone, rank, generation = DEFAULT_GENERATION) {
      const k = keysOf(code);
      return (await scripts[RELEASE_COMMAND](k.ready, k.winners, k.free, phone, rank, generation)) === 1;
    },

    async freeRanks(code) {
      return (await redis.zrange(keysOf(code).free, 0, "-1")).map(Number);
    },

    async freeRank(code, rank, generation = DEFAULT_GENERATION) {
      const k = keysOf(code);
      return (await scripts[FREE_COMMAND](k.ready, k.count, k.winners, k.free, rank, generation)) === 1;
    },
  };
}
