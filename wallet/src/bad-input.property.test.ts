import { afterAll, beforeAll, expect, test } from "bun:test";
import {
  assertAllRefused,
  assertBadHostsRefused,
  assertShortHostsAccepted,
  assertValidAccepted,
  badAuth,
  badBody,
  badCursor,
  badIdempotencyKey,
  badInteger,
  badLimit,
  badPhone,
  badRequestsFor,
  badString,
  badText,
  RawJson,
  type RouteSpec,
  sqliteFingerprint,
  toJsonText,
} from "@matchday/testkit/bad-input";
import { bearer } from "@matchday/testkit/http";
import { startWalletInProcess, type WalletUnderTest } from "@matchday/testkit/wallet";
import fc from "fast-check";
import { MAX_BATCH_ITEMS } from "./modules/credit-batches/model";
import { MAX_AMOUNT } from "./modules/wallets/model";

/** Wallet and discount together send well over 5,000 generated requests; FC_RUNS to change it. */
const NUM_RUNS = Number(process.env.FC_RUNS ?? 10_000);

/** A wallet with money in it, so a debit that slipped through validation would succeed and show. */
const PHONE = "09121234567";
const ENTRY = {
  valid: { amount: 1_000, reference: "property-test", description: "should never be written" },
  schema: {
    amount: { required: true, bad: badInteger(1, MAX_AMOUNT) },
    reference: { required: false, bad: badText(1, 128) },
    description: { required: false, bad: badText(0, 500) },
  },
};

/** A batch item is the single credit's body plus its path's phone and its header's key, each as strict. */
const ITEM = {
  valid: { ...ENTRY.valid, phone: PHONE, idempotencyKey: "property-batch" },
  schema: {
    ...ENTRY.schema,
    phone: { required: true, bad: badPhone },
    idempotencyKey: {
      required: true,
      bad: fc.oneof(badString(1, 255), fc.constantFrom("a b", "key\twith-tab", "clé", "<script> alert(1)")),
    },
  },
};
/** A batch broken in one place: its list (empty, too long, not a list) or one item among valid ones. */
const badItems = fc.oneof(
  fc.constantFrom([], "items", null, { ...ITEM.valid }),
  fc.constant(Array.from({ length: MAX_BATCH_ITEMS + 1 }, (_, n) => ({ ...ITEM.valid, idempotencyKey: `k${n}` }))),
  fc
    .tuple(badBody(ITEM.valid, ITEM.schema), fc.nat({ max: 2 }))
    .map(([bad, at]) => new RawJson(`[${[...Array(at).fill(toJsonText(ITEM.valid)), bad.text].join(",")}]`)),
);

let wallet: WalletUnderTest;
let routes: RouteSpec[];

/** Every wallet route with a valid call and its own ways of being wrong. */
async function walletRoutes(): Promise<RouteSpec[]> {
  const admin = await bearer("admin");
  const auth = await badAuth();
  const phone = { param: PHONE, badParam: badPhone.map(encodeURIComponent) };
  // A user may read their own wallet: the user token badAuth offers is another phone's.
  const reader = { ...phone, method: "GET" as const, headers: admin, badHeaders: auth };
  const writer = (kind: string): RouteSpec => ({
    ...phone,
    method: "POST",
    path: `/v1/wallets/:phone/${kind}`,
    body: ENTRY,
    headers: { ...admin, "idempotency-key": `property-${kind}` },
    badHeaders: fc.oneof(auth, badIdempotencyKey),
  });
  return [
    { ...reader, path: "/v1/wallets/:phone" },
    {
      ...reader,
      path: "/v1/wallets/:phone/transactions",
      query: { good: { limit: "20" }, bad: { limit: badLimit, cursor: badCursor } },
    },
    writer("credits"),
    writer("debits"),
    {
      method: "POST",
      path: "/v1/credit-batches",
      body: { valid: { items: [ITEM.valid] }, schema: { items: { required: true, bad: badItems } } },
      headers: admin,
      badHeaders: auth,
    },
  ];
}

beforeAll(async () => {
  wallet = await startWalletInProcess();
  const res = await fetch(`${wallet.url}/v1/wallets/${PHONE}/credits`, {
    method: "POST",
    headers: {
      ...(await bearer("service", "discount")),
      "content-type": "application/json",
      "idempotency-key": "seed",
    },
    body: JSON.stringify({ amount: 1_000_000 }),
  });
  expect(res.status).toBe(201);
  routes = await walletRoutes();
});
afterAll(() => wallet?.dispose());

test("every generated bad request to the wallet is a 4xx problem with a known code, and nothing is written", async () => {
  const before = await sqliteFingerprint(wallet.store.client);
  const started = performance.now();
  const statuses = await assertAllRefused(wallet.url, fc.oneof(...routes.map(badRequestsFor)), {
    numRuns: NUM_RUNS,
    label: "wallet",
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`[wallet] ${NUM_RUNS} requests in ${seconds}s, by status:`, Object.fromEntries(statuses));
  // Ledger writes are batched: give one that slipped through time to land before comparing.
  await Bun.sleep(50);
  expect(await sqliteFingerprint(wallet.store.client)).toEqual(before);
}, 120_000);

test("the same requests unbroken are accepted, so every refusal above is the generated fault's doing", async () => {
  await assertValidAccepted(wallet.url, routes);
});

test("a request without a Host header, or with one that is not a host, gets a 400 problem with its request id on every route", async () => {
  await assertBadHostsRefused(wallet.url, routes);
});

test("a Host header of three characters or fewer reaches every route like any other", async () => {
  await assertShortHostsAccepted(wallet.url, routes);
});
