import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { dataOf, refusalOf } from "@matchday/testkit/client";
import { type DiscountStack, startDiscountStack } from "@matchday/testkit/discount";
import { testToken } from "@matchday/testkit/http";
import { waitFor } from "@matchday/testkit/processes";
import { createDiscountClient, type DiscountClient } from "./discount";

// Three attempts a minute per phone: low enough to hear 429 here, as a burst of retries would.
const PER_PHONE = 3;
let stack: DiscountStack;
let admin: DiscountClient;
let service: DiscountClient;
let anonymous: DiscountClient;
const userClient = async (phone: string) =>
  createDiscountClient({ baseUrl: stack.discount.url, token: await testToken("user", phone) });

beforeAll(async () => {
  stack = await startDiscountStack({
    rateLimits: { perPhonePerMinute: PER_PHONE, perIpPerMinute: 1_000_000, couponPerIpPerMinute: 1_000_000 },
  });
  const baseUrl = stack.discount.url;
  admin = createDiscountClient({ baseUrl, token: await testToken("admin", "ops") });
  service = createDiscountClient({ baseUrl, token: await testToken("service", "bff") });
  anonymous = createDiscountClient({ baseUrl });
});
afterAll(() => stack?.dispose());

const campaignOf = async (body: { maxRedemptions: number; startsAt?: string; endsAt?: string; code?: string }) =>
  dataOf(await admin.createCampaign({ name: "client test", amount: 250_000, ...body }));

describe("campaigns", () => {
  test("an admin creates a campaign (201), reads it, finds it in the list; a taken code is 409", async () => {
    const created = await admin.createCampaign({
      name: "IR-BR",
      code: "CLIENT01",
      amount: 1_000_000,
      maxRedemptions: 2,
    });
    expect(created.ok && created.status).toBe(201);
    expect(dataOf(await admin.campaign("client01"))).toMatchObject({ code: "CLIENT01", amount: 1_000_000 });
    expect(dataOf(await admin.campaigns({ limit: "100" })).items.map((c) => c.code)).toContain("CLIENT01");
    const again = await admin.createCampaign({ name: "again", code: "CLIENT01", amount: 1, maxRedemptions: 1 });
    expect(refusalOf(again)).toEqual({ status: 409, code: "CAMPAIGN_CODE_TAKEN" });
  });

  test("a bad field is 422 VALIDATION_FAILED: an end before the start, a page size of 0", async () => {
    const backwards = { startsAt: "2030-01-02T00:00:00Z", endsAt: "2030-01-01T00:00:00Z" };
    expect(refusalOf(await admin.createCampaign({ name: "x", amount: 1, maxRedemptions: 1, ...backwards }))).toEqual({
      status: 422,
      code: "VALIDATION_FAILED",
    });
    expect(refusalOf(await admin.campaigns({ limit: "0" }))).toEqual({ status: 422, code: "VALIDATION_FAILED" });
  });

  test("campaigns are admin-only: 401 UNAUTHENTICATED without a token, 403 FORBIDDEN for a service", async () => {
    expect(refusalOf(await anonymous.campaigns())).toEqual({ status: 401, code: "UNAUTHENTICATED" });
    expect(refusalOf(await service.createCampaign({ name: "x", amount: 1, maxRedemptions: 1 }))).toEqual({
      status: 403,
      code: "FORBIDDEN",
    });
    expect(refusalOf(await service.report("CLIENT01"))).toEqual({ status: 403, code: "FORBIDDEN" });
  });

  test("an unknown code is 404 CAMPAIGN_NOT_FOUND for the campaign, its report and its events", async () => {
    for (const result of [
      await admin.campaign("NOPE9999"),
      await admin.report("NOPE9999"),
      await admin.events("NOPE9999"),
    ]) {
      expect(refusalOf(result)).toEqual({ status: 404, code: "CAMPAIGN_NOT_FOUND" });
    }
  });
});

