import type { RedisConnection } from "./connection";
import { gateKeys } from "./gate";
import { CLAIM_BODY, type ClaimResult, claimResult, NOT_READY } from "./gate-scripts";
import {
  createRateLimiter,
  decisionOf,
  limiterSettings,
  type RateLimitDecision,
  type RateLimiterOptions,
  timedOutDecision,
} from "./rate-limit";

/** Two limits every claim counts together: its phone's and its address's. */
export interface LimitPair {
  /** Counts one attempt against each. Rejects when Redis errors (e.g. it is down): the caller decides. */
  check(first: string, second: string): Promise<[RateLimitDecision, RateLimitDecision]>;
  /**
   * The same count, then the gate's claim for `first` (the phone) only if both limits allow
   * it, in one round trip. `seat` is undefined when the gate was not asked: a limit refused,
   * or Redis answered too late for the limits (they let the attempt through, as `check` does,
   * and the caller asks the gate itself). Absent on a Redis Cluster, whose slots keep the
   * limits' keys and the gate's apart.
   */
  checkThenClaim?(first: string, second: string, gate: GateClaim): Promise<LimitedClaim>;
}

/** What the gate's claim needs besides the phone (see Gate.claim). */
export interface GateClaim {
  code: string;
  cap: number;
  generation: string;
  ttlMs?: number;
}

export interface LimitedClaim {
  limits: [RateLimitDecision, RateLimitDecision];
  seat?: ClaimResult;
}

/** The fixed-window count of both counters: the library's script, twice, in Lua. */
const countBoth = (first: string, second: string, firstMs: string, secondMs: string) => `
local first = redis.call('INCRBY', ${first}, 1)
if first == 1 then
  redis.call('PEXPIRE', ${first}, ${firstMs})
end
local second = redis.call('INCRBY', ${second}, 1)
if second == 1 then
  redis.call('PEXPIRE', ${second}, ${secondMs})
end`;

/**
 * @upstash/ratelimit's fixed window (its \`fixedWindowLimitScript\`, single region, no dynamic
 * limit) for two counters in one script: one command on the wire instead of two, and none of
 * the library's per-call work. Same keys, same INCRBY and PEXPIRE, so the library and this
 * script count on the same counters (limit-pair.test.ts runs them side by side).
 */
export const LIMIT_PAIR_LUA = `
-- KEYS[1] = PREFIX1:ID1:BUCKET -- the first limit's counter, named as the library names it (bucket = now / window)
-- KEYS[2] = PREFIX2:ID2:BUCKET -- the second limit's counter, likewise
-- ARGV[1] = window ms          -- the first counter's life, set when this attempt created it
-- ARGV[2] = window ms          -- the second counter's life, likewise
${countBoth("KEYS[1]", "KEYS[2]", "ARGV[1]", "ARGV[2]")}
return {first, second}
`;

/** Reply status of LIMITED_CLAIM_LUA when a limit refused: the gate was not asked. */
const LIMITED = -1;

/**
 * A claim's limits and its gate claim in one script: the same count as LIMIT_PAIR_LUA, then,
 * only when both limits allow, the same claim as CLAIM_LUA. The counts come back with the
 * gate's answer, for the RateLimit fields.
 */
export const LIMITED_CLAIM_LUA = `
-- KEYS[1] = {gift:CODE}:ready   -- the gate's keys, as in CLAIM_LUA
-- KEYS[2] = {gift:CODE}:count
-- KEYS[3] = {gift:CODE}:winners
-- KEYS[4] = {gift:CODE}:free
-- KEYS[5] = PREFIX1:PHONE:BUCKET -- the phone's limit counter, as in LIMIT_PAIR_LUA (the same node, not a Cluster)
-- KEYS[6] = PREFIX2:IP:BUCKET    -- the address's limit counter, likewise
-- ARGV[1] = phone               -- the claimant, as in CLAIM_LUA
-- ARGV[2] = cap                 -- as in CLAIM_LUA
-- ARGV[3] = generation          -- as in CLAIM_LUA
-- ARGV[4] = ttl ms, or ''       -- as in CLAIM_LUA
-- ARGV[5] = window ms           -- the phone counter's life, as in LIMIT_PAIR_LUA
-- ARGV[6] = window ms           -- the address counter's life
-- ARGV[7] = limit               -- the phone's limit: over it, no seat is taken
-- ARGV[8] = limit               -- the address's limit, likewise
${countBoth("KEYS[5]", "KEYS[6]", "ARGV[5]", "ARGV[6]")}
if first > tonumber(ARGV[7]) or second > tonumber(ARGV[8]) then
  return {${LIMITED}, 0, first, second}
end
local function claim()
  if redis.call('GET', KEYS[1]) ~= ARGV[3] then
    return {${NOT_READY}, 0}
  end
  ${CLAIM_BODY}
end
local reply = claim()
return {reply[1], reply[2], first, second}
`;

