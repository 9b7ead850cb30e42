import { afterAll, beforeAll, expect, test } from "bun:test";
import { waitFor } from "@matchday/testkit/processes";
import { type RedisHandle, startRedis } from "@matchday/testkit/redis";
import Redis from "ioredis";
import { connectRedis } from "./connection";
import { createLimitPair } from "./limit-pair";
import { createRateLimiter, type RateLimitDecision } from "./rate-limit";

let redis: RedisHandle;
let client: Redis;

beforeAll(async () => {
  redis = await startRedis();
  client = connectRedis({ mode: "single", url: redis.url });
  client.on("error", () => {}); // the restart test kills the server on purpose
  await waitUntilReady();
});

afterAll(async () => {
  await client.quit().catch(() => {});
  await redis.dispose();
});

// Hour-long windows: a fixed-window boundary falling inside a test is then vanishingly rare.
const HOUR = 3600;

async function waitUntilReady(): Promise<void> {
  await waitFor("ioredis to be ready", async () => client.status === "ready" && (await client.ping()) === "PONG");
}

/**
 * Two limits as the service has them: a phone's and an address's, with different limits.
 * One fixed service clock, so Retry-After does not depend on when each answer was computed.
 */
function limits() {
  const id = crypto.randomUUID();
  const now = Date.now();
  const clock = () => now;
  const phone = { prefix: `rl-pair:${id}:phone`, limit: 3, windowSeconds: HOUR, clock };
  const ip = { prefix: `rl-pair:${id}:ip`, limit: 5, windowSeconds: 60, clock };
  return {
    phone,
    ip,
    pair: createLimitPair(client, phone, ip),
    library: { phone: createRateLimiter(client, phone), ip: createRateLimiter(client, ip) },
  };
}

const calls = async (command: string) =>
  Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(await client.info("commandstats"))?.[1] ?? 0);

test("the pair answers exactly as @upstash/ratelimit does, attempt by attempt, past both limits", async () => {
  const viaPair = limits();
  const viaLibrary = limits();
  const pairs: [RateLimitDecision, RateLimitDecision][] = [];
  const library: [RateLimitDecision, RateLimitDecision][] = [];
  for (let attempt = 0; attempt < 8; attempt++) {
    pairs.push(await viaPair.pair.check("+989120000001", "10.0.0.1"));
    library.push(
      await Promise.all([viaLibrary.library.phone.check("+989120000001"), viaLibrary.library.ip.check("10.0.0.1")]),
    );
  }
  expect(pairs).toEqual(library);
  expect(pairs.map(([phone, ip]) => [phone.allowed, ip.allowed])).toEqual([
    [true, true],
    [true, true],
    [true, true],
    [false, true],
    [false, true],
    [false, false],
    [false, false],
    [false, false],
  ]);
});

test("the pair and the library count on the same keys, which expire with their window", async () => {
  const { phone, ip, pair, library } = limits();
  expect((await pair.check("p", "a"))[0]).toMatchObject({ allowed: true, remaining: 2 });
  expect(await library.phone.check("p")).toMatchObject({ allowed: true, remaining: 1 });
  expect((await pair.check("p", "a"))[0]).toMatchObject({ allowed: true, remaining: 0 });
  expect(await library.phone.check("p")).toMatchObject({ allowed: false, remaining: 0 });
  expect(await library.ip.check("a")).toMatchObject({ allowed: true, remaining: 2 });

  const now = Date.now();
  const phoneKey = `${phone.prefix}:p:${Math.floor(now / (HOUR * 1000))}`;
  const ipKey = `${ip.prefix}:a:${Math.floor(now / 60_000)}`;
  expect([await client.get(phoneKey), await client.get(ipKey)]).toEqual(["4", "3"]);
  const [phoneTtl, ipTtl] = [await client.pttl(phoneKey), await client.pttl(ipKey)];
  expect(phoneTtl > HOUR * 1000 - 60_000 && phoneTtl <= HOUR * 1000).toBe(true);
  expect(ipTtl > 0 && ipTtl <= 60_000).toBe(true);
});

test("one check of both limits is one command on the wire", async () => {
  const { pair } = limits();
  await pair.check("p", "a"); // loads the script
  const [evalsha, evals] = [await calls("evalsha"), await calls("eval")];
  await pair.check("p", "a");
  expect([(await calls("evalsha")) - evalsha, (await calls("eval")) - evals]).toEqual([1, 0]);
});

test.skipIf(Boolean(process.env.REDIS_URL))(
  "a check that Redis does not answer within the timeout fails open for both limits and says so",
  async () => {
    const phone = { prefix: `rl-pair:${crypto.randomUUID()}`, limit: 2, windowSeconds: HOUR, timeoutMs: 50 };
    const ip = { ...phone, prefix: `${phone.prefix}:ip` };
    const pair = createLimitPair(client, phone, ip);
    await pair.check("slow", "a");
    const admin = new Redis(redis.url);
    try {
      await admin.call("CLIENT", "PAUSE", "400", "WRITE");
      const decisions = await pair.check("slow", "a");
      for (const decision of decisions) {
        expect(decision).toMatchObject({ allowed: true, timedOut: true, retryAfterSeconds: 0 });
      }
    } finally {
      await admin.call("CLIENT", "UNPAUSE").catch(() => {});
      admin.disconnect();
    }
    // The timed-out attempt still ran once Redis unpaused and used the second slot.
    expect((await pair.check("slow", "a"))[0].allowed).toBe(false);
  },
);

test.skipIf(Boolean(process.env.REDIS_URL))(
  "while Redis is down a check rejects, and after a restart with an empty script cache it counts again",
  async () => {
    const { pair } = limits();
    await pair.check("phone", "a");
    await redis.stop({ hard: true });
    await expect(pair.check("phone", "a")).rejects.toThrow();
    await redis.start();
    await waitUntilReady();
    // The counters went with the old server, so both identifiers start over.
    const [phone, ip] = await pair.check("phone", "a");
    expect([phone.remaining, ip.remaining]).toEqual([2, 4]);
  },
);
