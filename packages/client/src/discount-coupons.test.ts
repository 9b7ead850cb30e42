import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { dataOf, refusalOf } from "@matchday/testkit/client";
import { type DiscountStack, startDiscountStack } from "@matchday/testkit/discount";
import { testToken } from "@matchday/testkit/http";
import { createDiscountClient, type DiscountClient } from "./discount";

// Coupon attempts count per client address, and every call here comes from one: the limit is
// set so that the tests before the last stay under it and the last can cross it.
const COUPON_ATTEMPTS_PER_MINUTE = 12;
let stack: DiscountStack;
let admin: DiscountClient;
let service: DiscountClient;
let user: DiscountClient;

beforeAll(async () => {
  stack = await startDiscountStack({
    rateLimits: {
      perPhonePerMinute: 1_000,
      perIpPerMinute: 1_000_000,
      couponPerIpPerMinute: COUPON_ATTEMPTS_PER_MINUTE,
    },
  });
  const baseUrl = stack.discount.url;
  admin = createDiscountClient({ baseUrl, token: await testToken("admin", "ops") });
  service = createDiscountClient({ baseUrl, token: await testToken("service", "bff") });
  user = createDiscountClient({ baseUrl, token: await testToken("user", "09124440001") });
});
afterAll(() => stack?.dispose());

describe("single coupons", () => {
  test("an admin generates a coupon (201); it is UNUSED, then redeemed once (200), then USED", async () => {
    const generated = await admin.generateCoupon({ amount: 200_000 });
    expect(generated.ok && generated.status).toBe(201);
    const { code } = dataOf(generated);
    expect(dataOf(await admin.couponStatus(code)).status).toBe("UNUSED");

    const redeemed = dataOf(await user.redeemCoupon({ code: `${code.slice(0, 4)}-${code.slice(4).toLowerCase()}` }));
    expect(redeemed).toMatchObject({ message: "Coupon redeemed successfully", code, amount: 200_000 });
    expect(dataOf(await user.redeemCoupon({ code })).code).toBe(code); // the same phone: the same answer
    expect(dataOf(await admin.couponStatus(code)).status).toBe("USED");

    expect(refusalOf(await service.redeemCoupon({ code, phone: "09124440002" }))).toEqual({
      status: 409,
      code: "COUPON_ALREADY_USED",
    });
  });

  test("an unknown coupon is 404 COUPON_NOT_FOUND, and its status NOT_FOUND", async () => {
    expect(refusalOf(await user.redeemCoupon({ code: "ZZZZZZZZ" }))).toEqual({ status: 404, code: "COUPON_NOT_FOUND" });
    expect(dataOf(await admin.couponStatus("ZZZZZZZZ")).status).toBe("NOT_FOUND");
  });

  test("a coupon past its expiry is 410 COUPON_EXPIRED; an expiry in the past is 422 VALIDATION_FAILED", async () => {
    const { code } = dataOf(await admin.generateCoupon({ expiresAt: new Date(Date.now() + 300).toISOString() }));
    await Bun.sleep(400);
    expect(refusalOf(await user.redeemCoupon({ code }))).toEqual({ status: 410, code: "COUPON_EXPIRED" });
    expect(refusalOf(await admin.generateCoupon({ expiresAt: "2020-01-01T00:00:00Z" }))).toEqual({
      status: 422,
      code: "VALIDATION_FAILED",
    });
  });

  test("generating coupons is admin-only: 403 FORBIDDEN for users and services, who may read a status", async () => {
    expect(refusalOf(await user.generateCoupon())).toEqual({ status: 403, code: "FORBIDDEN" });
    expect(dataOf(await service.couponStatus("ABCDEFGH")).status).toBe("NOT_FOUND");
    expect(refusalOf(await user.createCouponBatch({ count: 1 }))).toEqual({ status: 403, code: "FORBIDDEN" });
  });

  test("a coupon bound to a phone: another phone is told it does not exist, on redeem and status; its owner redeems it", async () => {
    const stranger = createDiscountClient({
      baseUrl: stack.discount.url,
      token: await testToken("user", "09124440009"),
    });
    const { code, phone } = dataOf(await admin.generateCoupon({ phone: "09124440001", metadata: { tier: "gold" } }));
    expect(phone).toBe("+989124440001");
    expect(refusalOf(await service.redeemCoupon({ code, phone: "09124440009" }))).toEqual({
      status: 404,
      code: "COUPON_NOT_FOUND",
    });
    expect(dataOf(await stranger.couponStatus(code))).toEqual({ code, status: "NOT_FOUND" });
    expect(dataOf(await user.redeemCoupon({ code }))).toMatchObject({ code, phone: "+989124440001" });
    expect(dataOf(await service.couponStatus(code))).toMatchObject({ status: "USED", metadata: { tier: "gold" } });
  });
});