const PAIR_COMMAND = "rateLimitPair";
const LIMITED_CLAIM_COMMAND = "rateLimitedGateClaim";

interface PairCommands {
  [PAIR_COMMAND](first: string, second: string, firstMs: number, secondMs: number): Promise<[number, number]>;
  [LIMITED_CLAIM_COMMAND](...args: (string | number)[]): Promise<[number, number, number, number]>;
}

/**
 * Both limits in one round trip and one script. On a Redis Cluster the two counters live
 * in different slots, which one script may not touch: there each is the library's own check,
 * the two sent together (auto-pipelining).
 */
export function createLimitPair(
  redis: RedisConnection,
  firstOptions: RateLimiterOptions,
  secondOptions: RateLimiterOptions,
): LimitPair {
  if (redis.isCluster) {
    const [a, b] = [createRateLimiter(redis, firstOptions), createRateLimiter(redis, secondOptions)];
    return { check: (x, y) => Promise.all([a.check(x), b.check(y)]) };
  }
  const [first, second] = [limiterSettings(firstOptions), limiterSettings(secondOptions)];
  const scripts = redis as RedisConnection & PairCommands;
  if (typeof scripts[PAIR_COMMAND] !== "function") {
    redis.defineCommand(PAIR_COMMAND, { lua: LIMIT_PAIR_LUA, numberOfKeys: 2 });
    redis.defineCommand(LIMITED_CLAIM_COMMAND, { lua: LIMITED_CLAIM_LUA, numberOfKeys: 6 });
  }
  const firstMs = first.windowSeconds * 1000;
  const secondMs = second.windowSeconds * 1000;
  // One script, so one wait: the first limit's (the service gives both the same).
  const { timeoutMs } = first;
  // As the library: a check Redis does not answer in time lets the attempt through.
  const timedOut = (): [RateLimitDecision, RateLimitDecision] => [
    timedOutDecision(first.limit, first.clock),
    timedOutDecision(second.limit, second.clock),
  ];

  /** The counters' keys for this attempt, and how to read their counts as the library's answers. */
  const windowOf = (x: string, y: string) => {
    // The library buckets by the system clock, not the service's: so do we, for the same keys.
    const now = Date.now();
    const [bucketA, bucketB] = [Math.floor(now / firstMs), Math.floor(now / secondMs)];
    return {
      keys: [`${first.prefix}:${x}:${bucketA}`, `${second.prefix}:${y}:${bucketB}`] as const,
      decide: (usedA: number, usedB: number): [RateLimitDecision, RateLimitDecision] => [
        decisionOf(fixedWindow(first.limit, usedA, (bucketA + 1) * firstMs), first.clock),
        decisionOf(fixedWindow(second.limit, usedB, (bucketB + 1) * secondMs), second.clock),
      ],
    };
  };

  return {
    async check(x, y) {
      const { keys, decide } = windowOf(x, y);
      const used = await withTimeout(scripts[PAIR_COMMAND](keys[0], keys[1], firstMs, secondMs), timeoutMs);
      return used === undefined ? timedOut() : decide(used[0], used[1]);
    },

    async checkThenClaim(x, y, gate) {
      const { keys, decide } = windowOf(x, y);
      const k = gateKeys(gate.code);
      const reply = scripts[LIMITED_CLAIM_COMMAND](
        ...[k.ready, k.count, k.winners, k.free, keys[0], keys[1]],
        ...[x, gate.cap, gate.generation, gate.ttlMs ?? "", firstMs, secondMs, first.limit, second.limit],
      );
      const early = await withTimeout(reply, timeoutMs);
      if (early === undefined) {
        // The limits let it through; the gate answer stands if the script got that far.
        const late = await reply;
        return { limits: timedOut(), seat: late[0] === LIMITED ? undefined : claimResult([late[0], late[1]]) };
      }
      const [status, rank, usedA, usedB] = early;
      return { limits: decide(usedA, usedB), seat: status === LIMITED ? undefined : claimResult([status, rank]) };
    },
  };
}

/** The library's fixed-window answer for a counter at `used` after this attempt. */
const fixedWindow = (limit: number, used: number, reset: number) => ({
  success: used <= limit,
  limit,
  remaining: Math.max(0, limit - used),
  reset,
});

/** The reply, or undefined if it takes longer than `ms` (0: wait for it). Rejects as the reply does. */
function withTimeout<T>(reply: Promise<T>, ms: number): Promise<T | undefined> {
  if (ms <= 0) return reply;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([reply, late]).finally(() => clearTimeout(timer));
}
