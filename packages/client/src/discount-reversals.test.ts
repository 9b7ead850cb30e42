import { afterAll, beforeAll, expect, test } from "bun:test";
import { dataOf, refusalOf } from "@matchday/testkit/client";
import { type DiscountStack, startDiscountStack } from "@matchday/testkit/discount";
import { testToken } from "@matchday/testkit/http";
import { createDiscountClient, type DiscountClient } from "./discount";

let stack: DiscountStack;
let admin: DiscountClient;
let service: DiscountClient;

beforeAll(async () => {
  stack = await startDiscountStack();
  const baseUrl = stack.discount.url;
  admin = createDiscountClient({ baseUrl, token: await testToken("admin", "ops") });
  service = createDiscountClient({ baseUrl, token: await testToken("service", "bff") });
});
afterAll(() => stack?.dispose());

test("a service rolls a redeemed coupon back (200, then replayed) and it is UNUSED again", async () => {
  const { code } = dataOf(await admin.generateCoupon({ amount: 5_000 }));
  dataOf(await service.redeemCoupon({ code, phone: "09124450001" }));
  const done = await service.rollbackCoupon(code, { reason: "customer refund" }, `refund-${code}`);
  expect(done.ok && done.status).toBe(200);
  expect(dataOf(done)).toMatchObject({ kind: "rollback", status: "done", amount: 5_000, actor: "service:bff" });
  const again = await service.rollbackCoupon(code, { reason: "customer refund" }, `refund-${code}`);
  expect(again.ok && again.headers.get("idempotent-replayed")).toBe("true");
  expect(dataOf(await admin.couponStatus(code)).status).toBe("UNUSED");
});

test("an admin revokes an unused coupon; a redeem of it is 410 COUPON_REVOKED", async () => {
  const { code } = dataOf(await admin.generateCoupon());
  expect(dataOf(await admin.revokeCoupon(code, { reason: "leaked" }))).toMatchObject({ code, status: "REVOKED" });
  expect(refusalOf(await service.redeemCoupon({ code, phone: "09124450002" }))).toEqual({
    status: 410,
    code: "COUPON_REVOKED",
  });
});

test("an admin voids a gift winner; the report shows who voided it and why; a service may not", async () => {
  const { code } = dataOf(await admin.createCampaign({ name: "void", amount: 1_000, maxRedemptions: 3 }));
  dataOf(await service.redeem({ code, phone: "09124450003" }));
  expect(refusalOf(await service.voidRedemption(code, "09124450003", { reason: "x" }))).toEqual({
    status: 403,
    code: "FORBIDDEN",
  });
  expect(dataOf(await admin.voidRedemption(code, "09124450003", { reason: "duplicate account" }))).toMatchObject({
    kind: "void",
    status: "done",
    actor: "admin:ops",
  });
  const report = dataOf(await admin.report(code));
  expect(report.voided).toBe(1);
  expect(report.winners[0]?.voided).toMatchObject({ by: "admin:ops", reason: "duplicate account" });
});
