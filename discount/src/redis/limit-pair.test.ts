import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { waitFor } from "@matchday/testkit/processes";
import { type RedisHandle, startRedis } from "@matchday/testkit/redis";
import Redis from "ioredis";
import { connectRedis } from "./connection";
import { createGate, gateKeys } from "./gate";
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

describe("limits then claim", () => {
  const gate = () => createGate(client);

  test("when both limits allow, the gate's claim is answered in the same single command", async () => {
    const { pair } = limits();
    const code = `LIMITED-${crypto.randomUUID()}`;
    await gate().rebuild(code, [], "1.1");
    const [evalsha, evals] = [await calls("evalsha"), await calls("eval")];
    const first = await pair.checkThenClaim?.("p1", "a", { code, cap: 2, generation: "1.1" });
    expect(first).toMatchObject({
      limits: [
        { allowed: true, remaining: 2 },
        { allowed: true, remaining: 4 },
      ],
    });
    expect(first?.seat).toEqual({ kind: "won", rank: 1 });
    await pair.checkThenClaim?.("p1", "a", { code, cap: 2, generation: "1.1" });
    // The first call sent the script itself (EVAL), the second only its SHA: one EVALSHA.
    expect([(await calls("evalsha")) - evalsha, (await calls("eval")) - evals]).toEqual([1, 1]);
  });

  test("over either limit no seat is taken, and the counts are those the pair's check gives", async () => {
    const { pair, library } = limits();
    const code = `LIMITED-${crypto.randomUUID()}`;
    await gate().rebuild(code, [], "1.2");
    const claim = (phone: string) => pair.checkThenClaim?.(phone, "a", { code, cap: 10, generation: "1.2" });
    const seats = [];
    for (let attempt = 0; attempt < 4; attempt++) seats.push((await claim("p1"))?.seat);
    expect(seats).toEqual([
      { kind: "won", rank: 1 },
      { kind: "duplicate", rank: 1 },
      { kind: "duplicate", rank: 1 },
      undefined,
    ]);
    // The address's fifth attempt is its last allowed one; from the sixth it refuses everyone, before the gate.
    const fifth = await claim("p2");
    expect(fifth?.seat).toEqual({ kind: "won", rank: 2 });
    expect(fifth?.limits.map((d) => [d.allowed, d.remaining])).toEqual([
      [true, 2],
      [true, 0],
    ]);
    const blocked = await claim("p3");
    expect(blocked?.seat).toBeUndefined();
    expect(blocked?.limits.map((d) => [d.allowed, d.remaining])).toEqual([
      [true, 2],
      [false, 0],
    ]);
    expect(await gate().count(code)).toBe(2);
    // The same counters as the library's: its next check sees all seven attempts.
    expect(await library.ip.check("a")).toMatchObject({ allowed: false, remaining: 0 });
    expect(await library.phone.check("p2")).toMatchObject({ allowed: true, remaining: 1 });
  });

  test.skipIf(Boolean(process.env.REDIS_URL))(
    "when Redis answers after the limits' timeout, they let the attempt through and the gate's late answer stands",
    async () => {
      const options = { prefix: `rl-pair:${crypto.randomUUID()}`, limit: 2, windowSeconds: HOUR, timeoutMs: 50 };
      const pair = createLimitPair(client, options, { ...options, prefix: `${options.prefix}:ip` });
      const code = `SLOW-${crypto.randomUUID()}`;
      await gate().rebuild(code, [], "1.5");
      await pair.check("warm", "up"); // loads the scripts before the pause
      await pair.checkThenClaim?.("warm", "up", { code, cap: 5, generation: "1.5" });
      const admin = new Redis(redis.url);
      try {
        await admin.call("CLIENT", "PAUSE", "300", "WRITE");
        const reply = await pair.checkThenClaim?.("slow", "a", { code, cap: 5, generation: "1.5" });
        expect(reply?.limits[0]).toMatchObject({ allowed: true, timedOut: true });
        expect(reply?.seat).toEqual({ kind: "won", rank: 2 });
      } finally {
        await admin.call("CLIENT", "UNPAUSE").catch(() => {});
        admin.disconnect();
      }
    },
  );

  test("a campaign whose gate state is missing is answered not-ready, its limits counted", async () => {
    const { pair } = limits();
    const reply = await pair.checkThenClaim?.("p1", "a", {
      code: `MISSING-${crypto.randomUUID()}`,
      cap: 1,
      generation: "1.3",
    });
    expect(reply?.seat).toEqual({ kind: "not-ready" });
    expect(reply?.limits[0]).toMatchObject({ allowed: true, remaining: 2 });
  });

  test("a coupon's claim leaves its gate keys expiring, as the gate's own claim does", async () => {
    const { pair } = limits();
    const code = `COUPON-${crypto.randomUUID()}`;
    await gate().rebuild(code, [], "1.4", 60_000);
    const reply = await pair.checkThenClaim?.("p1", "a", { code, cap: 1, generation: "1.4", ttlMs: 60_000 });
    expect(reply?.seat).toEqual({ kind: "won", rank: 1 });
    const ttl = await client.pttl(gateKeys(code).winners);
    expect(ttl > 0 && ttl <= 60_000).toBe(true);
  });
});
