import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type DiscountStack, type DiscountUnderTest, startDiscountStack } from "@matchday/testkit/discount";
import { bearer } from "@matchday/testkit/http";

let stack: DiscountStack;
let discount: DiscountUnderTest;
let admin: Record<string, string>;
let service: Record<string, string>;

beforeAll(async () => {
  stack = await startDiscountStack();
  ({ discount } = stack);
  admin = await bearer("admin");
  service = await bearer("service");
});
afterAll(() => stack?.dispose());

let phones = 0;
const nextPhone = () => `0912400${String(++phones).padStart(4, "0")}`;
const canonical = (phone: string) => `+98${phone.slice(1)}`;
const json = (headers: Record<string, string>) => ({ ...headers, "content-type": "application/json" });

async function post(path: string, body: unknown, headers: Record<string, string> = admin, base = discount.url) {
  const res = await fetch(`${base}${path}`, { method: "POST", headers: json(headers), body: JSON.stringify(body) });
  return { res, body: (await res.json()) as Record<string, unknown> };
}

async function newCoupon(amount = 40_000): Promise<string> {
  return (await post("/generate-coupon", { amount })).body.code as string;
}

const redeemCoupon = (code: string, phone: string) => post("/redeem-coupon", { code, phone }, service);
const rollback = (code: string, key: string, reason = "sold by mistake") =>
  post(`/v1/coupons/${code}/rollback`, { reason }, { ...admin, "idempotency-key": key });

async function couponStatus(code: string) {
  const res = await fetch(`${discount.url}/coupon-status?code=${code}`, { headers: admin });
  return ((await res.json()) as { status: string }).status;
}

type Entry = { kind: string; amount: number; reference: string | null; balanceAfter: number };
/** The wallet's own view, over its HTTP API: the balance and every ledger entry, newest first. */
async function walletOf(phone: string) {
  const [wallet, page] = await Promise.all(
    [`/v1/wallets/${phone}`, `/v1/wallets/${phone}/transactions?limit=100`].map((path) =>
      fetch(`${stack.wallet.url}${path}`, { headers: service }).then((r) => r.json()),
    ),
  );
  return { balance: (wallet as { balance: number }).balance, entries: (page as { items: Entry[] }).items };
}

async function redemptionRows(code: string) {
  const { rows } = await discount.store.client.execute({
    sql: "SELECT r.* FROM redemptions r JOIN campaigns c ON c.id = r.campaign_id WHERE c.code = ? ORDER BY r.id",
    args: [code],
  });
  return rows.map((row) => ({ ...row }));
}

const reversalCount = async () =>
  Number((await discount.store.client.execute("SELECT count(*) AS n FROM reversals")).rows[0]?.n);

