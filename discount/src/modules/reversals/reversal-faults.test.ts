import { afterAll, beforeAll, expect, test } from "bun:test";
import { type DiscountUnderTest, startDiscountInProcess } from "@matchday/testkit/discount";
import { bearer } from "@matchday/testkit/http";
import {
  type DelayProxy,
  type RedisAndWallet,
  startDelayProxy,
  startRedisAndWallet,
  waitFor,
} from "@matchday/testkit/processes";

/**
 * The wallet dies mid-rollback: after it committed the debit, before the discount heard so.
 * The delay proxy holds the wallet's answer back past the discount's timeout, and the wallet
 * is killed with SIGKILL while it is held; the relay must finish the reversal once the wallet
 * is back, with the same key, so the ledger holds exactly one debit.
 */
let base: RedisAndWallet;
let proxy: DelayProxy;
let discount: DiscountUnderTest;
let admin: Record<string, string>;
let service: Record<string, string>;

beforeAll(async () => {
  base = await startRedisAndWallet();
  proxy = startDelayProxy(base.wallet.url);
  discount = await startDiscountInProcess({ redisUrl: base.redis.url, walletUrl: proxy.url, walletTimeoutMs: 1_000 });
  admin = await bearer("admin");
  service = await bearer("service");
});
afterAll(async () => {
  await discount?.dispose();
  proxy?.stop();
  await base?.dispose({ hard: true });
});

const json = (headers: Record<string, string>) => ({ ...headers, "content-type": "application/json" });
const post = (path: string, body: unknown, headers: Record<string, string>) =>
  fetch(`${discount.url}${path}`, { method: "POST", headers: json(headers), body: JSON.stringify(body) });

type Entry = { kind: string; amount: number };
async function ledgerOf(phone: string): Promise<Entry[]> {
  const res = await fetch(`${base.wallet.url}/v1/wallets/${phone}/transactions?limit=100`, { headers: service });
  return ((await res.json()) as { items: Entry[] }).items;
}

const reversalStatus = async () =>
  (await discount.store.client.execute("SELECT status FROM reversals")).rows.map((r) => r.status);

test("the wallet killed after committing a rollback's debit and restarted: the rollback completes with exactly one debit", async () => {
  const phone = "09125550001";
  const code = ((await (await post("/generate-coupon", { amount: 30_000 }, admin)).json()) as { code: string }).code;
  const won = (await (await post("/redeem-coupon", { code, phone }, service)).json()) as { status: string };
  expect(won.status).toBe("credited");

  proxy.delayMs = 3_000;
  const asked = post(`/v1/coupons/${code}/rollback`, { reason: "refund" }, { ...admin, "idempotency-key": "kill-1" });
  await waitFor("the wallet to commit the debit", async () => (await ledgerOf(phone)).length === 2, 5_000);
  await base.wallet.kill();

  const answer = await asked;
  expect(answer.status).toBe(202);
  expect(await answer.json()).toMatchObject({ status: "pending", kind: "rollback" });
  expect(await reversalStatus()).toEqual(["pending"]);

  proxy.delayMs = 0;
  await base.wallet.start();
  await waitFor("the relay to finish the rollback", async () => (await reversalStatus())[0] === "done", 30_000);

  const ledger = await ledgerOf(phone);
  expect(ledger.map((e) => [e.kind, e.amount])).toEqual([
    ["debit", -30_000],
    ["credit", 30_000],
  ]);
  const status = await fetch(`${discount.url}/coupon-status?code=${code}`, { headers: admin });
  expect(((await status.json()) as { status: string }).status).toBe("UNUSED");
  // Asked again with its key, the rollback answers as done, and debits nothing more.
  const again = await post(
    `/v1/coupons/${code}/rollback`,
    { reason: "refund" },
    { ...admin, "idempotency-key": "kill-1" },
  );
  expect(again.status).toBe(200);
  expect((await ledgerOf(phone)).length).toBe(2);
}, 60_000);

test("a coupon whose credit the wallet has not confirmed yet cannot be rolled back; once credited it can", async () => {
  const phone = "09125550002";
  const code = ((await (await post("/generate-coupon", { amount: 8_000 }, admin)).json()) as { code: string }).code;
  await base.wallet.kill();
  const won = (await (await post("/redeem-coupon", { code, phone }, service)).json()) as { status: string };
  expect(won.status).toBe("pending");

  const early = await post(
    `/v1/coupons/${code}/rollback`,
    { reason: "refund" },
    { ...admin, "idempotency-key": "early" },
  );
  expect(early.status).toBe(409);
  expect(((await early.json()) as { code: string }).code).toBe("CREDIT_NOT_SETTLED");
  const reversals = await discount.store.client.execute("SELECT count(*) AS n FROM reversals WHERE debit_key LIKE ?", [
    `%${code}%`,
  ]);
  expect(Number(reversals.rows[0]?.n)).toBe(0);

  await base.wallet.start();
  await waitFor("the relay to credit the winner", async () => (await ledgerOf(phone)).length === 1, 30_000);
  await waitFor("the credit to be settled", async () => {
    const { rows } = await discount.store.client.execute("SELECT status FROM redemptions WHERE phone = ?", [
      "+989125550002",
    ]);
    return rows[0]?.status === "credited";
  });
  const later = await post(
    `/v1/coupons/${code}/rollback`,
    { reason: "refund" },
    { ...admin, "idempotency-key": "early" },
  );
  expect(later.status).toBe(200);
  expect((await ledgerOf(phone)).map((e) => e.kind)).toEqual(["debit", "credit"]);
}, 60_000);
