import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  type DiscountStack,
  type DiscountUnderTest,
  recordStatements,
  startDiscountInProcess,
  startDiscountStack,
} from "@matchday/testkit/discount";
import { bearer } from "@matchday/testkit/http";
import type { ServiceProcess } from "@matchday/testkit/processes";

let wallet: ServiceProcess;
let stack: DiscountStack;
let discount: DiscountUnderTest;
let admin: Record<string, string>;
let service: Record<string, string>;

beforeAll(async () => {
  stack = await startDiscountStack();
  ({ discount, wallet } = stack);
  admin = await bearer("admin");
  service = await bearer("service");
});
afterAll(() => stack?.dispose());

async function createCampaign(body: Record<string, unknown>) {
  const res = await fetch(`${discount.url}/v1/campaigns`, {
    method: "POST",
    headers: { ...admin, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function redeemAs(auth: Record<string, string>, body: Record<string, unknown>) {
  return fetch(`${discount.url}/v1/redeem`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("smoke", () => {
  test("a campaign is created, redeemed, credited, and sold out", async () => {
    const created = await createCampaign({ name: "ایران - برزیل", amount: 1_000_000, maxRedemptions: 2 });
    expect(created.status).toBe(201);
    const code = created.body.code as string;
    expect(code).toMatch(/^[A-HJ-NP-Z2-9]{8}$/);

    const first = await redeemAs(service, { code: code.toLowerCase(), phone: "09121110001" });
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({
      status: "credited",
      rank: 1,
      amount: 1_000_000,
      phone: "+989121110001",
    });

    const again = await redeemAs(service, { code, phone: "9121110001" });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ rank: 1 });

    expect((await redeemAs(service, { code, phone: "09121110002" })).status).toBe(201);
    const late = await redeemAs(service, { code, phone: "09121110003" });
    expect(late.status).toBe(409);
    expect(((await late.json()) as { code: string }).code).toBe("CAMPAIGN_EXHAUSTED");

    const balance = await fetch(`${wallet.url}/v1/wallets/09121110001`, { headers: service });
    expect(((await balance.json()) as { balance: number }).balance).toBe(1_000_000);
  });
});

async function problemOf(res: Response) {
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  return (await res.json()) as { code: string; status: number; errors?: { field: string }[] };
}

async function redemptionCount(): Promise<number> {
  const { rows } = await discount.store.client.execute("SELECT COUNT(*) AS n FROM redemptions");
  return Number(rows[0]?.n);
}

describe("refusals", () => {
  test("an unknown code is a 404 CODE_NOT_FOUND and stores nothing", async () => {
    const before = await redemptionCount();
    for (const code of ["NOPE2345", "x", "!!!!!!!!"]) {
      const res = await redeemAs(service, { code, phone: "09121110009" });
      expect(res.status).toBe(404);
      expect((await problemOf(res)).code).toBe("CODE_NOT_FOUND");
    }
    expect(await redemptionCount()).toBe(before);
  });

  test("a campaign that has not started is 403, one that has ended is 410, and neither stores anything", async () => {
    const hour = 3_600_000;
    const soon = await createCampaign({
      name: "later",
      amount: 10,
      maxRedemptions: 5,
      startsAt: new Date(Date.now() + hour).toISOString(),
    });
    const past = await createCampaign({
      name: "earlier",
      amount: 10,
      maxRedemptions: 5,
      startsAt: new Date(Date.now() - 2 * hour).toISOString(),
      endsAt: new Date(Date.now() - hour).toISOString(),
    });
    const before = await redemptionCount();
    const notYet = await redeemAs(service, { code: soon.body.code, phone: "09121110010" });
    expect(notYet.status).toBe(403);
    expect((await problemOf(notYet)).code).toBe("CAMPAIGN_NOT_STARTED");
    const over = await redeemAs(service, { code: past.body.code, phone: "09121110010" });
    expect(over.status).toBe(410);
    expect((await problemOf(over)).code).toBe("CAMPAIGN_ENDED");
    expect(await redemptionCount()).toBe(before);
  });

  test.each([
    ["a bad phone", { phone: "12345" }, 422, "INVALID_PHONE"],
    ["a missing phone with a service token", {}, 422, "VALIDATION_FAILED"],
    ["a phone of the wrong type", { phone: 9121110011 }, 422, "VALIDATION_FAILED"],
    ["a missing code", { code: undefined, phone: "09121110011" }, 422, "VALIDATION_FAILED"],
    ["a huge code", { code: "A".repeat(5000), phone: "09121110011" }, 422, "VALIDATION_FAILED"],
  ])("%s is a %d %s and stores nothing", async (_, patch, status, code) => {
    const campaign = await createCampaign({ name: "inputs", amount: 10, maxRedemptions: 5 });
    const before = await redemptionCount();
    const res = await redeemAs(service, { code: campaign.body.code, ...patch });
    expect(res.status).toBe(status);
    expect((await problemOf(res)).code).toBe(code);
    expect(await redemptionCount()).toBe(before);
  });

  test("bad JSON is 400, a non-JSON body 415, an oversized body 413, and nothing is stored", async () => {
    const before = await redemptionCount();
    const send = (body: string, type = "application/json") =>
      fetch(`${discount.url}/v1/redeem`, { method: "POST", headers: { ...service, "content-type": type }, body });
    expect((await problemOf(await send('{"code":'))).code).toBe("MALFORMED_JSON");
    expect((await problemOf(await send("code=X", "application/x-www-form-urlencoded"))).code).toBe(
      "UNSUPPORTED_MEDIA_TYPE",
    );
    const big = await send(JSON.stringify({ code: "X", phone: "09121110012", pad: "p".repeat(100_000) }));
    expect(big.status).toBe(413);
    expect((await problemOf(big)).code).toBe("PAYLOAD_TOO_LARGE");
    expect(await redemptionCount()).toBe(before);
  });
});

describe("who may redeem", () => {
  test("a user redeems for the phone in their token; another phone in the body is 403", async () => {
    const campaign = await createCampaign({ name: "users", amount: 10, maxRedemptions: 5 });
    const user = await bearer("user", "09121110020");
    const mine = await redeemAs(user, { code: campaign.body.code });
    expect(mine.status).toBe(201);
    expect(await mine.json()).toMatchObject({ phone: "+989121110020", rank: 1 });
    const sameInBody = await redeemAs(user, { code: campaign.body.code, phone: "۰۹۱۲۱۱۱۰۰۲۰" });
    expect(sameInBody.status).toBe(200);
    const other = await redeemAs(user, { code: campaign.body.code, phone: "09121110021" });
    expect(other.status).toBe(403);
    expect((await problemOf(other)).code).toBe("FORBIDDEN");
  });

  test("without a token a redeem is 401 (anonymous redeem is off by default)", async () => {
    const campaign = await createCampaign({ name: "anon", amount: 10, maxRedemptions: 5 });
    const res = await redeemAs({}, { code: campaign.body.code, phone: "09121110030" });
    expect(res.status).toBe(401);
    expect((await problemOf(res)).code).toBe("UNAUTHENTICATED");
  });

  test("without a token even a malformed body or an unknown code is 401, so neither schema nor codes can be probed", async () => {
    for (const body of [{ code: 42 }, { code: "NOSUCHCODE", phone: "09121110031" }]) {
      const res = await redeemAs({}, body);
      expect(res.status).toBe(401);
      expect((await problemOf(res)).code).toBe("UNAUTHENTICATED");
    }
    const forged = await redeemAs(
      { authorization: "Bearer abc.def.ghi" },
      { code: "NOSUCHCODE", phone: "09121110031" },
    );
    expect((await problemOf(forged)).code).toBe("INVALID_TOKEN");
    const verified = await redeemAs(service, { code: "NOSUCHCODE", phone: "09121110031" });
    expect(verified.status).toBe(404);
  });

  test("a forged token's made-up codes are refused before any is looked up: a flood of them costs no DB read", async () => {
    const statements = recordStatements(discount.store);
    try {
      for (let i = 0; i < 20; i++) {
        const res = await redeemAs(
          { authorization: "Bearer abc.def.ghi" },
          { code: `MADEUP${i}`, phone: "09121110032" },
        );
        expect((await problemOf(res)).code).toBe("INVALID_TOKEN");
      }
      // Background loops read the DB meanwhile; a code's lookup is the one statement that must not run.
      expect(statements.sql.filter((sql) => sql.includes('"campaigns"."code" = ?'))).toEqual([]);
    } finally {
      statements.stop();
    }
  });

  test("only admins create campaigns", async () => {
    for (const auth of [service, await bearer("user", "09121110040"), {}]) {
      const res = await fetch(`${discount.url}/v1/campaigns`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ name: "x", amount: 1, maxRedemptions: 1 }),
      });
      expect([401, 403]).toContain(res.status);
    }
  });
});

describe("campaigns", () => {
  test("codes are stored canonical and a taken code is a 409", async () => {
    const made = await createCampaign({ name: "custom", code: "iran-brazil 2026", amount: 5, maxRedemptions: 1 });
    expect(made.status).toBe(201);
    expect(made.body.code).toBe("IRANBRAZIL2026");
    const again = await createCampaign({ name: "custom", code: "IRANBRAZIL2026", amount: 5, maxRedemptions: 1 });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("CAMPAIGN_CODE_TAKEN");
    const read = await fetch(`${discount.url}/v1/campaigns/iranbrazil2026`, { headers: admin });
    expect(await read.json()).toMatchObject({ code: "IRANBRAZIL2026", name: "custom", amount: 5, maxRedemptions: 1 });
  });

  test.each([
    ["no name", { amount: 5, maxRedemptions: 1 }],
    ["a zero amount", { name: "x", amount: 0, maxRedemptions: 1 }],
    ["a fractional amount", { name: "x", amount: 1.5, maxRedemptions: 1 }],
    ["a zero cap", { name: "x", amount: 5, maxRedemptions: 0 }],
    ["a code with symbols", { name: "x", code: "AB$%", amount: 5, maxRedemptions: 1 }],
    [
      "an end before the start",
      { name: "x", amount: 5, maxRedemptions: 1, startsAt: "2026-01-02T00:00:00Z", endsAt: "2026-01-01T00:00:00Z" },
    ],
    ["a start that is not a date", { name: "x", amount: 5, maxRedemptions: 1, startsAt: "tomorrow" }],
    [
      "a start that is a bare date (which midnight?)",
      { name: "x", amount: 5, maxRedemptions: 1, startsAt: "2026-11-23" },
    ],
    ["an end in US style (May or June?)", { name: "x", amount: 5, maxRedemptions: 1, endsAt: "05/06/2027" }],
    ["an end without an offset", { name: "x", amount: 5, maxRedemptions: 1, endsAt: "2027-01-01T10:00:00" }],
  ])("a campaign with %s is a 422", async (_, body) => {
    const res = await createCampaign(body);
    expect(res.status).toBe(422);
    expect(res.body.code).toBe("VALIDATION_FAILED");
  });
});

describe("rate limits", () => {
  test("past the per-phone limit a redeem is 429 with Retry-After, and the refused attempt takes no prize", async () => {
    const limited = await startDiscountInProcess({
      redisUrl: stack.redis.url,
      walletUrl: wallet.url,
      rateLimits: { perPhonePerMinute: 2, perIpPerMinute: 1_000, couponPerIpPerMinute: 5 },
    });
    try {
      const create = await fetch(`${limited.url}/v1/campaigns`, {
        method: "POST",
        headers: { ...admin, "content-type": "application/json" },
        body: JSON.stringify({ name: "limits", amount: 10, maxRedemptions: 5 }),
      });
      const { code } = (await create.json()) as { code: string };
      const attempt = (phone: string) =>
        fetch(`${limited.url}/v1/redeem`, {
          method: "POST",
          headers: { ...service, "content-type": "application/json" },
          body: JSON.stringify({ code, phone }),
        });
      expect((await attempt("09121110050")).status).toBe(201);
      expect((await attempt("09121110050")).status).toBe(200);
      const third = await attempt("09121110050");
      expect(third.status).toBe(429);
      expect(Number(third.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(((await third.json()) as { code: string }).code).toBe("RATE_LIMITED");
      // Another phone is not affected, and gets the next rank: the refused attempt took nothing.
      const other = await attempt("09121110051");
      expect(other.status).toBe(201);
      expect(((await other.json()) as { rank: number }).rank).toBe(2);
    } finally {
      await limited.dispose();
    }
  });
});
