import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { bearer, TEST_METRICS_TOKEN } from "@matchday/testkit/http";
import { ledgerTotals, startWalletInProcess, type WalletUnderTest } from "@matchday/testkit/wallet";

let wallet: WalletUnderTest;
let service: Record<string, string>;
let phoneSeq = 0;
/** What Prometheus sends: /metrics is not public. */
const prometheus = { authorization: `Bearer ${TEST_METRICS_TOKEN}` };
const freshPhone = () => `0912${String(1_000_000 + phoneSeq++).slice(-7)}`;
const canonical = (phone: string) => `+98${phone.slice(1)}`;

beforeAll(async () => {
  wallet = await startWalletInProcess();
  service = await bearer("service");
});
afterAll(() => wallet.dispose());

function post(path: string, body: unknown, key: string | undefined, auth = service) {
  const headers: Record<string, string> = { "content-type": "application/json", ...auth };
  if (key !== undefined) headers["idempotency-key"] = key;
  return fetch(`${wallet.url}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
}
const credit = (phone: string, amount: number, key: string) => post(`/v1/wallets/${phone}/credits`, { amount }, key);
const debit = (phone: string, amount: number, key: string) => post(`/v1/wallets/${phone}/debits`, { amount }, key);
const balanceOf = async (phone: string) =>
  ((await (await fetch(`${wallet.url}/v1/wallets/${phone}`, { headers: service })).json()) as { balance: number })
    .balance;

describe("balances and entries", () => {
  test("a phone that was never credited has balance 0 and no update time", async () => {
    const res = await fetch(`${wallet.url}/v1/wallets/09350000001`, { headers: service });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ phone: "+989350000001", balance: 0, currency: "IRT", updatedAt: null });
  });

  test("a credit returns the ledger entry and raises the balance by exactly the amount", async () => {
    const phone = freshPhone();
    const res = await post(`/v1/wallets/${phone}/credits`, { amount: 1_000_000, reference: "gift:IRBR" }, "c-1");
    expect(res.status).toBe(201);
    const entry = (await res.json()) as Record<string, unknown>;
    expect(entry).toMatchObject({
      phone: canonical(phone),
      kind: "credit",
      amount: 1_000_000,
      balanceAfter: 1_000_000,
    });
    expect(entry.reference).toBe("gift:IRBR");
    expect(res.headers.get("idempotent-replayed")).toBeNull();
    expect(await balanceOf(phone)).toBe(1_000_000);
  });

  test("a debit is recorded as a negative entry and lowers the balance", async () => {
    const phone = freshPhone();
    await credit(phone, 500, `d-setup-${phone}`);
    const res = await debit(phone, 200, `d-${phone}`);
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ kind: "debit", amount: -200, balanceAfter: 300 });
    expect(await ledgerTotals(wallet.store, canonical(phone))).toEqual({ balance: 300, ledgerSum: 300, entries: 2 });
  });

  test("a debit beyond the balance is refused with INSUFFICIENT_FUNDS and changes nothing", async () => {
    const phone = freshPhone();
    await credit(phone, 100, `i-setup-${phone}`);
    const res = await debit(phone, 101, `i-${phone}`);
    expect(res.status).toBe(409);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(((await res.json()) as { code: string }).code).toBe("INSUFFICIENT_FUNDS");
    expect(await ledgerTotals(wallet.store, canonical(phone))).toEqual({ balance: 100, ledgerSum: 100, entries: 1 });
  });
});

describe("idempotency", () => {
  test("the same key with the same request returns the stored entry again, flagged as replayed", async () => {
    const phone = freshPhone();
    const first = await credit(phone, 700, `same-${phone}`);
    const again = await credit(phone, 700, `same-${phone}`);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(await first.json());
    expect(await ledgerTotals(wallet.store, canonical(phone))).toEqual({ balance: 700, ledgerSum: 700, entries: 1 });
  });

  test("the same key with a different request is refused with IDEMPOTENCY_KEY_REUSED", async () => {
    const phone = freshPhone();
    await credit(phone, 700, `reuse-${phone}`);
    for (const res of [
      await credit(phone, 701, `reuse-${phone}`),
      await debit(phone, 700, `reuse-${phone}`),
      await credit(freshPhone(), 700, `reuse-${phone}`),
    ]) {
      expect(res.status).toBe(409);
      expect(((await res.json()) as { code: string }).code).toBe("IDEMPOTENCY_KEY_REUSED");
    }
    expect(await balanceOf(phone)).toBe(700);
  });

  test("a credit without an Idempotency-Key is refused with 400 and nothing is written", async () => {
    const phone = freshPhone();
    const res = await post(`/v1/wallets/${phone}/credits`, { amount: 5 }, undefined);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe("IDEMPOTENCY_KEY_REQUIRED");
    const bad = await post(`/v1/wallets/${phone}/credits`, { amount: 5 }, "has space");
    expect(((await bad.json()) as { code: string }).code).toBe("IDEMPOTENCY_KEY_INVALID");
    expect((await ledgerTotals(wallet.store, canonical(phone))).entries).toBe(0);
  });
});

describe("concurrency", () => {
  test("1,000 concurrent credits with distinct keys land exactly, and replaying them adds nothing", async () => {
    const phone = freshPhone();
    const send = () =>
      Promise.all(Array.from({ length: 1000 }, (_, i) => credit(phone, 1000 + i, `burst-${phone}-${i}`)));
    const first = await send();
    expect(first.map((r) => r.status).filter((s) => s !== 201)).toEqual([]);
    const expected = Array.from({ length: 1000 }, (_, i) => 1000 + i).reduce((a, b) => a + b, 0);
    expect(await ledgerTotals(wallet.store, canonical(phone))).toEqual({
      balance: expected,
      ledgerSum: expected,
      entries: 1000,
    });

    const replays = await send();
    expect(replays.map((r) => r.status).filter((s) => s !== 201)).toEqual([]);
    expect(replays.every((r) => r.headers.get("idempotent-replayed") === "true")).toBe(true);
    expect(await ledgerTotals(wallet.store, canonical(phone))).toEqual({
      balance: expected,
      ledgerSum: expected,
      entries: 1000,
    });
  }, 60_000);

  test("concurrent debits racing past the balance never make it negative; the losers get INSUFFICIENT_FUNDS", async () => {
    const phone = freshPhone();
    await credit(phone, 10_000, `race-setup-${phone}`);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => debit(phone, 300, `race-${phone}-${i}`)));
    const won = results.filter((r) => r.status === 201).length;
    const lost = await Promise.all(results.filter((r) => r.status !== 201).map((r) => r.json()));
    expect(won).toBe(33); // floor(10_000 / 300)
    expect(lost).toHaveLength(17);
    expect(lost.every((p) => (p as { code: string }).code === "INSUFFICIENT_FUNDS")).toBe(true);
    expect(await ledgerTotals(wallet.store, canonical(phone))).toEqual({ balance: 100, ledgerSum: 100, entries: 34 });
  });
});

describe("transactions", () => {
  test("transactions are listed newest first and the cursor walks every entry exactly once", async () => {
    const phone = freshPhone();
    for (let i = 1; i <= 7; i++) expect((await credit(phone, i, `page-${phone}-${i}`)).status).toBe(201);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=3&cursor=${cursor}` : "?limit=3";
      const res = await fetch(`${wallet.url}/v1/wallets/${phone}/transactions${query}`, { headers: service });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: { amount: number }[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((e) => e.amount));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([7, 6, 5, 4, 3, 2, 1]);
  });

  test("a bad limit or cursor is a 422 naming the field", async () => {
    for (const query of ["?limit=0", "?limit=101", "?limit=abc", "?cursor=-1", "?cursor=abc"]) {
      const res = await fetch(`${wallet.url}/v1/wallets/09121234567/transactions${query}`, { headers: service });
      expect(res.status).toBe(422);
      const problem = (await res.json()) as { code: string; errors: { field: string }[] };
      expect(problem.code).toBe("VALIDATION_FAILED");
      expect(problem.errors[0]?.field).toStartWith("query.");
    }
  });
});

