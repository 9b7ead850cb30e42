import type { RedisConnection } from "./connection";

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

/** Keys of the campaigns claimed lately; a miss only rebuilds four strings. */
const KEY_CACHE_LIMIT = 2_000;

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

export type ClaimResult =
  | { kind: "won"; rank: number }
  | { kind: "duplicate"; rank: number }
  | { kind: "sold-out" }
  | { kind: "not-ready" };

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
  winners(code: string): Promise<Map<string, number>>;
  count(code: string): Promise<number>;
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

// Reply codes of the claiming scripts (NOT_READY for limit-pair.ts's too): a two-integer array is cheaper to encode and parse than strings.
export const NOT_READY = 0;
const WON = 1;
const DUPLICATE = 2;
const SOLD_OUT = 3;

/** The claim itself, once the campaign's state is ready: shared by every claiming script. */
export const CLAIM_BODY = `
local rank = redis.call('ZSCORE', KEYS[3], ARGV[1])
if rank then
  return {${DUPLICATE}, tonumber(rank)}
end
local freed = redis.call('ZPOPMIN', KEYS[4])
if freed[1] then
  rank = tonumber(freed[1])
elseif tonumber(redis.call('GET', KEYS[2]) or '0') >= tonumber(ARGV[2]) then
  return {${SOLD_OUT}, 0}
else
  rank = redis.call('INCR', KEYS[2])
end
redis.call('ZADD', KEYS[3], 'NX', rank, ARGV[1])
if ARGV[4] and ARGV[4] ~= '' then
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
end
return {${WON}, rank}
`;

/** The whole decision in one script: separate INCR and ZADD calls drift apart under duplicates and crashes. */
export const CLAIM_LUA = `
-- KEYS[1] = {gift:CODE}:ready   -- absent or another generation: Redis lost, never had, or holds someone else's winners: refuse
-- KEYS[2] = {gift:CODE}:count   -- last rank handed out; INCR makes ranks 1..N follow arrival order, never reused
-- KEYS[3] = {gift:CODE}:winners -- sorted set phone -> rank; answers a repeat with the rank it already won
-- ARGV[1] = phone               -- the claimant, the sorted-set member (one win per phone)
-- ARGV[2] = cap                 -- maxRedemptions; passed on each call so Redis holds no copy of it to go stale
-- ARGV[3] = generation          -- this campaign's incarnation; must equal what the last rebuild stored in KEYS[1]
-- KEYS[4] = {gift:CODE}:free    -- ranks whose holder was lost: the next claimant takes the lowest first
-- ARGV[4] = ttl ms (optional)   -- set for coupons: their state expires and is rebuilt from the DB when needed; '' for none
if redis.call('GET', KEYS[1]) ~= ARGV[3] then
  return {${NOT_READY}, 0}
end
${CLAIM_BODY}`;

/**
 * A claim that brings missing state with it: when the campaign is not ready, it is first
 * seeded from the DB's winners, exactly as a rebuild would leave it, then claimed, in one
 * atomic step. Ready state is never replaced, so no lock is needed: wins another instance
 * handed out since the DB was read are kept (rebuilding twice would forget them). For
 * coupons, whose state is missing on nearly every first claim: 1 round trip, not the 5 of
 * lock, check, rebuild, unlock and claim.
 */
export const SEED_CLAIM_LUA = `
-- KEYS[1] = {gift:CODE}:ready   -- seeded only when absent or another generation's; then set to ARGV[3], expiring
-- KEYS[2] = {gift:CODE}:count   -- on seeding: the DB's highest rank, so no rank is handed out twice
-- KEYS[3] = {gift:CODE}:winners -- on seeding: the DB's winners, phone -> rank
-- KEYS[4] = {gift:CODE}:free    -- on seeding: emptied, as by a rebuild (the orphan sweep finds lost ranks again)
-- ARGV[1] = phone               -- the claimant, as in CLAIM_LUA
-- ARGV[2] = cap                 -- maxRedemptions, as in CLAIM_LUA
-- ARGV[3] = generation          -- this campaign's incarnation, as in CLAIM_LUA
-- ARGV[4] = ttl ms              -- every key seeded or won expires after this long, as in CLAIM_LUA
-- ARGV[5] = highest rank        -- the highest rank the DB holds (0 when none)
-- ARGV[6..] = rank, phone, ...  -- the DB's winners, read before this call
if redis.call('GET', KEYS[1]) ~= ARGV[3] then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
  for i = 6, #ARGV, 2 do
    redis.call('ZADD', KEYS[3], ARGV[i], ARGV[i + 1])
  end
  redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[4])
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
end
${CLAIM_BODY}`;

/**
 * Brings the gate in line with the DB after it handed out a rank the DB already
 * holds, without a rebuild: a rebuild would also forget wins still in flight, whose
 * phones would then be given a second rank (measured: lost ranks under a burst).
 */