describe("batches", () => {
  test("an admin makes a batch (201) and reads it, its codes by page and as CSV", async () => {
    const created = await admin.createCouponBatch({ count: 3, amount: 10_000, name: "newsletter" });
    expect(created.ok && created.status).toBe(201);
    const { id } = dataOf(created);
    expect(dataOf(await admin.couponBatch(id))).toMatchObject({ id, name: "newsletter", count: 3 });
    const page = dataOf(await admin.batchCoupons(id, { limit: "2" }));
    expect(page.items).toHaveLength(2);
    const rest = dataOf(await admin.batchCoupons(id, { limit: "2", cursor: page.nextCursor ?? "" }));
    expect([rest.items.length, rest.nextCursor]).toEqual([1, null]);
    const csv = dataOf(await admin.batchCouponsCsv(id));
    for (const { code } of [...page.items, ...rest.items]) expect(csv).toContain(code);
  });

  test("a batch bound to phones takes a code pattern; one that would use up its pattern is 422 CODE_SPACE_TOO_SMALL", async () => {
    const { id, count, pattern } = dataOf(
      await admin.createCouponBatch({
        phones: ["09124440001", "09124440003"],
        pattern: "MD-####-####",
        metadata: { a: 1 },
      }),
    );
    expect([count, pattern]).toEqual([2, "MD-####-####"]);
    const { items } = dataOf(await admin.batchCoupons(id));
    expect(items.map((c) => c.phone)).toEqual(["+989124440001", "+989124440003"]);
    expect(items[0]?.code).toMatch(/^MD-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const tooMany = await admin.createCouponBatch({ count: 1_024, pattern: "MD##" });
    expect(refusalOf(tooMany)).toEqual({ status: 422, code: "CODE_SPACE_TOO_SMALL" });
    expect(refusalOf(await admin.createCouponBatch({ count: 1, alphabet: "ABC" }))).toEqual({
      status: 422,
      code: "INVALID_CODE_ALPHABET",
    });
  });

  test("an unknown batch is 404 BATCH_NOT_FOUND; a count of 0 is 422 VALIDATION_FAILED", async () => {
    expect(refusalOf(await admin.couponBatch(999_999))).toEqual({ status: 404, code: "BATCH_NOT_FOUND" });
    expect(refusalOf(await admin.batchCoupons(999_999))).toEqual({ status: 404, code: "BATCH_NOT_FOUND" });
    expect(refusalOf(await admin.createCouponBatch({ count: 0 }))).toEqual({ status: 422, code: "VALIDATION_FAILED" });
  });
});

test("past the per-address limit a coupon attempt is 429 RATE_LIMITED with Retry-After (last: it uses up the limit)", async () => {
  let result = await user.redeemCoupon({ code: "ZZZZZZZZ" });
  for (let i = 0; i < COUPON_ATTEMPTS_PER_MINUTE && result.ok === false && result.error.status !== 429; i++) {
    result = await user.redeemCoupon({ code: "ZZZZZZZZ" });
  }
  expect(refusalOf(result)).toEqual({ status: 429, code: "RATE_LIMITED" });
  expect(result.ok ? 0 : result.error.retryAfterSeconds).toBeGreaterThan(0);
});