describe("operations", () => {
  test("/metrics counts new entries and the Tomans they moved, but not replays", async () => {
    const read = async () => (await fetch(`${wallet.url}/metrics`, { headers: prometheus })).text();
    const value = (text: string, name: string) =>
      Number(new RegExp(`^${name}\\{kind="credit"\\} (\\d+)$`, "m").exec(text)?.[1] ?? 0);
    const before = await read();
    const phone = freshPhone();
    await credit(phone, 1234, `metrics-${phone}`);
    await credit(phone, 1234, `metrics-${phone}`);
    const after = await read();
    expect(value(after, "wallet_entries_total") - value(before, "wallet_entries_total")).toBe(1);
    expect(value(after, "wallet_entry_tomans_total") - value(before, "wallet_entry_tomans_total")).toBe(1234);
    expect(after).toContain('route="/v1/wallets/:phone/credits"');
  });

  test("/ready reports the database as reachable", async () => {
    const res = await fetch(`${wallet.url}/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ready", checks: { database: "ok" } });
  });
});

test("/ready answers 503 naming the database when it cannot be reached", async () => {
  const broken = await startWalletInProcess();
  broken.store.client.close();
  const res = await fetch(`${broken.url}/ready`);
  expect(res.status).toBe(503);
  expect(await res.json()).toEqual({ status: "not-ready", checks: { database: "failing" } });
  await broken.app.stop(true);
  broken.database.dispose();
});
