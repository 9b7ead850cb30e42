import { afterAll, beforeAll, expect, test } from "bun:test";
import { type DiscountUnderTest, startDiscountInProcess } from "@matchday/testkit/discount";
import { bearer } from "@matchday/testkit/http";
import { type RedisAndWallet, startRedisAndWallet } from "@matchday/testkit/processes";
import type { DiscountConfig } from "../../config";

const WINDOW_MS = 60_000;
const SECONDS_BEFORE_RESET = 50;
/**
 * The limiter's windows are aligned to the epoch, so its reset is the next minute boundary.
 * This clock always reads 50 s before that boundary: a reset computed from it is exactly 50,
 * one computed from Date.now() anything from 0 to 60.
 */
const clock = () => (Math.floor(Date.now() / WINDOW_MS) + 1) * WINDOW_MS - SECONDS_BEFORE_RESET * 1000;

let base: RedisAndWallet;
let admin: Record<string, string>;
let service: Record<string, string>;

beforeAll(async () => {
  base = await startRedisAndWallet();
  admin = await bearer("admin");
  service = await bearer("service");
});
afterAll(() => base?.dispose());

async function withLimits(rateLimits: DiscountConfig["rateLimits"], run: (d: DiscountUnderTest) => Promise<void>) {
  const discount = await startDiscountInProcess(
    { redisUrl: base.redis.url, walletUrl: base.wallet.url, rateLimits },
    { clock },
  );
  // Each test counts from zero, whatever an earlier one left in this Redis.
  for (const key of await discount.redis.keys("rl:*")) await discount.redis.del(key);
  try {
    await run(discount);
  } finally {
    await discount.dispose();
  }
}

async function post(discount: DiscountUnderTest, path: string, body: unknown, auth = service) {
  return fetch(`${discount.url}${path}`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function giftCode(discount: DiscountUnderTest): Promise<string> {
  const res = await post(discount, "/v1/campaigns", { name: "limits", amount: 10, maxRedemptions: 100 }, admin);
  return ((await res.json()) as { code: string }).code;
}

async function expectLimited(res: Response, limit: number) {
  expect(res.status).toBe(429);
  expect(((await res.json()) as { code: string }).code).toBe("RATE_LIMITED");
  expect({
    "retry-after": res.headers.get("retry-after"),
    "ratelimit-limit": res.headers.get("ratelimit-limit"),
    "ratelimit-remaining": res.headers.get("ratelimit-remaining"),
    "ratelimit-reset": res.headers.get("ratelimit-reset"),
  }).toEqual({
    "retry-after": String(SECONDS_BEFORE_RESET),
    "ratelimit-limit": String(limit),
    "ratelimit-remaining": "0",
    "ratelimit-reset": String(SECONDS_BEFORE_RESET),
  });
}

test("a redeem past the per-phone limit is 429 with Retry-After and the RateLimit headers of that limit", async () => {
  await withLimits({ perPhonePerMinute: 2, perIpPerMinute: 1_000, couponPerIpPerMinute: 1_000 }, async (discount) => {
    const code = await giftCode(discount);
    expect((await post(discount, "/v1/redeem", { code, phone: "09121110060" })).status).toBe(201);
    expect((await post(discount, "/v1/redeem", { code, phone: "09121110060" })).status).toBe(200);
    await expectLimited(await post(discount, "/v1/redeem", { code, phone: "09121110060" }), 2);
  });
});

test("a redeem past the per-address limit is 429 with the RateLimit headers of the address limit", async () => {
  await withLimits({ perPhonePerMinute: 1_000, perIpPerMinute: 3, couponPerIpPerMinute: 1_000 }, async (discount) => {
    const code = await giftCode(discount);
    for (const phone of ["09121110061", "09121110062", "09121110063"]) {
      expect((await post(discount, "/v1/redeem", { code, phone })).status).toBe(201);
    }
    await expectLimited(await post(discount, "/v1/redeem", { code, phone: "09121110064" }), 3);
  });
});

test("a coupon redeem refused by the per-phone limit is 429 with the RateLimit headers of that limit", async () => {
  await withLimits({ perPhonePerMinute: 1, perIpPerMinute: 1_000, couponPerIpPerMinute: 1_000 }, async (discount) => {
    const coupons: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await post(discount, "/generate-coupon", {}, admin);
      coupons.push(((await res.json()) as { code: string }).code);
    }
    expect((await post(discount, "/redeem-coupon", { code: coupons[0], phone: "09121110065" })).status).toBe(200);
    await expectLimited(await post(discount, "/redeem-coupon", { code: coupons[1], phone: "09121110065" }), 1);
  });
});

test("the coupon address limit's 429 reckons its reset by the service clock too", async () => {
  await withLimits({ perPhonePerMinute: 1_000, perIpPerMinute: 1_000, couponPerIpPerMinute: 1 }, async (discount) => {
    expect((await post(discount, "/redeem-coupon", { code: "WRONG222", phone: "09121110066" })).status).toBe(404);
    await expectLimited(await post(discount, "/redeem-coupon", { code: "WRONG223", phone: "09121110066" }), 1);
  });
});
