import type { Clock } from "@matchday/shared/clock";
import { inJsonList } from "@matchday/shared/db";
import { sql } from "drizzle-orm";
import { archivedEntries, type LedgerRow, ledger, wallets } from "../../db/schema";
import type { WalletStore, WalletTx } from "../../db/store";
import { type EntryCommand, type EntryOutcome, requestHash, toEntry } from "./entry";
import type { LedgerEntry } from "./model";

type NewRow = typeof ledger.$inferInsert & { idempotencyKey: string };

/**
 * Applies a batch of credits and debits in one write transaction with a handful of
 * set-based statements (libSQL costs ~0.1 ms a statement, so per-entry statements
 * cap throughput). Commands are decided in arrival order against balances and keys
 * read inside the same transaction, so a repeated key in one batch replays and a
 * debit sees the credits queued before it.
 */
export async function applyBatch(tx: WalletTx, commands: EntryCommand[], now: Clock): Promise<EntryOutcome[]> {
  const keys = [...new Set(commands.map((c) => c.idempotencyKey))];
  const phones = [...new Set(commands.map((c) => c.phone))];
  const seen = new Map<string, LedgerRow | NewRow>(
    (await tx.select().from(ledger).where(inJsonList(ledger.idempotencyKey, keys))).map((r) => [r.idempotencyKey, r]),
  );
  if (seen.size < keys.length) {
    // A key whose entry was archived still replays (its description stays in the archive).
    const archived = await tx.select().from(archivedEntries).where(inJsonList(archivedEntries.idempotencyKey, keys));
    for (const { entryId, archive: _file, ...row } of archived)
      seen.set(row.idempotencyKey, { ...row, id: entryId, description: null });
  }
  const balances = new Map(
    (await tx.select().from(wallets).where(inJsonList(wallets.phone, phones))).map((w) => [w.phone, w.balance]),
  );

  const at = now();
  const fresh: NewRow[] = [];
  const decided = commands.map((command): EntryOutcome | NewRow => {
    const hash = requestHash(command);
    const earlier = seen.get(command.idempotencyKey);
    if (earlier) {
      if (earlier.requestHash !== hash) return { ok: false, error: "IDEMPOTENCY_KEY_REUSED" };
      return earlier; // replay: resolved to its entry once ids are known
    }
    const signed = command.kind === "credit" ? command.amount : -command.amount;
    const balanceAfter = (balances.get(command.phone) ?? 0) + signed;
    if (balanceAfter < 0) return { ok: false, error: "INSUFFICIENT_FUNDS" };
    if (!Number.isSafeInteger(balanceAfter)) return { ok: false, error: "BALANCE_LIMIT_EXCEEDED" };
    const row: NewRow = {
      phone: command.phone,
      amount: signed,
      kind: command.kind,
      balanceAfter,
      reference: command.reference ?? null,
      description: command.description ?? null,
      idempotencyKey: command.idempotencyKey,
      requestHash: hash,
      createdAt: at,
    };
    balances.set(command.phone, balanceAfter);
    seen.set(command.idempotencyKey, row);
    fresh.push(row);
    return row;
  });

  if (fresh.length > 0) {
    const touched = [...new Set(fresh.map((r) => r.phone))];
    // Each statement takes its rows as one JSON parameter, so its text (and prepared plan) is
    // the same for any batch size; drizzle's multi-row insert built one per size, value by value.
    const touchedBalances = JSON.stringify(touched.map((phone) => [phone, balances.get(phone) ?? 0]));
    // `WHERE true`: SQLite reads an upsert's ON CONFLICT after a SELECT only with a WHERE clause.
    await tx.run(sql`
      INSERT INTO ${wallets} (phone, balance, updated_at)
      SELECT value ->> 0, value ->> 1, ${at} FROM json_each(${touchedBalances}) WHERE true
      ON CONFLICT (phone) DO UPDATE SET balance = excluded.balance, updated_at = excluded.updated_at`);
    const entries = JSON.stringify(
      fresh.map((r) => [
        r.phone,
        r.amount,
        r.kind,
        r.balanceAfter,
        r.reference,
        r.description,
        r.idempotencyKey,
        r.requestHash,
      ]),
    );
    const ids = await tx.all<{ id: number; key: string }>(sql`
      INSERT INTO ${ledger} (phone, amount, kind, balance_after, reference, description, idempotency_key, request_hash, created_at)
      SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7, ${at}
        FROM json_each(${entries})
      RETURNING id, idempotency_key AS key`);
    const idOf = new Map(ids.map((r) => [r.key, r.id]));
    for (const row of fresh) row.id = idOf.get(row.idempotencyKey);
  }

  const freshKeys = new Set(fresh.map((r) => r.idempotencyKey));
  return decided.map((d, i): EntryOutcome => {
    if ("ok" in d) return d;
    const entry: LedgerEntry = toEntry(d as LedgerRow);
    // The first command that wrote a fresh row is not a replay; any later one in the batch is.
    const firstWriter = freshKeys.has(d.idempotencyKey) && decided.indexOf(d) === i;
    return { ok: true, entry, replayed: !firstWriter };
  });
}

export interface LedgerWriter {
  apply(command: EntryCommand): Promise<EntryOutcome>;
  drain(): Promise<void>;
}

/** Every credit and debit in this process goes through the store's single write queue. */
export function createLedgerWriter(store: WalletStore, now: Clock): LedgerWriter {
  return {
    apply: store.writes.lane((tx, batch: EntryCommand[]) => applyBatch(tx, batch, now)),
    drain: () => store.writes.drain(),
  };
}