describe("redeem", () => {
  test("a user wins (201, credited), hears the same result again (200), and the report lists them", async () => {
    const { code } = await campaignOf({ maxRedemptions: 5 });
    const user = await userClient("09123330001");
    const won = await user.redeem({ code });
    expect(won.ok && won.status).toBe(201);
    expect(dataOf(won)).toMatchObject({ status: "credited", rank: 1, amount: 250_000, phone: "+989123330001" });
    const again = await user.redeem({ code: code.toLowerCase() });
    expect([again.ok && again.status, dataOf(again).rank]).toEqual([200, 1]);

    // The wallet's answer is noted after the winner hears it: within moments.
    await waitFor("the win noted credited", async () => dataOf(await admin.report(code)).credited === 1, 2_000);
    const report = dataOf(await admin.report(code, { limit: "10" }));
    expect(report).toMatchObject({ code, redeemed: 1, credited: 1, winners: [{ rank: 1, phone: "+989123330001" }] });
    expect(dataOf(await admin.reportCsv(code))).toContain("+989123330001");
  });

  test("a service redeems for the phone in the body; without one it is 422 VALIDATION_FAILED, a bad one INVALID_PHONE", async () => {
    const { code } = await campaignOf({ maxRedemptions: 5 });
    expect(dataOf(await service.redeem({ code, phone: "09123330002" })).rank).toBe(1);
    expect(refusalOf(await service.redeem({ code }))).toEqual({ status: 422, code: "VALIDATION_FAILED" });
    expect(refusalOf(await service.redeem({ code, phone: "12" }))).toEqual({ status: 422, code: "INVALID_PHONE" });
  });

  test("after the last prize everyone hears 409 CAMPAIGN_EXHAUSTED", async () => {
    const { code } = await campaignOf({ maxRedemptions: 1 });
    expect(dataOf(await service.redeem({ code, phone: "09123330003" })).rank).toBe(1);
    expect(refusalOf(await service.redeem({ code, phone: "09123330004" }))).toEqual({
      status: 409,
      code: "CAMPAIGN_EXHAUSTED",
    });
  });

  test("a code no campaign has is 404 CODE_NOT_FOUND; no token at all is 401 UNAUTHENTICATED", async () => {
    expect(refusalOf(await service.redeem({ code: "NOSUCHCODE", phone: "09123330005" }))).toEqual({
      status: 404,
      code: "CODE_NOT_FOUND",
    });
    expect(refusalOf(await anonymous.redeem({ code: "NOSUCHCODE" }))).toEqual({ status: 401, code: "UNAUTHENTICATED" });
  });

  test("before its start a campaign is 403 CAMPAIGN_NOT_STARTED, after its end 410 CAMPAIGN_ENDED", async () => {
    const later = await campaignOf({ maxRedemptions: 5, startsAt: "2099-01-01T00:00:00Z" });
    const over = await campaignOf({
      maxRedemptions: 5,
      startsAt: "2020-01-01T00:00:00Z",
      endsAt: "2020-01-02T00:00:00Z",
    });
    const user = await userClient("09123330006");
    expect(refusalOf(await user.redeem({ code: later.code }))).toEqual({ status: 403, code: "CAMPAIGN_NOT_STARTED" });
    expect(refusalOf(await user.redeem({ code: over.code }))).toEqual({ status: 410, code: "CAMPAIGN_ENDED" });
  });

  test("a user token naming another phone is 403 FORBIDDEN", async () => {
    const { code } = await campaignOf({ maxRedemptions: 5 });
    const user = await userClient("09123330007");
    expect(refusalOf(await user.redeem({ code, phone: "09123330008" }))).toEqual({ status: 403, code: "FORBIDDEN" });
  });

  test("past the per-phone limit a redeem is 429 RATE_LIMITED with Retry-After", async () => {
    const { code } = await campaignOf({ maxRedemptions: 5 });
    const user = await userClient("09123330009");
    for (let i = 0; i < PER_PHONE; i++) expect((await user.redeem({ code })).ok).toBe(true);
    const limited = await user.redeem({ code });
    expect(refusalOf(limited)).toEqual({ status: 429, code: "RATE_LIMITED" });
    expect(limited.ok ? 0 : limited.error.retryAfterSeconds).toBeGreaterThan(0);
  });
});

describe("events", () => {
  test("the live stream yields each winner as a parsed event until the caller stops it", async () => {
    const { code } = await campaignOf({ maxRedemptions: 2 });
    await service.redeem({ code, phone: "09123330010" });
    const stop = new AbortController();
    const stream = dataOf(await admin.events(code, {}, { signal: stop.signal }));
    const first = await stream.next();
    stop.abort();
    expect(first.value).toMatchObject({ event: "winner", id: 1, data: { rank: 1, phone: "+989123330010" } });
  });
});
