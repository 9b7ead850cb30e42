import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { normalizePhone } from "@matchday/shared/phone";
import {
  assertAllRefused,
  assertBadHostsRefused,
  assertShortHostsAccepted,
  assertValidAccepted,
  type BadRequest,
  badAuth,
  badCursor,
  badIdempotencyKey,
  badInteger,
  badLimit,
  badPhone,
  badRequestsFor,
  badSegment,
  badString,
  badText,
  badTimestamp,
  controlText,
  type HeaderPoison,
  INJECTIONS,
  type RouteSpec,
  sqliteFingerprint,
  validRequestFor,
} from "@matchday/testkit/bad-input";
import { type DiscountStack, startDiscountStack } from "@matchday/testkit/discount";
import { bearer } from "@matchday/testkit/http";
import { waitFor } from "@matchday/testkit/processes";
import fc from "fast-check";
import { canonicalCode } from "./modules/campaigns/code";
import { MAX_METADATA_BYTES, MAX_METADATA_DEPTH } from "./modules/campaigns/metadata";
import { MAX_AMOUNT, MAX_CAP, MAX_SEARCH } from "./modules/campaigns/model";
import { compilePattern, spaceRefusal } from "./modules/coupons/pattern";

/** Wallet and discount together send well over 5,000 generated requests; FC_RUNS to change it. */
const NUM_RUNS = Number(process.env.FC_RUNS ?? 10_000);
const PHONE = "09121234567";

