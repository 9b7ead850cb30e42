import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { TEST_JWT_SECRET } from "@matchday/testkit/http";
import { ledgerTotals, startWalletInProcess, type WalletUnderTest, walletRequestsTo } from "@matchday/testkit/wallet";
import { batchingSender } from "./batcher";
import { batchesOf, type CreditSender, createCreditSender } from "./credit-sender";
import type { Credit } from "./owed";

let wallet: WalletUnderTest;
let sender: CreditSender;
let seq = 0;
/** A new winner's credit, its key shaped like a real one (gift:CODE:phone). */
const fresh = (amount = 100): Credit => {
  const phone = `+98936${String(1_000_000 + seq++).slice(-7)}`;
  return { phone, amount, idempotencyKey: `gift:SENDER:${phone}`, reference: "gift:SENDER" };
};

beforeAll(async () => {
  wallet = await startWalletInProcess();
  sender = createCreditSender({ baseUrl: wallet.url, jwtSecret: TEST_JWT_SECRET });
});
afterAll(() => wallet.dispose());

const batchRequests = () => walletRequestsTo(wallet.url, ["/v1/credit-batches"]);

describe("creditMany", () => {
  test("answers each credit in order: a new one, a replay and a key reused for another credit", async () => {
    const [a, b] = [fresh(), fresh()];
    expect(await sender.credit(a, 2_000)).toEqual({ outcome: "credited", replayed: false });
    const results = await sender.creditMany([b, a, { ...fresh(), idempotencyKey: a.idempotencyKey }], 2_000);
    expect(results).toEqual([
      { outcome: "credited", replayed: false },
      { outcome: "credited", replayed: true },
      { outcome: "refused", error: "wallet answered 409 IDEMPOTENCY_KEY_REUSED" },
    ]);
    expect(await ledgerTotals(wallet.store, a.phone)).toEqual({ balance: 100, ledgerSum: 100, entries: 1 });
  });

  test("more credits than fit one request go in several, each within the wallet's limits, all credited", async () => {
    const credits = Array.from({ length: 400 }, () => fresh());
    const batches = batchesOf(credits);
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.flat()).toEqual(credits);
    const before = await batchRequests();
    const results = await sender.creditMany(credits, 5_000);
    expect(results.every((r) => r.outcome === "credited" && !r.replayed)).toBe(true);
    expect((await batchRequests()) - before).toBe(batches.length);
  });

  test("a batch the wallet refuses whole is asked again one by one: only the bad credit is refused", async () => {
    const [good, bad] = [fresh(), { ...fresh(), phone: "0912" }];
    expect(await sender.creditMany([good, bad], 2_000)).toEqual([
      { outcome: "credited", replayed: false },
      { outcome: "refused", error: "wallet answered 422 INVALID_PHONE" },
    ]);
  });

  test("a wallet that does not answer makes every credit of the batch worth retrying", async () => {
    const nowhere = createCreditSender({ baseUrl: "http://127.0.0.1:9", jwtSecret: TEST_JWT_SECRET });
    expect(await nowhere.creditMany([fresh(), fresh()], 500)).toEqual([
      { outcome: "retry", error: "wallet unreachable" },
      { outcome: "retry", error: "wallet unreachable" },
    ]);
  });
});

describe("batchingSender", () => {
  test("credits asked for in one turn go in one wallet request, each caller getting its own answer", async () => {
    const batching = batchingSender(sender);
    const earlier = fresh();
    await sender.credit(earlier, 2_000);
    const before = await batchRequests();
    const asked = [fresh(), earlier, { ...fresh(), idempotencyKey: earlier.idempotencyKey }, ...Array(47)];
    const credits = asked.map((c: Credit | undefined) => c ?? fresh());
    const answers = await Promise.all(credits.map((c) => batching.credit(c, 2_000)));
    expect(answers.slice(0, 3)).toEqual([
      { outcome: "credited", replayed: false },
      { outcome: "credited", replayed: true },
      { outcome: "refused", error: "wallet answered 409 IDEMPOTENCY_KEY_REUSED" },
    ]);
    expect(answers.slice(3).every((a) => a.outcome === "credited" && !a.replayed)).toBe(true);
    expect((await batchRequests()) - before).toBe(1);
  });

  test("a credit asked for alone is sent at once, and later turns get requests of their own", async () => {
    const batching = batchingSender(sender);
    const before = await batchRequests();
    expect(await batching.credit(fresh(), 2_000)).toEqual({ outcome: "credited", replayed: false });
    expect(await batching.credit(fresh(), 2_000)).toEqual({ outcome: "credited", replayed: false });
    expect((await batchRequests()) - before).toBe(2);
  });
});

describe("debit", () => {
  test("a reversal's debit: debited once (a resend replays), short funds changes nothing, no wallet is worth retrying", async () => {
    const credit = fresh(500);
    await sender.credit(credit, 2_000);
    const debit = { ...credit, idempotencyKey: `reverse:${credit.idempotencyKey}`, reference: credit.idempotencyKey };
    const first = await sender.debit(debit, 2_000);
    expect(first).toMatchObject({ outcome: "debited", replayed: false });
    const { entryId } = first as { entryId: number };
    expect(await batchingSender(sender).debit(debit, 2_000)).toEqual({ outcome: "debited", entryId, replayed: true });
    expect(await ledgerTotals(wallet.store, credit.phone)).toEqual({ balance: 0, ledgerSum: 0, entries: 2 });

    const short = fresh(300);
    await sender.credit(short, 2_000);
    const over = { ...short, amount: 301, idempotencyKey: `reverse:${short.idempotencyKey}` };
    expect(await sender.debit(over, 2_000)).toEqual({ outcome: "insufficient-funds" });
    expect(await ledgerTotals(wallet.store, short.phone)).toEqual({ balance: 300, ledgerSum: 300, entries: 1 });

    const nowhere = createCreditSender({ baseUrl: "http://127.0.0.1:9", jwtSecret: TEST_JWT_SECRET });
    expect(await nowhere.debit(debit, 500)).toEqual({ outcome: "retry", error: "wallet unreachable" });
  });
});
