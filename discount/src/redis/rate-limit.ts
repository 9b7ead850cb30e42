import { createHash } from "node:crypto";
import { Ratelimit } from "@upstash/ratelimit";
import type { RedisConnection } from "./connection";

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetAtMs: number;
  /** Seconds to put in `Retry-After`: at least 1 when denied, 0 when allowed. */
  retryAfterSeconds: number;
  /** Set when Redis did not answer within `timeoutMs` and the request was let through (fail open). */
  timedOut?: true;
}

export interface RateLimiterOptions {
  /** Key prefix, e.g. "rl:coupon:ip"; keys are `${prefix}:${identifier}:${window number}`. */
  prefix: string;
  limit: number;
  windowSeconds: number;
  /** How long a check may wait for Redis before it fails open. 0 disables the timeout. */
  timeoutMs?: number;
  /** The service's clock, for Retry-After. (The library buckets attempts by the system clock.) */
  clock?: () => number;
}

export interface RateLimiter {
  /** Counts one attempt. Rejects when Redis errors (e.g. it is down): the caller decides. */
  check(identifier: string): Promise<RateLimitDecision>;
}

type UpstashRedis = ConstructorParameters<typeof Ratelimit>[0]["redis"];
type Stripped = { sha: string; script: string };

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

/**
 * Library SHA -> our stripped script and its SHA. The library's hardcoded hashes are the
 * SHA1 of its script text (checked for all 13 scripts in 2.2.0), so a script seen once in
 * eval() is known by the hash it later passes to evalsha(). Pure function of the script
 * text, so one map serves every client and every limiter.
 */
const stripped = new Map<string, Stripped>();

// Redis' own wording; the library only tests `${error}`.includes("NOSCRIPT").
const noScript = () => new Error("NOSCRIPT No matching script. Please use EVAL.");

/**
 * Since 2.1.0 the scripts open with `#!lua flags=allow-key-locking`, which Redis 7.0
 * rejects ("Unexpected flag in script shebang"). Dropping the whole line gives a plain
 * Lua script that every Redis version runs.
 */
function strip(script: string): Stripped {
  const body = script.startsWith("#!") ? script.slice(script.indexOf("\n") + 1) : script;
  return { sha: sha1(body), script: body };
}

/**
 * The two methods the single-region limiter calls, in the Upstash REST client's shape
 * (keys and args as arrays). Analytics, deny lists and dynamic limits would need more
 * (get/set/multi/...), which is why they stay off.
 */
function upstashAdapter(redis: RedisConnection): UpstashRedis {
  const adapter = {
    async evalsha(libSha: string, keys: string[], args: unknown[]) {
      const known = stripped.get(libSha);
      // Unknown here means we never stripped it: answer locally so the library sends eval().
      if (!known) throw noScript();
      try {
        return await redis.evalsha(known.sha, keys.length, ...keys, ...argv(args));
      } catch (error) {
        // Redis restarted or flushed its script cache: EVAL loads it again for next time.
        if (!`${error}`.includes("NOSCRIPT")) throw error;
        return await redis.eval(known.script, keys.length, ...keys, ...argv(args));
      }
    },
    async eval(script: string, keys: string[], args: unknown[]) {
      const body = strip(script);
      stripped.set(sha1(script), body);
      return await redis.eval(body.script, keys.length, ...keys, ...argv(args));
    },
  };
  return adapter as unknown as UpstashRedis;
}

const argv = (args: unknown[]) => args.map((arg) => (arg == null ? "" : String(arg)));

/** The options with their defaults, once checked: what every limiter here is built from. */
export function limiterSettings(options: RateLimiterOptions): Required<RateLimiterOptions> {
  const { prefix, limit, windowSeconds, timeoutMs = 500, clock = Date.now } = options;
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`rate limit must be a positive integer, got ${limit}`);
  if (!Number.isInteger(windowSeconds) || windowSeconds < 1) {
    throw new Error(`rate limit window must be a positive whole number of seconds, got ${windowSeconds}`);
  }
  return { prefix, limit, windowSeconds, timeoutMs, clock };
}

/**
 * Fixed window, not sliding window: the sliding window's `reset` is the end of the current
 * bucket, but at that moment the previous bucket still weighs ~100%, so a client obeying
 * Retry-After would be refused again. The fixed window's reset is exact (next bucket is a
 * fresh key). Its cost, up to 2x limit in a burst straddling a boundary, is fine for abuse
 * prevention. Note it counts denied attempts too (INCR happens before the comparison).
 * Buckets are aligned to the epoch by each instance's clock, so keep clocks in sync.
 */
export function createRateLimiter(redis: RedisConnection, options: RateLimiterOptions): RateLimiter {
  const { prefix, limit, windowSeconds, timeoutMs, clock } = limiterSettings(options);

  const limiter = new Ratelimit({
    redis: upstashAdapter(redis),
    limiter: Ratelimit.fixedWindow(limit, `${windowSeconds} s`),
    prefix,
    // On timeout the library resolves { success: true, reason: "timeout" }: it fails open.
    // Acceptable because the cap gate is what protects the money; these limits only slow
    // abuse, and a Redis that slow will fail the gate anyway. We flag it as timedOut so
    // the caller can log it. (Library default is 5 s, far too long to hold a request.)
    timeout: timeoutMs,
    // The ephemeral cache would block identifiers in this process only, and keep blocking
    // them after an operator clears Redis; state must live in Redis, shared by instances.
    ephemeralCache: false,
    // Analytics write extra keys through commands our adapter does not implement.
    analytics: false,
    enableTelemetry: false,
  });

  return {
    async check(identifier) {
      const result = await limiter.limit(identifier);
      if (result.reason === "timeout") return timedOutDecision(limit, clock);
      return decisionOf(result, clock);
    },
  };
}

/** The decision for a check Redis did not answer in time: let through (fail open), flagged. */
export const timedOutDecision = (limit: number, clock: () => number): RateLimitDecision => ({
  allowed: true,
  limit,
  remaining: 0,
  resetAtMs: clock(),
  retryAfterSeconds: 0,
  timedOut: true,
});

/** The decision for the library's answer (or one computed exactly as it computes it). */
export function decisionOf(
  result: { success: boolean; limit: number; remaining: number; reset: number },
  clock: () => number,
): RateLimitDecision {
  const retryAfterSeconds = result.success ? 0 : Math.max(1, Math.ceil((result.reset - clock()) / 1000));
  return {
    allowed: result.success,
    limit: result.limit,
    remaining: result.remaining,
    resetAtMs: result.reset,
    retryAfterSeconds,
  };
}
