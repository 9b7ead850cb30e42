import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { bearer, TEST_METRICS_TOKEN } from "@matchday/testkit/http";
import { ledgerTotals, startWalletInProcess, type WalletUnderTest } from "@matchday/testkit/wallet";
import { MAX_BATCH_ITEMS } from "./model";

let wallet: WalletUnderTest;
let service: Record<string, string>;
let phoneSeq = 0;
const freshPhone = () => `0913${String(1_000_000 + phoneSeq++).slice(-7)}`;
const canonical = (phone: string) => `+98${phone.slice(1)}`;

beforeAll(async () => {
  wallet = await startWalletInProcess();
  service = await bearer("service");
});
afterAll(() => wallet.dispose());

type Item = { phone: string; amount: number; idempotencyKey: string; reference?: string; description?: string };
type Result = { status: number; replayed?: boolean; code?: string; detail?: string; entry?: Record<string, unknown> };

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${wallet.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...service, ...headers },
    body: JSON.stringify(body),
  });
const batch = (items: unknown[]) => post("/v1/credit-batches", { items });
async function results(items: Item[]): Promise<Result[]> {
  const res = await batch(items);
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: Result[] }).items;
}
const ledgerRows = async () =>
  Number((await wallet.store.client.execute("SELECT count(*) AS n FROM ledger")).rows[0]?.n);