describe("coupon rollback", () => {
  test("a rolled-back coupon's credit is debited back once, and the coupon is UNUSED for anyone to redeem", async () => {
    const code = await newCoupon();
    const [first, second] = [nextPhone(), nextPhone()];
    expect((await redeemCoupon(code, first)).body).toMatchObject({ status: "credited" });

    const done = await rollback(code, `rb-${code}`);
    expect(done.res.status).toBe(200);
    expect(done.body).toMatchObject({
      kind: "rollback",
      code,
      phone: canonical(first),
      amount: 40_000,
      status: "done",
      reason: "sold by mistake",
      actor: "admin:admin",
    });
    const again = await rollback(code, `rb-${code}`);
    expect(again.res.status).toBe(200);
    expect(again.res.headers.get("idempotent-replayed")).toBe("true");

    const wallet = await walletOf(first);
    expect(wallet.balance).toBe(0);
    expect(wallet.entries.map((e) => [e.kind, e.amount])).toEqual([
      ["debit", -40_000],
      ["credit", 40_000],
    ]);
    // The debit names the credit it reverses.
    expect(wallet.entries[0]?.reference).toBe(`gift:${code}:${canonical(first)}`);
    expect(await couponStatus(code)).toBe("UNUSED");

    expect((await redeemCoupon(code, second)).body).toMatchObject({ status: "credited", phone: canonical(second) });
    expect(await couponStatus(code)).toBe("USED");
    expect((await walletOf(second)).balance).toBe(40_000);
  });

  test("the same phone redeeming a rolled-back coupon again is credited again, under a key of its own", async () => {
    const code = await newCoupon(7_000);
    const phone = nextPhone();
    await redeemCoupon(code, phone);
    expect((await rollback(code, `once-${code}`)).res.status).toBe(200);
    expect((await redeemCoupon(code, phone)).body).toMatchObject({ status: "credited" });
    const wallet = await walletOf(phone);
    expect(wallet.balance).toBe(7_000);
    expect(wallet.entries.map((e) => e.kind)).toEqual(["credit", "debit", "credit"]);
  });

  test("a rollback refused because the money was spent changes nothing: balance, ledger, status, redemption", async () => {
    const code = await newCoupon(25_000);
    const phone = nextPhone();
    await redeemCoupon(code, phone);
    const spent = await post(
      `/v1/wallets/${phone}/debits`,
      { amount: 10_000 },
      { ...service, "idempotency-key": `spend-${phone}` },
      stack.wallet.url,
    );
    expect(spent.res.status).toBe(201);
    const [walletBefore, rowsBefore, reversalsBefore] = [
      await walletOf(phone),
      await redemptionRows(code),
      await reversalCount(),
    ];

    const refused = await rollback(code, `broke-${code}`);
    expect(refused.res.status).toBe(409);
    expect(refused.res.headers.get("content-type")).toContain("application/problem+json");
    expect(refused.body.code).toBe("REVERSAL_INSUFFICIENT_FUNDS");

    expect(await walletOf(phone)).toEqual(walletBefore);
    expect(await redemptionRows(code)).toEqual(rowsBefore);
    expect(await reversalCount()).toBe(reversalsBefore);
    expect(await couponStatus(code)).toBe("USED");
    // Still the winner's: another phone cannot take it.
    expect((await redeemCoupon(code, nextPhone())).body.code).toBe("COUPON_ALREADY_USED");
  });

  test("ten rollbacks of one coupon at once, each with its own key, debit it back once", async () => {
    const code = await newCoupon(3_000);
    const phone = nextPhone();
    await redeemCoupon(code, phone);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => rollback(code, `race-${code}-${i}`)));
    const statuses = answers.map((a) => (a.res.status === 200 ? "done" : a.body.code)).sort();
    expect(statuses.filter((s) => s === "done")).toHaveLength(1);
    // The others met the reversal under way, or the coupon already unused.
    expect(statuses.every((s) => ["done", "ALREADY_REVERSED", "COUPON_NOT_USED"].includes(String(s)))).toBe(true);
    expect((await walletOf(phone)).entries.filter((e) => e.kind === "debit")).toHaveLength(1);
  });

  test("rolling back an unused coupon, an unknown one, or with the key of another request is refused", async () => {
    const code = await newCoupon();
    expect((await rollback(code, `unused-${code}`)).body.code).toBe("COUPON_NOT_USED");
    expect((await rollback("ZZZZZZZZ", "unknown")).body.code).toBe("COUPON_NOT_FOUND");
    await redeemCoupon(code, nextPhone());
    expect((await rollback(code, `k-${code}`)).res.status).toBe(200);
    const reused = await rollback(code, `k-${code}`, "another reason");
    expect(reused.res.status).toBe(409);
    expect(reused.body.code).toBe("IDEMPOTENCY_KEY_REUSED");
  });
});

