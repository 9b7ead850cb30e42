import { afterAll, beforeAll, expect, test } from "bun:test";
import { type DiscountUnderTest, startDiscountInProcess } from "@matchday/testkit/discount";
import { type RedisHandle, startRedis } from "@matchday/testkit/redis";
import { startWalletInProcess, type WalletUnderTest } from "@matchday/testkit/wallet";
import { createDiscountClient, type DiscountClient } from "./discount";
import { createWalletClient, type WalletClient } from "./wallet";

/**
 * One call of every client function. Typed by the clients' own keys, so a new function does not
 * compile until it is called here; the test then checks that together they reach every API route.
 */
const WALLET_CALLS: Record<keyof WalletClient, (client: WalletClient) => Promise<unknown>> = {
  balance: (c) => c.balance("09121234567"),
  transactions: (c) => c.transactions("09121234567"),
  credit: (c) => c.credit("09121234567", { amount: 1 }, "key"),
  debit: (c) => c.debit("09121234567", { amount: 1 }, "key"),
  creditMany: (c) => c.creditMany([{ phone: "09121234567", amount: 1, idempotencyKey: "key" }]),
};
const DISCOUNT_CALLS: Record<keyof DiscountClient, (client: DiscountClient) => Promise<unknown>> = {
  redeem: (c) => c.redeem({ code: "CODE" }),
  createCampaign: (c) => c.createCampaign({ name: "n", amount: 1, maxRedemptions: 1 }),
  campaigns: (c) => c.campaigns(),
  campaign: (c) => c.campaign("CODE"),
  report: (c) => c.report("CODE"),
  reportCsv: (c) => c.reportCsv("CODE"),
  events: (c) => c.events("CODE"),
  generateCoupon: (c) => c.generateCoupon(),
  redeemCoupon: (c) => c.redeemCoupon({ code: "CODE" }),
  couponStatus: (c) => c.couponStatus("CODE"),
  createCouponBatch: (c) => c.createCouponBatch({ count: 1 }),
  couponBatch: (c) => c.couponBatch(1),
  batchCoupons: (c) => c.batchCoupons(1),
  batchCouponsCsv: (c) => c.batchCouponsCsv(1),
  createWebhook: (c) => c.createWebhook({ url: "https://example.com/hook", events: ["redemption.won"] }),
  webhooks: (c) => c.webhooks(),
  deleteWebhook: (c) => c.deleteWebhook(1),
  webhookDeliveries: (c) => c.webhookDeliveries(1),
  rollbackCoupon: (c) => c.rollbackCoupon("CODE", { reason: "r" }, "key"),
  revokeCoupon: (c) => c.revokeCoupon("CODE"),
  voidRedemption: (c) => c.voidRedemption("CODE", "09121234567", { reason: "r" }),
};

/** Served by each app but not its API: probes, metrics, the docs and the admin page's files. */
const NOT_API = /^GET \/(health|ready|metrics|docs|admin)\b/;

let redis: RedisHandle;
let wallet: WalletUnderTest;
let discount: DiscountUnderTest;
const sent: string[] = [];
// Stands in for both services and notes each request the clients make.
const recorder = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(request) {
    sent.push(`${request.method} ${new URL(request.url).pathname}`);
    return Response.json({});
  },
});

beforeAll(async () => {
  [redis, wallet] = await Promise.all([startRedis(), startWalletInProcess()]);
  discount = await startDiscountInProcess({ redisUrl: redis.url, walletUrl: wallet.url });
});
afterAll(async () => {
  recorder.stop(true);
  await Promise.all([discount?.dispose(), wallet?.dispose()]);
  await redis?.dispose();
});

/** The app's API routes as patterns, spelled as app.routes spells them (collections keep a trailing slash). */
function apiRoutes(app: { routes: { method: string; path: string }[] }) {
  return app.routes
    .map((r) => `${r.method} ${r.path}`)
    .filter((route) => !NOT_API.test(route))
    .map((route) => ({ route, pattern: new RegExp(`^${route.replace(/\/?$/, "").replaceAll(/:\w+/g, "[^/]+")}/?$`) }));
}

async function reached<C>(client: C, calls: Record<string, (client: C) => Promise<unknown>>) {
  sent.length = 0;
  for (const call of Object.values(calls)) await call(client);
  return [...sent];
}

test.each([
  ["wallet", () => wallet.app, () => reached(createWalletClient({ baseUrl: recorder.url.origin }), WALLET_CALLS)],
  [
    "discount",
    () => discount.app,
    () => reached(createDiscountClient({ baseUrl: recorder.url.origin }), DISCOUNT_CALLS),
  ],
] as const)("every API route of the %s app is reached through its client, and nothing else", async (_, app, calls) => {
  const routes = apiRoutes(app());
  const requests = await calls();
  expect(routes.filter(({ pattern }) => !requests.some((r) => pattern.test(r))).map((r) => r.route)).toEqual([]);
  expect(requests.filter((r) => !routes.some(({ pattern }) => pattern.test(r)))).toEqual([]);
  expect(routes.length).toBeGreaterThan(3); // the filter left the API in
});
