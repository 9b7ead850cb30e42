import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Access, authCallers } from "@matchday/testkit/bad-input";
import { type DiscountStack, type DiscountUnderTest, startDiscountStack } from "@matchday/testkit/discount";
import { bearer } from "@matchday/testkit/http";

/**
 * Who may call what. Every route the discount service serves must appear here: the
 * matrix is built from the app's own route list, so a new route fails this test
 * until its access rule is written down. Keys are spelled as `app.routes` spells
 * them, so the collection routes keep the prefix's trailing slash.
 */
const POLICY: Record<string, Access> = {
  "GET /health": "public",
  "GET /ready": "public",
  "GET /metrics": "staff",
  "GET /docs": "public",
  "GET /docs/json": "public",
  "GET /docs/assets/scalar.js": "public",
  "GET /docs/assets/docs.js": "public",
  "GET /admin": "public",
  "GET /admin/:file": "public",
  "POST /v1/campaigns/": "admin",
  "GET /v1/campaigns/": "admin",
  "GET /v1/campaigns/:code": "admin",
  "GET /v1/campaigns/:code/report": "admin",
  "GET /v1/campaigns/:code/events": "admin",
  "POST /v1/redeem": "any-caller",
  "POST /generate-coupon": "admin",
  "POST /redeem-coupon": "any-caller",
  "GET /coupon-status": "any-caller",
  "POST /v1/coupon-batches": "admin",
  "GET /v1/coupon-batches/:id": "admin",
  "GET /v1/coupon-batches/:id/coupons": "admin",
  "POST /v1/webhooks/": "admin",
  "GET /v1/webhooks/": "admin",
  "DELETE /v1/webhooks/:id": "admin",
  "GET /v1/webhooks/:id/deliveries": "admin",
  "POST /v1/coupons/:code/rollback": "staff",
  "POST /v1/coupons/:code/revoke": "staff",
  "POST /v1/campaigns/:code/redemptions/:phone/void": "admin",
};

/** Routes whose success is not the method's usual status. */
const SUCCESS: Record<string, number> = {
  "POST /redeem-coupon": 200,
  "DELETE /v1/webhooks/:id": 204,
  "POST /v1/coupons/:code/rollback": 200,
  "POST /v1/coupons/:code/revoke": 200,
  "POST /v1/campaigns/:code/redemptions/:phone/void": 200,
};

/** Any-caller routes that name the owner's phone in the body, so a user token for another phone is refused. */
const PHONE_IN_BODY = new Set(["POST /v1/redeem", "POST /redeem-coupon"]);

const OWNER = "09121111111";

let stack: DiscountStack;
let discount: DiscountUnderTest;
let admin: Record<string, string>;
/** The campaign the read routes look at and refused redeems aim at; its cap is never reached. */
let shared: string;
/** Likewise a coupon bound to the owner that nobody may use in the matrix, and a batch to read. */
let sharedCoupon: string;
let batchId: number;
/** A webhook endpoint to read; each delete that is let through removes one of its own. */
let webhookId: number;