describe("coupon revoke", () => {
  test("a revoked coupon reads REVOKED and is refused with COUPON_REVOKED; a used one cannot be revoked", async () => {
    const code = await newCoupon();
    const revoked = await post(`/v1/coupons/${code}/revoke`, { reason: "leaked" });
    expect(revoked.res.status).toBe(200);
    expect(revoked.body).toMatchObject({ code, status: "REVOKED" });
    expect((await post(`/v1/coupons/${code}/revoke`, {})).body).toEqual(revoked.body);
    expect(await couponStatus(code)).toBe("REVOKED");
    const refused = await redeemCoupon(code, nextPhone());
    expect(refused.res.status).toBe(410);
    expect(refused.body.code).toBe("COUPON_REVOKED");

    const used = await newCoupon();
    await redeemCoupon(used, nextPhone());
    const late = await post(`/v1/coupons/${used}/revoke`, {});
    expect(late.res.status).toBe(409);
    expect(late.body.code).toBe("COUPON_ALREADY_USED");
    expect(await couponStatus(used)).toBe("USED");
  });
});

describe("gift void", () => {
  test("a voided winner is debited back, shown voided in the report and CSV, and the slot goes to nobody", async () => {
    const created = await post("/v1/campaigns", { name: "void", amount: 9_000, maxRedemptions: 2 });
    const code = created.body.code as string;
    const [a, b] = [nextPhone(), nextPhone()];
    for (const phone of [a, b]) expect((await post("/v1/redeem", { code, phone }, service)).res.status).toBe(201);

    const voided = await post(`/v1/campaigns/${code}/redemptions/${a}/void`, { reason: "fraud" });
    expect(voided.res.status).toBe(200);
    expect(voided.body).toMatchObject({ kind: "void", phone: canonical(a), amount: 9_000, status: "done" });
    expect((await walletOf(a)).balance).toBe(0);
    // Without a key of the caller's, the same void again replays; another reason is a second void, refused.
    expect((await post(`/v1/campaigns/${code}/redemptions/${a}/void`, { reason: "fraud" })).res.status).toBe(200);
    expect((await post(`/v1/campaigns/${code}/redemptions/${a}/void`, { reason: "x" })).body.code).toBe(
      "ALREADY_REVERSED",
    );

    const report = (await (await fetch(`${discount.url}/v1/campaigns/${code}/report`, { headers: admin })).json()) as {
      redeemed: number;
      remaining: number;
      voided: number;
      winners: { phone: string; voided: { by: string; reason: string; at: string } | null }[];
    };
    expect(report).toMatchObject({ redeemed: 2, remaining: 0, voided: 1 });
    expect(report.winners[0]?.voided).toMatchObject({ by: "admin:admin", reason: "fraud" });
    expect(report.winners[1]?.voided).toBeNull();
    const csv = await (
      await fetch(`${discount.url}/v1/campaigns/${code}/report?format=csv`, { headers: admin })
    ).text();
    expect(csv.split("\r\n")[0]).toEndWith(",voided_at,voided_by,void_reason");
    expect(csv.split("\r\n")[1]).toEndWith(",admin:admin,fraud");

    const late = await post("/v1/redeem", { code, phone: nextPhone() }, service);
    expect(late.body.code).toBe("CAMPAIGN_EXHAUSTED");
    // The voided winner asking again hears that its win was voided, and gets nothing.
    const again = await post("/v1/redeem", { code, phone: a }, service);
    expect(again.res.status).toBe(200);
    expect(again.body).toMatchObject({ status: "voided", phone: canonical(a) });
    expect((await walletOf(a)).balance).toBe(0);
  });

  test("voiding a phone that did not win, or a coupon's code, is refused with 404", async () => {
    const created = await post("/v1/campaigns", { name: "void-404", amount: 1, maxRedemptions: 1 });
    const code = created.body.code as string;
    const missing = await post(`/v1/campaigns/${code}/redemptions/${nextPhone()}/void`, { reason: "x" });
    expect(missing.body.code).toBe("REDEMPTION_NOT_FOUND");
    const coupon = await newCoupon();
    const notGift = await post(`/v1/campaigns/${coupon}/redemptions/${nextPhone()}/void`, { reason: "x" });
    expect(notGift.body.code).toBe("CAMPAIGN_NOT_FOUND");
  });
});