export const REPAIR_LUA = `
-- KEYS[1] = {gift:CODE}:ready   -- only repair the state of this generation; lost state is rebuilt instead
-- KEYS[2] = {gift:CODE}:count   -- raised to the DB's highest rank, so it never hands out a held rank again
-- KEYS[3] = {gift:CODE}:winners -- the claimant loses the taken rank; the DB's holder gets it
-- ARGV[1] = phone               -- the claimant the DB refused; removed only if it still holds that rank
-- ARGV[2] = rank                -- the rank the DB refused
-- ARGV[3] = holder              -- the phone that holds this rank in the DB (the authority)
-- ARGV[4] = highest             -- the highest rank the DB holds for the campaign
-- ARGV[5] = generation          -- must equal KEYS[1], as for a claim
if redis.call('GET', KEYS[1]) ~= ARGV[5] then
  return 0
end
if tonumber(redis.call('ZSCORE', KEYS[3], ARGV[1]) or '0') == tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[3], ARGV[1])
end
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
if tonumber(redis.call('GET', KEYS[2]) or '0') < tonumber(ARGV[4]) then
  redis.call('SET', KEYS[2], ARGV[4])
end
return 1
`;

/** Compare-and-delete: an instance whose lock expired must not delete the lock another instance now holds. */
export const UNLOCK_LUA = `
-- KEYS[1] = {gift:CODE}:rebuild -- the rebuild lock
-- ARGV[1] = owner               -- the token this instance stored with SET NX PX
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/** Take a free lease, or renew our own: unlike SET NX, the holder can keep it across passes. */
export const LEASE_LUA = `
-- KEYS[1] = {gift:CODE}:lease:NAME -- one lease per campaign and job, in the campaign's hash slot
-- ARGV[1] = owner                  -- the instance asking; renews the lease it already holds
-- ARGV[2] = ttl ms                 -- a holder that dies loses the lease this long after its last renewal
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`;

/** Frees a rank whose holder is lost, unless a gate winner holds it or the counter never reached it. */
export const FREE_LUA = `
-- KEYS[1] = {gift:CODE}:ready   -- only this generation's ranks are freed
-- KEYS[2] = {gift:CODE}:count   -- a rank above the counter was never handed out: nothing to free
-- KEYS[3] = {gift:CODE}:winners -- a rank a gate winner holds is not lost (the orphan sweep records it instead)
-- KEYS[4] = {gift:CODE}:free    -- where the rank goes; claims take from here before the counter
-- ARGV[1] = rank
-- ARGV[2] = generation
if redis.call('GET', KEYS[1]) ~= ARGV[2] then
  return 0
end
local rank = tonumber(ARGV[1])
if rank < 1 or rank > tonumber(redis.call('GET', KEYS[2]) or '0') then
  return 0
end
if #redis.call('ZRANGEBYSCORE', KEYS[3], rank, rank, 'LIMIT', 0, 1) > 0 then
  return 0
end
redis.call('ZADD', KEYS[4], rank, rank)
return 1
`;

const CLAIM_COMMAND = "giftGateClaim";
const SEED_CLAIM_COMMAND = "giftGateSeedClaim";
const FREE_COMMAND = "giftGateFree";
const LEASE_COMMAND = "giftGateLease";
const UNLOCK_COMMAND = "giftGateUnlock";
const REPAIR_COMMAND = "giftGateRepair";

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

// Constant answers for the replies that carry no rank: nothing to allocate per claim.
const SOLD_OUT_RESULT: ClaimResult = Object.freeze({ kind: "sold-out" });
const NOT_READY_RESULT: ClaimResult = Object.freeze({ kind: "not-ready" });

const DEFAULT_GENERATION = "1";

/** Winners per ZADD inside the rebuild MULTI (2 arguments each, so ≤ 1,000 arguments): bounds command size. */
const ZADD_CHUNK = 500;

/** The gate's answer for a claiming script's reply (status, rank). */
export function claimResult([status, rank]: [number, number]): ClaimResult {
  switch (status) {
    case WON:
      return { kind: "won", rank };
    case DUPLICATE:
      return { kind: "duplicate", rank };
    case SOLD_OUT:
      return SOLD_OUT_RESULT;
    case NOT_READY:
      return NOT_READY_RESULT;
    default:
      throw new Error(`cap gate: unexpected script reply ${status}`);
  }
}

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
  }

  // A burst claims one campaign's keys over and over: build its key strings once, not per
  // claim. Bounded, oldest first: every coupon is a campaign too, and there may be millions.
  const keyCache = new Map<string, GateKeys>();
  const keysOf = (code: string): GateKeys => {
    let keys = keyCache.get(code);
    if (!keys) {
      keys = gateKeys(code);
      if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.delete(keyCache.keys().next().value as string);
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

    async winners(code) {
      // Flat [phone, score, ...] with ioredis' default "legacy" reply mapping (RESP2 or RESP3);
      // [phone, score] pairs if a client opts into replyMapping "resp3".
      const reply: unknown[] = await redis.zrange(keysOf(code).winners, 0, "-1", "WITHSCORES");
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

    async freeRanks(code) {
      return (await redis.zrange(keysOf(code).free, 0, "-1")).map(Number);
    },

    async freeRank(code, rank, generation = DEFAULT_GENERATION) {
      const k = keysOf(code);
      return (await scripts[FREE_COMMAND](k.ready, k.count, k.winners, k.free, rank, generation)) === 1;
    },
  };
}