describe("credit batches", () => {
  test("each item gets its own result in request order: new, replayed and a reused key side by side", async () => {
    const [a, b, c] = [freshPhone(), freshPhone(), freshPhone()];
    await results([{ phone: a, amount: 100, idempotencyKey: `mix-${a}` }]);
    const answers = await results([
      { phone: b, amount: 200, idempotencyKey: `mix-${b}`, reference: "gift:MIX" },
      { phone: a, amount: 100, idempotencyKey: `mix-${a}` },
      { phone: c, amount: 999, idempotencyKey: `mix-${a}` },
    ]);
    expect(answers[0]).toMatchObject({ status: 201, replayed: false });
    expect(answers[0]?.entry).toMatchObject({
      phone: canonical(b),
      kind: "credit",
      amount: 200,
      reference: "gift:MIX",
    });
    expect(answers[1]).toMatchObject({
      status: 201,
      replayed: true,
      entry: { phone: canonical(a), balanceAfter: 100 },
    });
    expect(answers[2]).toEqual({
      status: 409,
      code: "IDEMPOTENCY_KEY_REUSED",
      detail: "The Idempotency-Key was already used for a different request",
    });
    expect(await ledgerTotals(wallet.store, canonical(a))).toEqual({ balance: 100, ledgerSum: 100, entries: 1 });
    expect(await ledgerTotals(wallet.store, canonical(c))).toEqual({ balance: 0, ledgerSum: 0, entries: 0 });
  });

  test("a key first used by a single credit replays in a batch: the same entry, the balance unchanged", async () => {
    const phone = freshPhone();
    const single = await post(
      `/v1/wallets/${phone}/credits`,
      { amount: 700 },
      { "idempotency-key": `single-${phone}` },
    );
    expect(single.status).toBe(201);
    const entry = await single.json();
    const [again] = await results([{ phone, amount: 700, idempotencyKey: `single-${phone}` }]);
    expect(again).toEqual({ status: 201, replayed: true, entry });
    expect(await ledgerTotals(wallet.store, canonical(phone))).toEqual({ balance: 700, ledgerSum: 700, entries: 1 });
  });

  test("a key first used in a batch replays as a single credit with Idempotent-Replayed", async () => {
    const phone = freshPhone();
    const [first] = await results([{ phone, amount: 300, idempotencyKey: `batch-${phone}` }]);
    const single = await post(`/v1/wallets/${phone}/credits`, { amount: 300 }, { "idempotency-key": `batch-${phone}` });
    expect(single.status).toBe(201);
    expect(single.headers.get("idempotent-replayed")).toBe("true");
    expect(await single.json()).toEqual(first?.entry as Record<string, unknown>);
  });

  test("the same key twice in one batch credits once: the second item replays the first's entry", async () => {
    const phone = freshPhone();
    const item = { phone, amount: 50, idempotencyKey: `twice-${phone}` };
    const [first, second] = await results([item, item]);
    expect(first).toMatchObject({ status: 201, replayed: false });
    expect(second).toEqual({ ...(first as Result), replayed: true });
    expect(await ledgerTotals(wallet.store, canonical(phone))).toEqual({ balance: 50, ledgerSum: 50, entries: 1 });
  });

  test("credits to one phone in a batch add up in order, like single credits one after another", async () => {
    const phone = freshPhone();
    const answers = await results([1, 2, 3].map((n) => ({ phone, amount: n, idempotencyKey: `sum-${phone}-${n}` })));
    expect(answers.map((r) => r.entry?.balanceAfter)).toEqual([1, 3, 6]);
    expect(await ledgerTotals(wallet.store, canonical(phone))).toEqual({ balance: 6, ledgerSum: 6, entries: 3 });
  });

  test("concurrent batches and single credits to the same keys credit each key exactly once", async () => {
    const phones = Array.from({ length: 40 }, freshPhone);
    const items = phones.map((phone) => ({ phone, amount: 10, idempotencyKey: `race-${phone}` }));
    const before = await ledgerRows();
    const answers = await Promise.all([
      batch(items),
      batch([...items].reverse()),
      ...items.map((i) =>
        post(`/v1/wallets/${i.phone}/credits`, { amount: 10 }, { "idempotency-key": i.idempotencyKey }),
      ),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, ...Array(40).fill(201)]);
    expect((await ledgerRows()) - before).toBe(40);
    for (const phone of phones)
      expect(await ledgerTotals(wallet.store, canonical(phone))).toEqual({ balance: 10, ledgerSum: 10, entries: 1 });
  });

  test("one invalid item refuses the whole batch naming that item, and nothing is credited", async () => {
    const good = freshPhone();
    const before = await ledgerRows();
    const cases: [unknown, number, string, string][] = [
      [{ phone: "0912", amount: 1, idempotencyKey: "k-bad-phone" }, 422, "INVALID_PHONE", "body.items.1.phone"],
      [{ phone: good, amount: 0, idempotencyKey: "k-zero" }, 422, "VALIDATION_FAILED", "body.items.1.amount"],
      [
        { phone: good, amount: 1, idempotencyKey: "a b" },
        400,
        "IDEMPOTENCY_KEY_INVALID",
        "body.items.1.idempotencyKey",
      ],
      [{ phone: good, amount: 1 }, 400, "IDEMPOTENCY_KEY_REQUIRED", "body.items.1.idempotencyKey"],
      [
        { phone: good, amount: 1, idempotencyKey: "k-extra", kind: "debit" },
        422,
        "VALIDATION_FAILED",
        "body.items.1.kind",
      ],
    ];
    for (const [bad, status, code, field] of cases) {
      const res = await batch([{ phone: good, amount: 1, idempotencyKey: `ok-${good}` }, bad]);
      expect(res.status).toBe(status);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      const problem = (await res.json()) as { code: string; errors: { field: string }[] };
      expect(problem.code).toBe(code);
      expect(problem.errors.map((e) => e.field)).toContain(field);
    }
    expect(await ledgerRows()).toBe(before);
  });

  test("an empty batch and one over the item limit are refused", async () => {
    const phone = freshPhone();
    const over = Array.from({ length: MAX_BATCH_ITEMS + 1 }, (_, n) => ({ phone, amount: 1, idempotencyKey: `o${n}` }));
    for (const items of [[], over]) {
      const res = await batch(items);
      // 501 items are also past the default body limit: either refusal is a whole-request one.
      expect([413, 422]).toContain(res.status);
    }
    expect(await ledgerTotals(wallet.store, canonical(phone))).toEqual({ balance: 0, ledgerSum: 0, entries: 0 });
  });

  test("the wallet's entry metrics count each new credit of a batch, not its replays", async () => {
    const metric = async () => {
      const text = await (
        await fetch(`${wallet.url}/metrics`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } })
      ).text();
      return Number(/wallet_entries_total\{kind="credit"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const phone = freshPhone();
    const before = await metric();
    await results([
      { phone, amount: 5, idempotencyKey: `m1-${phone}` },
      { phone, amount: 5, idempotencyKey: `m1-${phone}` },
      { phone, amount: 6, idempotencyKey: `m2-${phone}` },
    ]);
    expect((await metric()) - before).toBe(2);
  });
});