async function newWebhook(): Promise<number> {
  const res = await fetch(`${discount.url}/v1/webhooks`, {
    method: "POST",
    headers: { ...admin, "content-type": "application/json" },
    body: JSON.stringify({ url: "http://127.0.0.1:9/hook", events: ["redemption.won"] }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: number }).id;
}

/** Every coupon in the matrix is bound to the owner: only they (or staff for them) may redeem or see it. */
const BOUND = { phone: OWNER, metadata: { source: "auth matrix" } };

async function newCoupon(): Promise<string> {
  const res = await fetch(`${discount.url}/generate-coupon`, {
    method: "POST",
    headers: { ...admin, "content-type": "application/json" },
    body: JSON.stringify(BOUND),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { code: string }).code;
}

async function createCampaign(name: string): Promise<string> {
  const res = await fetch(`${discount.url}/v1/campaigns`, {
    method: "POST",
    headers: { ...admin, "content-type": "application/json" },
    body: JSON.stringify({ name, amount: 1_000, maxRedemptions: 1_000 }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { code: string }).code;
}

beforeAll(async () => {
  stack = await startDiscountStack();
  ({ discount } = stack);
  admin = await bearer("admin");
  shared = await createCampaign("auth matrix");
  sharedCoupon = await newCoupon();
  const batch = await fetch(`${discount.url}/v1/coupon-batches`, {
    method: "POST",
    headers: { ...admin, "content-type": "application/json" },
    body: JSON.stringify({ phones: [OWNER, OWNER], metadata: BOUND.metadata, pattern: "AM-####-####" }),
  });
  batchId = ((await batch.json()) as { id: number }).id;
  webhookId = await newWebhook();
});
afterAll(() => stack?.dispose());

test("every route the discount service serves has an access rule in the matrix", () => {
  expect(discount.app.routes.map((r) => `${r.method} ${r.path}`).sort()).toEqual(Object.keys(POLICY).sort());
});

/**
 * What a caller must send for the route to get as far as its access rule. A redeem
 * always names the owner's phone; one that will be let through gets a fresh
 * campaign, so it is this phone's first win there and answers exactly 201.
 */
async function bodyFor(route: string, allowed: boolean): Promise<object | undefined> {
  if (route === "POST /v1/campaigns/") return { name: "from the matrix", amount: 1, maxRedemptions: 1 };
  if (route === "POST /v1/redeem") {
    return { code: allowed ? await createCampaign("matrix redeem") : shared, phone: OWNER };
  }
  if (route === "POST /redeem-coupon") return { code: allowed ? await newCoupon() : sharedCoupon, phone: OWNER };
  if (route === "POST /generate-coupon") return BOUND;
  if (route === "POST /v1/coupon-batches") return { phones: [OWNER], metadata: BOUND.metadata, pattern: "AM-####" };
  if (route === "POST /v1/webhooks/") return { url: "http://127.0.0.1:9/hook", events: ["credit.failed"] };
  return undefined;
}

/** A delete that will be let through gets an endpoint of its own, so the others still have one to read. */
async function pathFor(route: string, template: string, allowed: boolean): Promise<string> {
  const id = template.startsWith("/v1/webhooks/")
    ? route.startsWith("DELETE") && allowed
      ? await newWebhook()
      : webhookId
    : batchId;
  return (
    template.replace(":code", shared).replace(":id", String(id)).replace(":file", "app.js") +
    (template === "/coupon-status" ? `?code=${sharedCoupon}` : "")
  );
}

/**
 * The reversal routes' requests: one let through gets its own used coupon, unused coupon or
 * gift winner (each is reversed once); one refused aims at the shared ones, which stay untouched.
 */
async function reversalCall(route: string, allowed: boolean) {
  const redeemed = async (code: string, path: string) => {
    const res = await fetch(`${discount.url}${path}`, {
      method: "POST",
      headers: { ...admin, "content-type": "application/json" },
      body: JSON.stringify({ code, phone: OWNER }),
    });
    expect(res.status).toBeLessThan(300);
    return code;
  };
  const reason = { reason: "auth matrix" };
  const key = { "idempotency-key": crypto.randomUUID() };
  if (route === "POST /v1/coupons/:code/rollback") {
    const code = allowed ? await redeemed(await newCoupon(), "/redeem-coupon") : sharedCoupon;
    return { path: `/v1/coupons/${code}/rollback`, body: reason, headers: key };
  }
  if (route === "POST /v1/coupons/:code/revoke") {
    return { path: `/v1/coupons/${allowed ? await newCoupon() : sharedCoupon}/revoke`, body: reason, headers: key };
  }
  if (route === "POST /v1/campaigns/:code/redemptions/:phone/void") {
    const code = allowed ? await redeemed(await createCampaign("matrix void"), "/v1/redeem") : shared;
    return { path: `/v1/campaigns/${code}/redemptions/${OWNER}/void`, body: reason, headers: key };
  }
  return undefined;
}

describe("auth matrix", async () => {
  const callers = await authCallers(OWNER);
  for (const [route, access] of Object.entries(POLICY)) {
    const [method, template] = route.split(" ") as [string, string];
    // A redeem takes the phone from the body, and the matrix names the owner's there,
    // so a user token for another phone is refused: for these requests the rule is self-or-staff.
    const rule = PHONE_IN_BODY.has(route) ? "self-or-staff" : access;
    for (const caller of callers) {
      const allowed = rule === "public" || caller.expect[rule] === 200;
      const success = SUCCESS[route] ?? (method === "POST" ? 201 : 200);
      const expected = allowed ? success : caller.expect[rule as Exclude<Access, "public">];
      const refusal = expected === 401 ? (caller.refusal as string) : "FORBIDDEN";
      const outcome = allowed ? `is let through with ${expected}` : `is refused with ${expected} ${refusal}`;

      test(`${route} called with ${caller.name} ${outcome}`, async () => {
        const headers: Record<string, string> = {};
        if (caller.authorization) headers.authorization = caller.authorization;
        const init: RequestInit = { method, headers };
        const reversal = await reversalCall(route, allowed);
        Object.assign(headers, reversal?.headers);
        const body = reversal?.body ?? (await bodyFor(route, allowed));
        if (body) {
          headers["content-type"] = "application/json";
          init.body = JSON.stringify(body);
        }
        const res = await fetch(`${discount.url}${reversal?.path ?? (await pathFor(route, template, allowed))}`, init);
        expect(res.status).toBe(expected);

        if (!allowed) {
          expect(res.headers.get("content-type")).toContain("application/problem+json");
          const { code } = (await res.json()) as { code: string };
          expect(code).toBe(refusal);
        } else if (route.endsWith("/events")) {
          // The stream never ends: check what it is, then hang up.
          expect(res.headers.get("content-type")).toContain("text/event-stream");
          await res.body?.cancel();
        } else if (route.endsWith("/report")) {
          expect(res.headers.get("content-type")).toContain("application/json");
          expect(await res.json()).toMatchObject({ code: shared });
        } else if (route === "POST /v1/redeem") {
          expect(await res.json()).toMatchObject({ phone: "+989121111111", rank: 1 });
        } else if (route === "POST /redeem-coupon") {
          expect(await res.json()).toMatchObject({ message: "Coupon redeemed successfully", phone: "+989121111111" });
        } else if (route === "GET /coupon-status") {
          // Everyone signed in may ask; the coupon is bound to the owner, so another user is told it does not exist.
          const shown =
            caller.name === "another user"
              ? { status: "NOT_FOUND" }
              : { status: "UNUSED", phone: "+989121111111", metadata: BOUND.metadata };
          expect(await res.json()).toMatchObject({ code: sharedCoupon, ...shown });
        } else {
          await res.body?.cancel();
        }
      });
    }
  }
});

test("no refused redeem or revoke in the matrix took a prize or a coupon", async () => {
  const { rows } = await discount.store.client.execute({
    sql: "SELECT COUNT(*) AS n FROM redemptions r JOIN campaigns c ON c.id = r.campaign_id WHERE c.code IN (?, ?)",
    args: [shared, sharedCoupon],
  });
  expect(Number(rows[0]?.n)).toBe(0);
  const revoked = await discount.store.client.execute({
    sql: "SELECT COUNT(*) AS n FROM coupon_revocations r JOIN campaigns c ON c.id = r.campaign_id WHERE c.code = ?",
    args: [sharedCoupon],
  });
  expect(Number(revoked.rows[0]?.n)).toBe(0);
});
