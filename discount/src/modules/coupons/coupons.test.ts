import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  type DiscountStack,
  type DiscountUnderTest,
  recordStatements,
  startDiscountInProcess,
  startDiscountStack,
} from "@matchday/testkit/discount";
import { bearer } from "@matchday/testkit/http";
import { type RedisHandle, startRedis } from "@matchday/testkit/redis";

let stack: DiscountStack;
let discount: DiscountUnderTest;
let admin: Record<string, string>;
let service: Record<string, string>;

beforeAll(async () => {
  stack = await startDiscountStack();
  ({ discount } = stack);
  admin = await bearer("admin");
  service = await bearer("service");
});
afterAll(() => stack?.dispose());

const json = (headers: Record<string, string>) => ({ ...headers, "content-type": "application/json" });

async function generate(body: Record<string, unknown> = {}, url = discount.url) {
  const res = await fetch(`${url}/generate-coupon`, {
    method: "POST",
    headers: json(admin),
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { code: string; amount: number; expiresAt: string | null } };
}

async function redeemCoupon(body: Record<string, unknown>, url = discount.url, auth = service) {
  const res = await fetch(`${url}/redeem-coupon`, { method: "POST", headers: json(auth), body: JSON.stringify(body) });
  return { res, body: (await res.json()) as Record<string, unknown> };
}

async function status(code: string, url = discount.url) {
  const res = await fetch(`${url}/coupon-status?code=${encodeURIComponent(code)}`, { headers: admin });
  return (await res.json()) as Record<string, unknown>;
}

/** The wallet ledger's entries for one coupon's idempotency key prefix. */
async function creditsFor(code: string) {
  const res = await fetch(`${stack.wallet.url}/metrics`, { headers: service });
  expect(res.status).toBe(200);
  const { rows } = await discount.store.client.execute({
    sql: "SELECT o.status FROM outbox o WHERE o.idempotency_key LIKE ?",
    args: [`gift:${code}:%`],
  });
  return rows;
}

async function balanceOf(phone: string): Promise<number> {
  const res = await fetch(`${stack.wallet.url}/v1/wallets/${phone}`, { headers: service });
  return ((await res.json()) as { balance: number }).balance;
}

describe("generate", () => {
  test("an admin generates an 8-character coupon with the default amount and expiry, or the ones asked for", async () => {
    const plain = await generate();
    expect(plain.status).toBe(201);
    expect(plain.body.code).toMatch(/^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{8}$/);
    expect(plain.body.amount).toBe(50_000);
    const days = (Date.parse(plain.body.expiresAt as string) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);

    const custom = await generate({ amount: 250_000, expiresAt: "2099-01-01T00:00:00Z" });
    expect(custom.body).toMatchObject({ amount: 250_000, expiresAt: "2099-01-01T00:00:00.000Z" });
    expect(await status(custom.body.code)).toEqual({
      code: custom.body.code,
      status: "UNUSED",
      expiresAt: "2099-01-01T00:00:00.000Z",
      phone: null,
      metadata: null,
    });
  });
});

describe("redeem", () => {
  test("a coupon credits the wallet once; the same phone again hears the same success; typed loosely it still matches", async () => {
    const { body: coupon } = await generate({ amount: 70_000 });
    const loose = ` ${coupon.code.slice(0, 4).toLowerCase()}-${coupon.code.slice(4)} `;
    const first = await redeemCoupon({ code: loose, phone: "09125550001" });
    expect(first.res.status).toBe(200);
    expect(first.body).toMatchObject({
      message: "Coupon redeemed successfully",
      code: coupon.code,
      phone: "+989125550001",
      amount: 70_000,
      status: "credited",
    });
    const again = await redeemCoupon({ code: coupon.code, phone: "۰۹۱۲۵۵۵۰۰۰۱" });
    expect(again.res.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(await balanceOf("09125550001")).toBe(70_000);

    const used = await status(coupon.code.toLowerCase());
    expect(used).toMatchObject({ code: coupon.code, status: "USED", redeemedAt: first.body.redeemedAt });
  });

  test("100 phones redeeming one coupon at once: exactly one wins and is credited once, the rest hear COUPON_ALREADY_USED", async () => {
    const { body: coupon } = await generate({ amount: 30_000 });
    const phones = Array.from({ length: 100 }, (_, i) => `0912666${String(i).padStart(4, "0")}`);
    const answers = await Promise.all(phones.map((phone) => redeemCoupon({ code: coupon.code, phone })));
    const won = answers.filter((a) => a.res.status === 200);
    expect(won).toHaveLength(1);
    const lost = answers.filter((a) => a.res.status === 409);
    expect(lost).toHaveLength(99);
    expect(new Set(lost.map((a) => a.body.code))).toEqual(new Set(["COUPON_ALREADY_USED"]));

    const winner = won[0]?.body.phone as string;
    const balances = await Promise.all(phones.map(balanceOf));
    expect(balances.filter((b) => b > 0)).toEqual([30_000]);
    expect(await balanceOf(winner)).toBe(30_000);
    expect(await creditsFor(coupon.code)).toHaveLength(1);
  });

  test("an unverified caller hears the same answer for a used coupon's owner as for anyone else", async () => {
    const { code } = (await generate()).body;
    expect((await redeemCoupon({ code, phone: "09121110001" })).res.status).toBe(200);
    const garbage = { authorization: "Bearer x" };
    const owner = await redeemCoupon({ code, phone: "09121110001" }, discount.url, garbage);
    const other = await redeemCoupon({ code, phone: "09121110002" }, discount.url, garbage);
    expect([owner.res.status, owner.body.code]).toEqual([401, "INVALID_TOKEN"]);
    expect([other.res.status, other.body.code]).toEqual([owner.res.status, owner.body.code]);
  });

  test("a forged token's made-up coupons are refused before any is looked up, at no DB read", async () => {
    const statements = recordStatements(discount.store);
    try {
      for (let i = 0; i < 20; i++) {
        const forged = { authorization: "Bearer abc.def.ghi" };
        const { body } = await redeemCoupon({ code: `ZZZZ${2000 + i}`, phone: "09125550003" }, discount.url, forged);
        expect(body.code).toBe("INVALID_TOKEN");
      }
      // Background loops read the DB meanwhile; a code's lookup is the one statement that must not run.
      expect(statements.sql.filter((sql) => sql.includes('"campaigns"."code" = ?'))).toEqual([]);
    } finally {
      statements.stop();
    }
  });

  test("an unknown, expired or gift-campaign code is refused as a coupon, and a coupon is no gift code", async () => {
    expect((await redeemCoupon({ code: "ZZZZ2222", phone: "09125550002" })).body.code).toBe("COUPON_NOT_FOUND");

    const { body: soon } = await generate({ expiresAt: new Date(Date.now() + 800).toISOString() });
    await Bun.sleep(900);
    const late = await redeemCoupon({ code: soon.code, phone: "09125550002" });
    expect([late.res.status, late.body.code]).toEqual([410, "COUPON_EXPIRED"]);
    expect((await status(soon.code)).status).toBe("UNUSED");

    const gift = await fetch(`${discount.url}/v1/campaigns`, {
      method: "POST",
      headers: json(admin),
      body: JSON.stringify({ name: "gift", amount: 1, maxRedemptions: 5 }),
    });
    const giftCode = ((await gift.json()) as { code: string }).code;
    expect((await redeemCoupon({ code: giftCode, phone: "09125550002" })).res.status).toBe(404);
    expect((await status(giftCode)).status).toBe("NOT_FOUND");

    const { body: coupon } = await generate();
    const asGift = await fetch(`${discount.url}/v1/redeem`, {
      method: "POST",
      headers: json(service),
      body: JSON.stringify({ code: coupon.code, phone: "09125550002" }),
    });
    expect(asGift.status).toBe(404);
    expect((await status(coupon.code)).status).toBe("UNUSED");
  });
});

describe("abuse", () => {
  // Its own Redis: the limiter counts every attempt from 127.0.0.1, including the other tests'.
  let redis: RedisHandle;
  let strict: DiscountUnderTest;
  beforeAll(async () => {
    redis = await startRedis();
    strict = await startDiscountInProcess({
      redisUrl: redis.url,
      walletUrl: stack.wallet.url,
      rateLimits: { perPhonePerMinute: 1_000, perIpPerMinute: 1_000, couponPerIpPerMinute: 5 },
    });
    // With REDIS_URL the server is shared: start this address's count from zero.
    for (const key of await strict.redis.keys("rl:coupon:ip*")) await strict.redis.del(key);
  });
  afterAll(async () => {
    await strict?.dispose();
    await redis?.dispose();
  });

  test("the 6th attempt from one address within a minute is 429 with Retry-After and RateLimit headers, and takes nothing", async () => {
    const { body: coupon } = await generate({}, strict.url);
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) {
      const attempt = await redeemCoupon({ code: `WRONG${i}22`, phone: "09125550003" }, strict.url);
      expect(attempt.res.status).toBe(404);
      remaining.push(attempt.res.headers.get("ratelimit-remaining") as string);
    }
    expect(remaining).toEqual(["4", "3", "2", "1", "0"]);

    const sixth = await redeemCoupon({ code: coupon.code, phone: "09125550003" }, strict.url);
    expect(sixth.res.status).toBe(429);
    expect(sixth.body.code).toBe("RATE_LIMITED");
    expect(Number(sixth.res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(sixth.res.headers.get("ratelimit-limit")).toBe("5");
    expect(sixth.res.headers.get("ratelimit-remaining")).toBe("0");
    expect((await status(coupon.code, strict.url)).status).toBe("UNUSED");
    expect(await balanceOf("09125550003")).toBe(0);

    const metrics = await (await fetch(`${strict.url}/metrics`, { headers: admin })).text();
    expect(metrics).toContain("discount_coupons_rate_limited_total 1");
    expect(metrics).toContain('discount_coupons_redeemed_total{outcome="not-found"} 5');
    expect(metrics).toContain("discount_coupons_generated_total 1");
    expect(metrics).not.toContain(coupon.code);
  });

  test("the limit's state lives in Redis, so a second instance counts the same address, and its keys expire", async () => {
    const other = await startDiscountInProcess({
      redisUrl: redis.url,
      walletUrl: stack.wallet.url,
      rateLimits: { perPhonePerMinute: 1_000, perIpPerMinute: 1_000, couponPerIpPerMinute: 5 },
    });
    try {
      const blocked = await redeemCoupon({ code: "ANYCODE2", phone: "09125550004" }, other.url);
      expect(blocked.res.status).toBe(429);
      const keys = await other.redis.keys("rl:coupon:ip*");
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) expect(await other.redis.pttl(key)).toBeGreaterThan(0);
    } finally {
      await other.dispose();
    }
  });

  test("behind one trusted proxy, guesses with a spoofed X-Forwarded-For prefix still count against the address the proxy saw", async () => {
    const proxied = await startDiscountInProcess({
      redisUrl: redis.url,
      walletUrl: stack.wallet.url,
      trustProxy: { hops: 1 },
      rateLimits: { perPhonePerMinute: 1_000, perIpPerMinute: 1_000, couponPerIpPerMinute: 5 },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`${proxied.url}/redeem-coupon`, {
          method: "POST",
          // The client wrote the first entry; the proxy (this test's socket) appended the address it saw.
          headers: { ...json(service), "x-forwarded-for": `203.0.113.${i}, 198.51.100.7` },
          body: JSON.stringify({ code: `GUESS${i}22`, phone: "09125550005" }),
        });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([404, 404, 404, 404, 404, 429]);
      expect(await proxied.redis.keys("rl:coupon:ip*203.0.113.*")).toEqual([]);
    } finally {
      await proxied.dispose();
    }
  });
});

describe("bad input", () => {
  test("every bad request is a documented 4xx problem and creates or uses nothing", async () => {
    const { body: coupon } = await generate();
    const before = await discount.store.client.execute("SELECT COUNT(*) AS n FROM campaigns");
    const cases: [string, string, unknown, number, string][] = [
      ["POST", "/generate-coupon", { amount: 0 }, 422, "VALIDATION_FAILED"],
      ["POST", "/generate-coupon", { amount: 1.5 }, 422, "VALIDATION_FAILED"],
      ["POST", "/generate-coupon", { amount: "100" }, 422, "VALIDATION_FAILED"],
      ["POST", "/generate-coupon", { amount: 1e13 }, 422, "VALIDATION_FAILED"],
      ["POST", "/generate-coupon", { expiresAt: "2001-01-01T00:00:00Z" }, 422, "VALIDATION_FAILED"],
      ["POST", "/generate-coupon", { expiresAt: "tomorrow" }, 422, "VALIDATION_FAILED"],
      ["POST", "/generate-coupon", { code: "MINE" }, 422, "VALIDATION_FAILED"],
      ["POST", "/redeem-coupon", { phone: "09125550005" }, 422, "VALIDATION_FAILED"],
      ["POST", "/redeem-coupon", { code: "X".repeat(65), phone: "09125550005" }, 422, "VALIDATION_FAILED"],
      ["POST", "/redeem-coupon", { code: coupon.code, phone: "12345" }, 422, "INVALID_PHONE"],
      ["POST", "/redeem-coupon", { code: coupon.code }, 422, "VALIDATION_FAILED"],
      ["POST", "/redeem-coupon", "{not json", 400, "MALFORMED_JSON"],
      ["POST", "/v1/coupon-batches", { count: 0 }, 422, "VALIDATION_FAILED"],
      ["POST", "/v1/coupon-batches", { count: 1_000_001 }, 422, "VALIDATION_FAILED"],
      ["GET", "/coupon-status", undefined, 422, "VALIDATION_FAILED"],
      ["GET", "/v1/coupon-batches/0", undefined, 422, "VALIDATION_FAILED"],
      ["GET", "/v1/coupon-batches/999999", undefined, 404, "BATCH_NOT_FOUND"],
    ];
    for (const [method, path, body, expected, code] of cases) {
      const init: RequestInit = { method, headers: json(admin) };
      if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
      const res = await fetch(`${discount.url}${path}`, init);
      const problem = (await res.json()) as { code: string };
      expect([path, JSON.stringify(body), res.status, problem.code]).toEqual([
        path,
        JSON.stringify(body),
        expected,
        code,
      ]);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
    const after = await discount.store.client.execute("SELECT COUNT(*) AS n FROM campaigns");
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
    expect((await status(coupon.code)).status).toBe("UNUSED");
  });
});

describe("batches", () => {
  async function createBatch(count: number) {
    const res = await fetch(`${discount.url}/v1/coupon-batches`, {
      method: "POST",
      headers: json(admin),
      body: JSON.stringify({ name: "newsletter", count, amount: 20_000 }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: number; count: number; amount: number };
  }

  async function allCodes(id: number): Promise<string[]> {
    const codes: string[] = [];
    let cursor: string | null = "";
    while (cursor !== null) {
      const res = await fetch(
        `${discount.url}/v1/coupon-batches/${id}/coupons?limit=1000${cursor ? `&cursor=${cursor}` : ""}`,
        {
          headers: admin,
        },
      );
      const page = (await res.json()) as { items: { code: string }[]; nextCursor: string | null };
      codes.push(...page.items.map((c) => c.code));
      cursor = page.nextCursor;
    }
    return codes;
  }

  test("two bulk jobs at once each get exactly their count, no code twice, readable by page and as CSV", async () => {
    const [a, b] = await Promise.all([createBatch(12_345), createBatch(23_456)]);
    expect([a.count, b.count]).toEqual([12_345, 23_456]);
    const [codesA, codesB] = await Promise.all([allCodes(a.id), allCodes(b.id)]);
    expect([codesA.length, codesB.length]).toEqual([12_345, 23_456]);
    expect(new Set([...codesA, ...codesB]).size).toBe(12_345 + 23_456);

    const csv = await fetch(`${discount.url}/v1/coupon-batches/${a.id}/coupons?format=csv`, { headers: admin });
    expect(csv.headers.get("content-type")).toStartWith("text/csv");
    const lines = (await csv.text()).trimEnd().split("\r\n");
    expect(lines[0]).toBe("code,used,phone,metadata");
    expect(lines.slice(1)).toEqual(codesA.map((code) => `${code},false,,`));

    const some = codesB[100] as string;
    expect((await redeemCoupon({ code: some, phone: "09125550006" })).body.amount).toBe(20_000);
    const page = await fetch(`${discount.url}/v1/coupon-batches/${b.id}/coupons?limit=101`, { headers: admin });
    const items = ((await page.json()) as { items: { code: string; used: boolean }[] }).items;
    expect(items.filter((c) => c.used).map((c) => c.code)).toEqual([some]);
  });
});
