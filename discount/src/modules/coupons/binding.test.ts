import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type DiscountStack, type DiscountUnderTest, startDiscountStack } from "@matchday/testkit/discount";
import { bearer } from "@matchday/testkit/http";

let stack: DiscountStack;
let discount: DiscountUnderTest;
let admin: Record<string, string>;
let service: Record<string, string>;
const OWNER = "09127770001";
const STRANGER = "09127770002";

beforeAll(async () => {
  stack = await startDiscountStack();
  ({ discount } = stack);
  admin = await bearer("admin");
  service = await bearer("service");
});
afterAll(() => stack?.dispose());

const json = (headers: Record<string, string>) => ({ ...headers, "content-type": "application/json" });

async function post(path: string, body: unknown, auth = admin) {
  const res = await fetch(`${discount.url}${path}`, {
    method: "POST",
    headers: json(auth),
    body: JSON.stringify(body),
  });
  return { res, body: (await res.json()) as Record<string, unknown> };
}

/** A redeem as the phone's own user. */
async function redeemAs(phone: string, code: string) {
  return post("/redeem-coupon", { code }, await bearer("user", phone));
}

async function statusAs(auth: Record<string, string>, code: string) {
  const res = await fetch(`${discount.url}/coupon-status?code=${encodeURIComponent(code)}`, { headers: auth });
  return { res, body: (await res.json()) as Record<string, unknown> };
}

/** What a client can compare between two answers: status, media type, and the body without its request id. */
async function observable(answer: { res: Response; body: Record<string, unknown> }) {
  const { requestId, ...body } = answer.body;
  expect(typeof requestId === "string" || requestId === undefined).toBe(true);
  return {
    status: answer.res.status,
    type: answer.res.headers.get("content-type"),
    rateLimited: answer.res.headers.has("ratelimit-remaining"),
    body,
  };
}

describe("coupons bound to a phone", () => {
  test("an admin binds a coupon to a phone with metadata; the answer shows both, the phone canonical", async () => {
    const metadata = { campaign: "newsletter", tier: { level: 2 } };
    const made = await post("/generate-coupon", { phone: "0912 777 0001", metadata, amount: 40_000 });
    expect(made.res.status).toBe(201);
    expect(made.body).toMatchObject({ amount: 40_000, phone: "+989127770001", metadata });
    expect((await post("/generate-coupon", {})).body).toMatchObject({ phone: null, metadata: null });
  });

  test("a stranger redeeming a bound coupon hears exactly what a code that does not exist gets, and no gate is touched", async () => {
    const { code } = (await post("/generate-coupon", { phone: OWNER })).body as { code: string };
    const unknown = await redeemAs(STRANGER, "ZZZZ9999");
    const bound = await redeemAs(STRANGER, code);
    expect(await observable(bound)).toEqual(await observable(unknown));
    expect(bound.res.status).toBe(404);
    expect(bound.body.code).toBe("COUPON_NOT_FOUND");
    // A service naming the stranger's phone is the same stranger.
    const viaService = await post("/redeem-coupon", { code, phone: STRANGER }, service);
    expect(await observable(viaService)).toEqual(await observable(unknown));
    expect(await discount.redis.keys(`*${code}*`)).toEqual([]);

    // Its owner redeems it; to the stranger it still does not exist (not "already used").
    expect((await redeemAs(OWNER, code.toLowerCase())).res.status).toBe(200);
    expect((await discount.redis.keys(`*${code}*`)).length).toBeGreaterThan(0); // so the check above could fail
    expect(await observable(await redeemAs(STRANGER, code))).toEqual(await observable(unknown));
  });

  test("coupon status shows a bound coupon as NOT_FOUND to any other user, as a code that does not exist, and in full to its phone and staff", async () => {
    const metadata = { note: "vip" };
    const { code } = (await post("/generate-coupon", { phone: OWNER, metadata })).body as { code: string };
    const stranger = await bearer("user", STRANGER);
    const unknown = await statusAs(stranger, "ZZZZ8888");
    const hidden = await statusAs(stranger, code);
    expect(hidden.res.status).toBe(200);
    expect(hidden.body).toEqual({ code, status: "NOT_FOUND" });
    expect(Object.keys(hidden.body)).toEqual(Object.keys(unknown.body));
    expect(hidden.res.headers.has("ratelimit-remaining")).toBe(unknown.res.headers.has("ratelimit-remaining"));

    const shown = { code, status: "UNUSED", phone: "+989127770001", metadata };
    for (const auth of [await bearer("user", OWNER), admin, service]) {
      expect((await statusAs(auth, code)).body).toMatchObject(shown);
    }
    // An unbound coupon is no secret from a signed-in user.
    const open = (await post("/generate-coupon", {})).body.code as string;
    expect((await statusAs(stranger, open)).body).toMatchObject({ code: open, status: "UNUSED", phone: null });
  });
});

