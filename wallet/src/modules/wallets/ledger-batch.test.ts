import { afterAll, beforeAll, expect, test } from "bun:test";
import { makeTempDatabase, type TempDatabase } from "@matchday/shared/test-support";
import { openWalletStore, WALLET_MIGRATIONS, type WalletStore } from "../../db/store";
import { ledgerTotals } from "../../testing";
import type { EntryCommand } from "./entry";
import { applyBatch } from "./ledger-batch";

let database: TempDatabase;
let store: WalletStore;
beforeAll(async () => {
  database = await makeTempDatabase(WALLET_MIGRATIONS);
  store = await openWalletStore(database.url, { migrate: false });
});
afterAll(async () => {
  await store.close();
  database.dispose();
});

const A = "+989120000001";
const B = "+989120000002";
const cmd = (kind: "credit" | "debit", phone: string, amount: number, key: string): EntryCommand => ({
  kind,
  phone,
  amount,
  idempotencyKey: key,
});

test("commands in one batch are decided in order: repeats replay, debits see earlier credits", async () => {
  const outcomes = await store.db.transaction((tx) =>
    applyBatch(
      tx,
      [
        cmd("debit", A, 1, "a-early-debit"), // nothing yet: refused
        cmd("credit", A, 100, "a-credit"),
        cmd("credit", A, 100, "a-credit"), // same key, same request: replay
        cmd("credit", A, 999, "a-credit"), // same key, other request: refused
        cmd("debit", A, 60, "a-debit"), // sees the credit above
        cmd("debit", A, 60, "a-debit-2"), // only 40 left: refused
        cmd("credit", B, 5, "b-credit"),
      ],
      () => 1_700_000_000_000,
    ),
  );
  expect(outcomes.map((o) => (o.ok ? (o.replayed ? "replayed" : "applied") : o.error))).toEqual([
    "INSUFFICIENT_FUNDS",
    "applied",
    "replayed",
    "IDEMPOTENCY_KEY_REUSED",
    "applied",
    "INSUFFICIENT_FUNDS",
    "applied",
  ]);
  const [, credit, replay] = outcomes;
  expect(credit?.ok && replay?.ok && replay.entry).toEqual(credit?.ok && credit.entry);
  expect(credit?.ok && typeof credit.entry.id).toBe("number");
  expect(await ledgerTotals(store, A)).toEqual({ balance: 40, ledgerSum: 40, entries: 2 });
  expect(await ledgerTotals(store, B)).toEqual({ balance: 5, ledgerSum: 5, entries: 1 });
});

test("a later batch replays keys committed by an earlier one", async () => {
  const [again] = await store.db.transaction((tx) => applyBatch(tx, [cmd("credit", B, 5, "b-credit")], Date.now));
  expect(again).toMatchObject({ ok: true, replayed: true });
  expect(await ledgerTotals(store, B)).toEqual({ balance: 5, ledgerSum: 5, entries: 1 });
});
