import { afterAll, beforeAll, expect, test } from "bun:test";
import { dataOf, refusalOf } from "@matchday/testkit/client";
import { type DiscountUnderTest, startDiscountWithoutWallet } from "@matchday/testkit/discount";
import { testToken } from "@matchday/testkit/http";
import { createDiscountClient, type DiscountClient } from "./discount";

let discount: DiscountUnderTest;
let admin: DiscountClient;
let service: DiscountClient;

beforeAll(async () => {
  discount = await startDiscountWithoutWallet();
  admin = createDiscountClient({ baseUrl: discount.url, token: await testToken("admin", "ops") });
  service = createDiscountClient({ baseUrl: discount.url, token: await testToken("service", "bff") });
});
afterAll(() => discount?.dispose());

test("an admin registers an endpoint (201, secret once), lists it and its deliveries, and removes it (204)", async () => {
  const created = await admin.createWebhook({ url: "https://example.com/hooks", events: ["campaign.sold_out"] });
  expect(created.ok && created.status).toBe(201);
  const { id, secret } = dataOf(created);
  expect(secret).toStartWith("whsec_");
  const listed = dataOf(await admin.webhooks()).items;
  expect(listed).toEqual([expect.objectContaining({ id, url: "https://example.com/hooks", enabled: true })]);
  expect(listed[0]).not.toHaveProperty("secret");
  expect(dataOf(await admin.webhookDeliveries(id, { limit: "10" }))).toEqual({ items: [], nextCursor: null });

  const removed = await admin.deleteWebhook(id);
  expect(removed.ok && removed.status).toBe(204);
  expect(refusalOf(await admin.webhookDeliveries(id))).toEqual({ status: 404, code: "WEBHOOK_NOT_FOUND" });
});

test("an unknown event type is 422 VALIDATION_FAILED, a URL the service may not call 422 WEBHOOK_URL_REFUSED", async () => {
  const unknown = { url: "https://example.com/hooks", events: ["redemption.lost"] } as never;
  expect(refusalOf(await admin.createWebhook(unknown))).toEqual({ status: 422, code: "VALIDATION_FAILED" });
  expect(refusalOf(await admin.createWebhook({ url: "ftp://example.com/", events: ["credit.failed"] }))).toEqual({
    status: 422,
    code: "WEBHOOK_URL_REFUSED",
  });
});

test("webhooks are admin-only: 403 FORBIDDEN for a service", async () => {
  expect(refusalOf(await service.webhooks())).toEqual({ status: 403, code: "FORBIDDEN" });
});
