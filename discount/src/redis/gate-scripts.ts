/**
 * The cap gate's Lua scripts (DESIGN.md §4) and how their replies read: the decisions that
 * must be atomic in Redis. redis/gate.ts sends them; limit-pair.ts reuses the claim.
 */

export type ClaimResult =
  | { kind: "won"; rank: number }
  | { kind: "duplicate"; rank: number }
  | { kind: "sold-out" }
  | { kind: "not-ready" };

// Reply codes of the claiming scripts (limit-pair.ts's too): a two-integer array is cheaper to encode and parse than strings.
export const NOT_READY = 0;
const WON = 1;
const DUPLICATE = 2;
const SOLD_OUT = 3;

/**
 * The claim itself, once the campaign's state is ready: shared by every claiming script,
 * each of which names KEYS[1..4] and ARGV[1..4] as CLAIM_LUA does.
 */
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

/**
 * Takes a rolled-back winner out of the gate and puts its rank back in line, in one step: the
 * state stays ready, so no claim seeds it again from a DB read that predates the rollback.
 */
export const RELEASE_LUA = `
-- KEYS[1] = {gift:CODE}:ready   -- only this generation's state; absent state is seeded from the DB (which has no winner)
-- KEYS[2] = {gift:CODE}:winners -- the winner leaves it, only while it still holds that rank (a new win is kept)
-- KEYS[3] = {gift:CODE}:free    -- the rank goes here, for the next claimant; expires with the winners set
-- ARGV[1] = phone               -- the winner whose win was rolled back
-- ARGV[2] = rank                -- the rank it held
-- ARGV[3] = generation          -- must equal KEYS[1], as for a claim
if redis.call('GET', KEYS[1]) ~= ARGV[3] then
  return 0
end
if tonumber(redis.call('ZSCORE', KEYS[2], ARGV[1]) or '0') ~= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[3], ttl)
end
return 1
`;

// Constant answers for the replies that carry no rank: nothing to allocate per claim.
const SOLD_OUT_RESULT: ClaimResult = Object.freeze({ kind: "sold-out" });
const NOT_READY_RESULT: ClaimResult = Object.freeze({ kind: "not-ready" });

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
