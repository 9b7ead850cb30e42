import { afterAll, beforeAll, expect, test } from "bun:test";
import { waitFor } from "@matchday/testkit/processes";
import { type RedisHandle, startRedis } from "@matchday/testkit/redis";
import Redis from "ioredis";
import { connectRedis } from "./connection";
import { createRateLimiter } from "./rate-limit";

let redis: RedisHandle;
let client: Redis;

beforeAll(async () => {
  redis = await startRedis();
  client = connectRedis({ mode: "single", url: redis.url });
  // The restart test makes ioredis report connection errors; they are expected there.
  client.on("error", () => {});
  await waitUntilReady();
});

afterAll(async () => {
  await client.quit().catch(() => {});
  await redis.dispose();
});

// Hour-long windows: a fixed-window boundary falling inside a test is then vanishingly rare.
const HOUR = 3600;

function freshPrefix(): string {
  return `rl-test:${crypto.randomUUID()}`;
}

async function waitUntilReady(): Promise<void> {
  await waitFor("ioredis to be ready", async () => client.status === "ready" && (await client.ping()) === "PONG");
}

/**
 * Per-command call counts from the server itself. Commands a Lua script runs (INCRBY,
 * PEXPIRE) are counted too, but only EVAL/EVALSHA and anything else not run by the script
 * crossed the wire.
 */
async function commandCalls(): Promise<Map<string, number>> {
  const info = await client.info("commandstats");
  const calls = new Map<string, number>();
  for (const [, name, count] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    calls.set(name as string, Number(count));
  }
  return calls;
}

function delta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const changed: Record<string, number> = {};
  for (const [name, count] of after) {
    const diff = count - (before.get(name) ?? 0);
    if (diff > 0 && name !== "info") changed[name] = diff;
  }
  return changed;
}

test("the first `limit` checks are allowed, the next is denied with a Retry-After inside the window", async () => {
  const limiter = createRateLimiter(client, { prefix: freshPrefix(), limit: 3, windowSeconds: HOUR });

  const allowed = [await limiter.check("+447700900001"), await limiter.check("+447700900001")];
  allowed.push(await limiter.check("+447700900001"));
  expect(allowed.map((d) => [d.allowed, d.remaining, d.retryAfterSeconds])).toEqual([
    [true, 2, 0],
    [true, 1, 0],
    [true, 0, 0],
  ]);

  const denied = await limiter.check("+447700900001");
  expect(denied.allowed).toBe(false);
  expect(denied.limit).toBe(3);
  expect(denied.remaining).toBe(0);
  expect(denied.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  expect(denied.retryAfterSeconds).toBeLessThanOrEqual(HOUR);
  expect(denied.resetAtMs).toBeGreaterThan(Date.now());

  const other = await limiter.check("+447700900002");
  expect(other).toMatchObject({ allowed: true, remaining: 2, retryAfterSeconds: 0 });
});

test("50 concurrent checks against a limit of 5 allow exactly 5", async () => {
  const limiter = createRateLimiter(client, { prefix: freshPrefix(), limit: 5, windowSeconds: HOUR });
  const decisions = await Promise.all(Array.from({ length: 50 }, () => limiter.check("203.0.113.7")));
  expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
  expect(decisions.filter((d) => !d.allowed).every((d) => d.retryAfterSeconds >= 1)).toBe(true);
});

test("every limiter key in Redis expires by itself within the window", async () => {
  const prefix = freshPrefix();
  const limiter = createRateLimiter(client, { prefix, limit: 2, windowSeconds: 60 });
  for (const id of ["a", "a", "a", "b", "c"]) await limiter.check(id);

  const keys = await client.keys(`${prefix}:*`);
  expect(keys).toHaveLength(3);
  for (const key of keys) {
    const ttl = await client.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  }
});

test("in steady state each check is exactly one EVALSHA and nothing else", async () => {
  const limiter = createRateLimiter(client, { prefix: freshPrefix(), limit: 100, windowSeconds: HOUR });
  const users = ["user-0", "user-1", "user-2", "user-3"];
  // Warm-up: teaches the adapter the script, and creates the keys (so no PEXPIRE below).
  for (const user of users) await limiter.check(user);

  const before = await commandCalls();
  for (let i = 0; i < 20; i++) await limiter.check(users[i % 4] as string);
  const after = await commandCalls();

  // One EVALSHA per check; the INCRBYs run inside the script, not as round trips.
  expect(delta(before, after)).toEqual({ evalsha: 20, incrby: 20 });
});

test("a check succeeds on this Redis even though it rejects the library's script shebang", async () => {
  const rawShebangScript = "#!lua flags=allow-key-locking\nreturn 1";
  const raw = await client.eval(rawShebangScript, 0).then(
    () => "accepted",
    (error) => String(error),
  );
  const version = (await client.info("server")).match(/redis_version:(\S+)/)?.[1] ?? "";
  if (version.startsWith("7.0.")) expect(raw).toContain("Unexpected flag in script shebang");

  const limiter = createRateLimiter(client, { prefix: freshPrefix(), limit: 1, windowSeconds: HOUR });
  expect(await limiter.check("x")).toMatchObject({ allowed: true, limit: 1, remaining: 0 });
  expect(await limiter.check("x")).toMatchObject({ allowed: false, limit: 1, remaining: 0 });
});

test.skipIf(Boolean(process.env.REDIS_URL))(
  "a check that Redis does not answer within timeoutMs fails open and says so",
  async () => {
    const limiter = createRateLimiter(client, { prefix: freshPrefix(), limit: 2, windowSeconds: HOUR, timeoutMs: 50 });
    await limiter.check("slow");
    // A plain client (offline queue on), so its first command waits for the connection.
    const admin = new Redis(redis.url);
    try {
      await admin.call("CLIENT", "PAUSE", "400", "WRITE");
      const started = Date.now();
      const decision = await limiter.check("slow");
      expect(Date.now() - started).toBeLessThan(300);
      expect(decision).toMatchObject({ allowed: true, timedOut: true, retryAfterSeconds: 0 });
    } finally {
      await admin.call("CLIENT", "UNPAUSE").catch(() => {});
      admin.disconnect();
    }
    // The timed-out attempt still ran once Redis unpaused and used the second slot.
    expect((await limiter.check("slow")).allowed).toBe(false);
  },
);

test.skipIf(Boolean(process.env.REDIS_URL))(
  "checks keep working after Redis is killed and restarts with an empty script cache",
  async () => {
    const limiter = createRateLimiter(client, { prefix: freshPrefix(), limit: 3, windowSeconds: HOUR });
    await limiter.check("phone");
    await limiter.check("phone");

    await redis.stop({ hard: true });
    await redis.start();
    await waitUntilReady();

    const before = await commandCalls();
    // The counters went with the old server, so the identifier starts over.
    expect(await limiter.check("phone")).toMatchObject({ allowed: true, remaining: 2 });
    // EVALSHA answered NOSCRIPT, the adapter sent EVAL, which also reloaded the script.
    expect(delta(before, await commandCalls())).toEqual({ evalsha: 1, eval: 1, incrby: 1, pexpire: 1 });

    const reloaded = await commandCalls();
    expect(await limiter.check("phone")).toMatchObject({ allowed: true, remaining: 1 });
    expect(delta(reloaded, await commandCalls())).toEqual({ evalsha: 1, incrby: 1 });
  },
);