let stack: DiscountStack;
let admin: Record<string, string>;
let routes: RouteSpec[];
/** Real, open targets: a request that slipped through validation would redeem, credit or create. */
let campaign: string;
let coupon: string;
let batch: string;
let webhook: string;
/** Deleting an endpoint for real writes: its spec is sent broken, and its valid call once, at the end. */
let webhookRemoval: RouteSpec;
/** Reversal targets: a used coupon to roll back, an unused one to revoke, a gift campaign whose winner to void. */
let usedCoupon: string;
let revocable: string;
let voidable: string;
const WINNER = "09120000009";
/** How many rl:* keys the last Redis fingerprint left out, for the log. */
let rateLimitKeys: string[] = [];

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${stack.discount.url}${path}`, {
    method: "POST",
    headers: { ...admin, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Record<string, unknown>;
}

/** WINNER wins `code` (its credit reaches the wallet before the state is compared). */
async function redeemed(path: string, code: string) {
  const res = await fetch(`${stack.discount.url}${path}`, {
    method: "POST",
    headers: { ...admin, "content-type": "application/json" },
    body: JSON.stringify({ code, phone: WINNER }),
  });
  expect(res.status).toBeLessThan(300);
}

const amount = { required: false, bad: badInteger(1, MAX_AMOUNT) };
const expiresAt = { required: false, bad: badTimestamp };
const name = { required: false, bad: badText(1, 200) };
/** Metadata that is not an object, nests too deep, is too large, or holds a control character. */
const badMetadata = fc.oneof(
  fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)),
  fc.integer({ min: MAX_METADATA_DEPTH + 1, max: 2_000 }).map((depth) => {
    let value: unknown = 1;
    for (let level = 1; level < depth; level++) value = { a: value };
    return { a: value };
  }),
  fc.integer({ min: MAX_METADATA_BYTES, max: 10_000 }).map((n) => ({ note: "x".repeat(n) })),
  fc.dictionary(fc.string({ maxLength: 5 }), controlText, { minKeys: 1 }),
);
const metadata = { required: false, bad: badMetadata };
const notACode = fc.oneof(
  badString(4, 64),
  fc.constantFrom(...INJECTIONS).filter((s) => canonicalCode(s) === null),
);
/** A phone in a body: wrong type, too long, or not a mobile number. */
const notAPhone = fc.oneof(badString(0, 64), badPhone);
const redeemSchema = {
  code: { required: true, bad: badString(1, 64) },
  phone: { required: false, bad: notAPhone },
};
/** A batch's phones: not a list, an empty or overlong one, or one holding a phone that is not one. */
const badPhones = fc.oneof(
  fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.dictionary(fc.string(), fc.string())),
  fc.constant([]),
  fc.array(notAPhone, { minLength: 1, maxLength: 3 }).map((bad) => [PHONE, ...bad]),
  fc.constant(Array.from({ length: 1_001 }, () => PHONE)),
);
/** Whether a batch of one coupon with this pattern and alphabet is refused: not valid, or too few codes. */
function refusedForOne(pattern: unknown, alphabet?: unknown): boolean {
  if (typeof pattern !== "string" && pattern !== undefined) return true;
  if (typeof alphabet !== "string" && alphabet !== undefined) return true;
  try {
    return pattern?.length === 0 || spaceRefusal(compilePattern(pattern, alphabet), 0, 1) !== null;
  } catch {
    return true;
  }
}
const badPattern = fc
  .oneof(
    badString(1, 64),
    fc.stringMatching(/^[A-Z0-9#-]{1,40}$/),
    fc.string({ maxLength: 40 }),
    fc.constantFrom("ab-##", "ABCD", "ABC#", "-#-#-#-", "#".repeat(33), "IRBR ####", "AB٣#####"),
  )
  .filter((pattern) => refusedForOne(pattern));
const badAlphabet = fc
  .oneof(
    badString(1, 64),
    fc.stringMatching(/^[A-Z0-9]{1,40}$/),
    fc.string({ maxLength: 40 }),
    fc.constantFrom("ABCDEFGHJKMNPQR", "ABCDEFGHJKMNPQRO", "ABCDEFGHJKMNPQR1", "AABCDEFGHJKMNPQR", "abcdefghjkmnpqrs"),
  )
  .filter((alphabet) => refusedForOne(undefined, alphabet));
const paging = { limit: badLimit, cursor: badCursor };
/** A campaign search: empty, longer than MAX_SEARCH, or with a control character. */
const badSearch = fc.oneof(
  fc.constant(""),
  fc.integer({ min: MAX_SEARCH + 1, max: 2_000 }).map((n) => "q".repeat(n)),
  controlText.filter((text) => text.length > 0 && text.length <= MAX_SEARCH),
);
const badFormat = fc.constantFrom("CSV", "xml", "json,csv", "csv\u0000", "../..", "' OR 1=1 --");
/** Not a URL a webhook may go to (private addresses are allowed in tests; schemes and credentials are not). */
const badWebhookUrl = fc.oneof(
  badString(1, 2_048),
  fc.constantFrom(
    "not a url",
    "/relative/hook",
    "//example.com/hook",
    "ftp://example.com/hook",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "https://user:secret@example.com/hook",
  ),
);
const badEvents = fc.oneof(
  fc.constantFrom(null, "redemption.won", 1, {}, [], ["redemption.lost"], ["redemption.won", "redemption.won"], [1]),
  fc
    .string({ maxLength: 30 })
    .filter((s) => !s.includes("."))
    .map((s) => [s]),
);
const byWebhook = (id: string) => ({ param: id, badParam: badSegment((s) => !/^[1-9][0-9]{0,15}$/.test(s)) });

/** Every discount route with a valid call and its own ways of being wrong. */
async function discountRoutes(): Promise<RouteSpec[]> {
  const auth = await badAuth();
  const base = { headers: admin, badHeaders: auth };
  const get = (path: string, more: Partial<RouteSpec> = {}): RouteSpec => ({ ...base, method: "GET", path, ...more });
  const postTo = (path: string, body: RouteSpec["body"]): RouteSpec => ({ ...base, method: "POST", path, body });
  const byCode = { param: campaign, badParam: badSegment() };
  const byBatch = { param: batch, badParam: badSegment((s) => !/^[1-9][0-9]{0,15}$/.test(s)) };
  const longCode = fc.integer({ min: 65, max: 2_000 }).map((n) => "C".repeat(n));
  return [
    postTo("/v1/campaigns", {
      valid: { name: "never created", amount: 1_000, maxRedemptions: 10 },
      schema: {
        name: { required: true, bad: badText(1, 200) },
        code: { required: false, bad: notACode },
        amount: { required: true, bad: badInteger(1, MAX_AMOUNT) },
        maxRedemptions: { required: true, bad: badInteger(1, MAX_CAP) },
        startsAt: expiresAt,
        endsAt: expiresAt,
        metadata,
      },
    }),
    get("/v1/campaigns", { query: { good: { limit: "20", q: "ایران_%" }, bad: { ...paging, q: badSearch } } }),
    get("/v1/campaigns/:code", byCode),
    get("/v1/campaigns/:code/report", { ...byCode, query: { good: {}, bad: { ...paging, format: badFormat } } }),
    get("/v1/campaigns/:code/report", { ...byCode, query: { good: { format: "csv" }, bad: paging } }),
    get("/v1/campaigns/:code/events", { ...byCode, query: { good: {}, bad: { cursor: badCursor } } }),
    postTo("/v1/redeem", { valid: { code: campaign, phone: PHONE }, schema: redeemSchema }),
    postTo("/generate-coupon", {
      valid: { amount: 1_000, phone: PHONE, metadata: { from: "bad-input" } },
      schema: { amount, expiresAt, phone: { required: false, bad: notAPhone }, metadata },
    }),
    postTo("/redeem-coupon", { valid: { code: coupon, phone: PHONE }, schema: redeemSchema }),
    // Any signed-in caller may ask a coupon's status: a user token is no fault there.
    get("/coupon-status", {
      query: { good: { code: coupon }, bad: { code: longCode } },
      badHeaders: auth.filter((poison) => poison.why !== "user token"),
    }),
    postTo("/v1/coupon-batches", {
      valid: { count: 1 },
      // Without phones the count is required; with them it must be their number (the valid body has none).
      schema: {
        count: { required: true, bad: badInteger(1, 1_000_000) },
        name,
        amount,
        expiresAt,
        phones: { required: false, bad: badPhones },
        metadata,
        pattern: { required: false, bad: badPattern },
        alphabet: { required: false, bad: badAlphabet },
      },
    }),
    get("/v1/coupon-batches/:id", byBatch),
    ...reversalRoutes(auth),
    get("/v1/coupon-batches/:id/coupons", { ...byBatch, query: { good: {}, bad: { ...paging, format: badFormat } } }),
    postTo("/v1/webhooks", {
      valid: { url: "https://example.com/hook", events: ["redemption.won"] },
      schema: { url: { required: true, bad: badWebhookUrl }, events: { required: true, bad: badEvents } },
    }),
    get("/v1/webhooks"),
    get("/v1/webhooks/:id/deliveries", { ...byWebhook(webhook), query: { good: {}, bad: paging } }),
  ];
}

/** The reversal routes: a bad code, phone, reason, key or credential must change nothing. */
function reversalRoutes(auth: fc.Arbitrary<HeaderPoison>): RouteSpec[] {
  const reason = { reason: { required: true, bad: badText(1, 500) } };
  // Idempotency-Keys name one reversal whatever the route: each route its own.
  const keyed = (key: string) => ({ ...admin, "idempotency-key": key });
  const byCoupon = (code: string) => ({ param: code, badParam: badSegment() });
  return [
    {
      method: "POST",
      path: "/v1/coupons/:code/rollback",
      ...byCoupon(usedCoupon),
      headers: keyed("property-rollback"),
      badHeaders: fc.oneof(auth, badIdempotencyKey),
      body: { valid: { reason: "property" }, schema: reason },
    },
    {
      method: "POST",
      path: "/v1/coupons/:code/revoke",
      ...byCoupon(revocable),
      headers: admin,
      badHeaders: auth,
      body: { valid: { reason: "property" }, schema: { reason: { required: false, bad: badText(1, 500) } } },
    },
    {
      method: "POST",
      path: `/v1/campaigns/${voidable}/redemptions/:phone/void`,
      param: WINNER,
      badParam: badSegment((s) => normalizePhone(s) === null),
      headers: keyed("property-void"),
      // The key is optional here: only a malformed one is a fault.
      badHeaders: fc.oneof(
        auth,
        badIdempotencyKey.filter((h) => !h.drop),
      ),
      body: { valid: { reason: "property" }, schema: reason },
    },
  ];
}

/**
 * Redis as the gate and campaigns left it. Rate-limit counters (rl:*) are left out:
 * a redeem with a well-formed but unknown phone or code is counted before it is refused.
 * So are the instances' leases and locks (`{gift:CODE}:lease:*`, `{gift:CODE}:rebuild`):
 * they expire on their own, and the orphan sweep takes a lease whenever it passes while
 * a claim is between the gate and the DB, as the setup's own redeems are.
 */
const TRANSIENT = /^(rl:|\{gift:[^}]+\}:(lease:|rebuild$))/;

async function redisFingerprint(): Promise<Record<string, string>> {
  const redis = stack.discount.redis;
  const all = await redis.keys("*");
  const keys = all.filter((k) => !TRANSIENT.test(k)).sort();
  const out: Record<string, string> = {};
  for (const key of keys)
    out[key] = createHash("sha256")
      .update((await redis.dumpBuffer(key)) ?? "")
      .digest("hex");
  rateLimitKeys = all.filter((k) => k.startsWith("rl:"));
  return out;
}

/** The wallet the redeems would credit, read over HTTP: it runs as its own process. */
async function walletBalance(phone = PHONE): Promise<number> {
  const res = await fetch(`${stack.wallet.url}/v1/wallets/${phone}`, { headers: await bearer("service", "discount") });
  return ((await res.json()) as { balance: number }).balance;
}

async function snapshot() {
  return {
    db: await sqliteFingerprint(stack.discount.store.client),
    redis: await redisFingerprint(),
    balance: await walletBalance(),
    // A reversal that slipped through would debit the winner.
    winnerBalance: await walletBalance(WINNER),
  };
}

/** Every route's faults, plus the one bad request no RouteSpec makes: a required query left out. */
function requests(): fc.Arbitrary<BadRequest> {
  const noCode: BadRequest = {
    method: "GET",
    path: "/coupon-status",
    headers: admin,
    why: "coupon status without code",
  };
  return fc.oneof(...[...routes, webhookRemoval].map(badRequestsFor), fc.constant(noCode));
}

beforeAll(async () => {
  stack = await startDiscountStack();
  admin = await bearer("admin");
  campaign = String((await post("/v1/campaigns", { name: "open", amount: 1_000, maxRedemptions: 1_000 })).code);
  coupon = String((await post("/generate-coupon", {})).code);
  batch = String((await post("/v1/coupon-batches", { count: 2 })).id);
  webhook = String((await post("/v1/webhooks", { url: "https://example.com/hook", events: ["credit.failed"] })).id);
  usedCoupon = String((await post("/generate-coupon", {})).code);
  revocable = String((await post("/generate-coupon", {})).code);
  voidable = String((await post("/v1/campaigns", { name: "void", amount: 1_000, maxRedemptions: 5 })).code);
  await redeemed("/redeem-coupon", usedCoupon);
  await redeemed("/v1/redeem", voidable);
  // Their win events are fanned out by the background loop, which stamps them: done before the
  // snapshots, so the only writes the comparison can see are the generated requests'.
  await waitFor("the win events dispatched", async () => {
    const { rows } = await stack.discount.store.client.execute(
      "SELECT count(*) AS n FROM webhook_events WHERE dispatched_at IS NULL",
    );
    return Number(rows[0]?.n) === 0;
  });
  routes = await discountRoutes();
  const removed = String(
    (await post("/v1/webhooks", { url: "https://example.com/gone", events: ["credit.failed"] })).id,
  );
  webhookRemoval = {
    method: "DELETE",
    path: "/v1/webhooks/:id",
    headers: admin,
    badHeaders: await badAuth(),
    ...byWebhook(removed),
  };
});
afterAll(() => stack?.dispose());

test("every generated bad request to discount is a 4xx problem with a known code, and nothing changes in SQLite, Redis or the wallet", async () => {
  const before = await snapshot();
  const started = performance.now();
  const statuses = await assertAllRefused(stack.discount.url, requests(), { numRuns: NUM_RUNS, label: "discount" });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`[discount] ${NUM_RUNS} requests in ${seconds}s, by status:`, Object.fromEntries(statuses));
  // Credits go out through the outbox relay (every 100 ms here): wait long enough for one to land.
  await Bun.sleep(300);
  expect(await snapshot()).toEqual(before);
  console.log(`[discount] rate-limit keys written (left out of the comparison): ${rateLimitKeys.join(", ") || "none"}`);
}, 120_000);

test("the same requests unbroken are accepted, so every refusal above is the generated fault's doing", async () => {
  await assertValidAccepted(stack.discount.url, [...routes, webhookRemoval]);
});

/**
 * A gift campaign sold out and refused once, so every redeem from then on goes through
 * the sold-out fast path first. Created by the tests that need it, after the state comparison.
 */
async function soldOutCampaign(): Promise<string> {
  const code = String((await post("/v1/campaigns", { name: "sold out", amount: 1_000, maxRedemptions: 1 })).code);
  await post("/v1/redeem", { code, phone: "09120000001" });
  const refused = await redeem(code, "09120000002", "application/json");
  expect(refused.status).toBe(409);
  return code;
}

function redeem(code: string, phone: string, contentType: string): Promise<Response> {
  return fetch(`${stack.discount.url}/v1/redeem`, {
    method: "POST",
    headers: { ...admin, "content-type": contentType },
    body: JSON.stringify({ code, phone }),
  });
}

test("a redeem of a sold-out campaign whose media type only starts like JSON is refused 415, not answered sold out", async () => {
  const soldOut = await soldOutCampaign();
  for (const type of ["application/jsonfoo", "application/json-seq"]) {
    const res = await redeem(soldOut, PHONE, type);
    expect(res.status, type).toBe(415);
    expect(await res.json()).toMatchObject({ code: "UNSUPPORTED_MEDIA_TYPE" });
  }
  expect((await redeem(soldOut, PHONE, "Application/JSON; charset=utf-8")).status).toBe(409);
});

test("a request without a Host header, or with one that is not a host, gets a 400 problem with its request id on every route, the sold-out fast path included", async () => {
  // The open campaign's redeem among the routes is one the fast path hands on to the router.
  const soldOut = await soldOutCampaign();
  const soldOutRedeem: BadRequest = {
    method: "POST",
    path: "/v1/redeem",
    headers: { ...admin, "content-type": "application/json" },
    body: JSON.stringify({ code: soldOut, phone: PHONE }),
    why: "redeem of a sold-out campaign",
  };
  await assertBadHostsRefused(stack.discount.url, routes, [soldOutRedeem, validRequestFor(webhookRemoval)]);
});

test("a Host header of three characters or fewer reaches every route like any other", async () => {
  await assertShortHostsAccepted(stack.discount.url, routes);
});