describe("batches with phones, metadata and a pattern", () => {
  test("one coupon per phone in a patterned batch: codes shown with the pattern's dashes, redeemable typed loosely, metadata echoed by status and CSV", async () => {
    const metadata = { campaign: "spring", "note, quoted": 'say "hi"' };
    const created = await post("/v1/coupon-batches", {
      phones: [OWNER, "+989127770003"],
      metadata,
      pattern: "IRBR-####-####",
      alphabet: "ABCDEFGHJKMNPQRS",
      amount: 15_000,
    });
    expect(created.res.status).toBe(201);
    expect(created.body).toMatchObject({ count: 2, pattern: "IRBR-####-####", alphabet: "ABCDEFGHJKMNPQRS", metadata });

    const page = await fetch(`${discount.url}/v1/coupon-batches/${created.body.id}/coupons`, { headers: admin });
    const items = ((await page.json()) as { items: { code: string; used: boolean; phone: string }[] }).items;
    expect(items.map((c) => c.phone)).toEqual(["+989127770001", "+989127770003"]);
    for (const item of items) expect(item.code).toMatch(/^IRBR-[A-HJKMNPQRS]{4}-[A-HJKMNPQRS]{4}$/);
    const [mine, theirs] = items as [(typeof items)[0], (typeof items)[0]];

    expect((await redeemAs(STRANGER, mine.code)).res.status).toBe(404);
    const redeemed = await redeemAs(OWNER, ` ${mine.code.toLowerCase().replaceAll("-", " ")} `);
    expect(redeemed.body).toMatchObject({ amount: 15_000, phone: "+989127770001" });
    const status = await statusAs(admin, mine.code);
    expect(status.body).toMatchObject({ status: "USED", phone: "+989127770001", metadata });

    const csv = await fetch(`${discount.url}/v1/coupon-batches/${created.body.id}/coupons?format=csv`, {
      headers: admin,
    });
    const cell = `"${JSON.stringify(metadata).replaceAll('"', '""')}"`;
    expect((await csv.text()).trimEnd().split("\r\n")).toEqual([
      "code,used,phone,metadata",
      `${mine.code},true,+989127770001,${cell}`,
      `${theirs.code},false,+989127770003,${cell}`,
    ]);
  });

  test("a batch asking for the whole of its pattern's codes is 422 CODE_SPACE_TOO_SMALL with the space in bits, and creates nothing", async () => {
    const before = await discount.store.client.execute("SELECT COUNT(*) AS n FROM coupon_batches");
    const refused = await post("/v1/coupon-batches", {
      pattern: "QQ-####",
      alphabet: "ABCDEFGHJKMNPQRS",
      count: 65_536,
    });
    expect(refused.res.status).toBe(422);
    expect(refused.res.headers.get("content-type")).toBe("application/problem+json");
    expect(refused.body).toMatchObject({ code: "CODE_SPACE_TOO_SMALL", spaceBits: 16, maxCodes: 655, issuedCodes: 0 });
    const after = await discount.store.client.execute("SELECT COUNT(*) AS n FROM coupon_batches");
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
  });

  test("bad phones, patterns, alphabets, metadata and counts are clear 422s that create nothing", async () => {
    const before = await discount.store.client.execute("SELECT COUNT(*) AS n FROM campaigns");
    const deep = { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } };
    const cases: [string, unknown, string, string][] = [
      ["/generate-coupon", { phone: "12345" }, "INVALID_PHONE", "body.phone"],
      ["/generate-coupon", { phone: 9123 }, "VALIDATION_FAILED", "body.phone"],
      ["/generate-coupon", { metadata: deep }, "VALIDATION_FAILED", "body.metadata"],
      ["/generate-coupon", { metadata: { x: "y".repeat(5_000) } }, "VALIDATION_FAILED", "body.metadata"],
      ["/generate-coupon", { metadata: [1] }, "VALIDATION_FAILED", "body.metadata"],
      ["/v1/coupon-batches", { phones: [OWNER, "nope"] }, "INVALID_PHONE", "body.phones.1"],
      ["/v1/coupon-batches", { phones: [] }, "VALIDATION_FAILED", "body.phones"],
      ["/v1/coupon-batches", { phones: [OWNER], count: 2 }, "VALIDATION_FAILED", "body.count"],
      ["/v1/coupon-batches", {}, "VALIDATION_FAILED", "body.count"],
      ["/v1/coupon-batches", { count: 1, metadata: deep }, "VALIDATION_FAILED", "body.metadata"],
      ["/v1/coupon-batches", { count: 1, pattern: "ab-##" }, "INVALID_CODE_PATTERN", "body.pattern"],
      ["/v1/coupon-batches", { count: 1, pattern: "ABCD" }, "INVALID_CODE_PATTERN", "body.pattern"],
      ["/v1/coupon-batches", { count: 1, pattern: "#".repeat(65) }, "INVALID_CODE_PATTERN", "body.pattern"],
      ["/v1/coupon-batches", { count: 1, pattern: 7 }, "INVALID_CODE_PATTERN", "body.pattern"],
      ["/v1/coupon-batches", { count: 1, alphabet: "ABCDEFGH" }, "INVALID_CODE_ALPHABET", "body.alphabet"],
      ["/v1/coupon-batches", { count: 1, alphabet: "ABCDEFGHJKMNPQR0" }, "INVALID_CODE_ALPHABET", "body.alphabet"],
      ["/v1/coupon-batches", { count: 1, alphabet: "ABCDEFGHJKMNPQRA" }, "INVALID_CODE_ALPHABET", "body.alphabet"],
      ["/v1/coupon-batches", { count: 1, alphabet: "ABCDEFGHJKMNPQR-" }, "INVALID_CODE_ALPHABET", "body.alphabet"],
    ];
    for (const [path, body, code, field] of cases) {
      const { res, body: problem } = await post(path, body);
      const errors = problem.errors as { field: string }[] | undefined;
      expect([path, JSON.stringify(body), res.status, problem.code, errors?.[0]?.field]).toEqual([
        path,
        JSON.stringify(body),
        422,
        code,
        field,
      ]);
    }
    const after = await discount.store.client.execute("SELECT COUNT(*) AS n FROM campaigns");
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
  });
});
