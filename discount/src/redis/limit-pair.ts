import type { RedisConnection } from "./connection";
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
}

/**
 * @upstash/ratelimit's fixed window (its `fixedWindowLimitScript`, single region, no dynamic
 * limit) for two counters in one script: one command on the wire instead of two, and none of
 * the library's per-call work. Same keys, same INCRBY and PEXPIRE, so the library and this
 * script count on the same counters (limit-pair.test.ts runs them side by side).
 */
export const LIMIT_PAIR_LUA = `
-- KEYS[1] = PREFIX1:ID1:BUCKET -- the first limit's counter, named as the library names it (bucket = now / window)
-- KEYS[2] = PREFIX2:ID2:BUCKET -- the second limit's counter, likewise
-- ARGV[1] = window ms          -- the first counter's life, set when this attempt created it
-- ARGV[2] = window ms          -- the second counter's life, likewise
local first = redis.call('INCRBY', KEYS[1], 1)
if first == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local second = redis.call('INCRBY', KEYS[2], 1)
if second == 1 then
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return {first, second}
`;

const PAIR_COMMAND = "rateLimitPair";

interface PairCommand {
  [PAIR_COMMAND](first: string, second: string, firstMs: number, secondMs: number): Promise<[number, number]>;
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
  const scripts = redis as RedisConnection & PairCommand;
  if (typeof scripts[PAIR_COMMAND] !== "function") {
    redis.defineCommand(PAIR_COMMAND, { lua: LIMIT_PAIR_LUA, numberOfKeys: 2 });
  }
  const firstMs = first.windowSeconds * 1000;
  const secondMs = second.windowSeconds * 1000;
  // One script, so one wait: the first limit's (the service gives both the same).
  const { timeoutMs } = first;

  return {
    async check(x, y) {
      // The library buckets by the system clock, not the service's: so do we, for the same keys.
      const now = Date.now();
      const [bucketA, bucketB] = [Math.floor(now / firstMs), Math.floor(now / secondMs)];
      const counted = scripts[PAIR_COMMAND](
        `${first.prefix}:${x}:${bucketA}`,
        `${second.prefix}:${y}:${bucketB}`,
        firstMs,
        secondMs,
      );
      const used = await withTimeout(counted, timeoutMs);
      // As the library: a check Redis does not answer in time lets the attempt through.
      if (used === undefined) {
        return [timedOutDecision(first.limit, first.clock), timedOutDecision(second.limit, second.clock)];
      }
      return [
        decisionOf(fixedWindow(first.limit, used[0], (bucketA + 1) * firstMs), first.clock),
        decisionOf(fixedWindow(second.limit, used[1], (bucketB + 1) * secondMs), second.clock),
      ];
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
