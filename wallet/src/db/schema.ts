import { sql } from "drizzle-orm";
import { check, index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** One row per phone that ever had an entry. Amounts are integer Tomans. */
export const wallets = sqliteTable(
  "wallets",
  {
    phone: text("phone").primaryKey(),
    balance: integer("balance").notNull().default(0),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [check("wallets_balance_non_negative", sql`${t.balance} >= 0`)],
);

/**
 * Append-only ledger. `amount` is signed (credits positive, debits negative) so a
 * wallet's balance is literally the sum of its entries.
 */
export const ledger = sqliteTable(
  "ledger",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    phone: text("phone")
      .notNull()
      .references(() => wallets.phone),
    amount: integer("amount").notNull(),
    kind: text("kind", { enum: ["credit", "debit"] }).notNull(),
    balanceAfter: integer("balance_after").notNull(),
    reference: text("reference"),
    description: text("description"),
    idempotencyKey: text("idempotency_key").notNull().unique(),
    requestHash: text("request_hash").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("ledger_phone_id").on(t.phone, t.id),
    check("ledger_kind", sql`${t.kind} IN ('credit', 'debit')`),
    check(
      "ledger_amount_sign",
      sql`(${t.kind} = 'credit' AND ${t.amount} > 0) OR (${t.kind} = 'debit' AND ${t.amount} < 0)`,
    ),
    check("ledger_balance_after_non_negative", sql`${t.balanceAfter} >= 0`),
  ],
);

export type LedgerRow = typeof ledger.$inferSelect;

/**
 * What stays in the database of a ledger entry moved to an archive file: enough to
 * keep its Idempotency-Key answered (a late retry replays, it never credits twice)
 * and to keep `balance = live ledger sum + archived sum` checkable without the file.
 * Only the free-text description is left to the archive.
 */
export const archivedEntries = sqliteTable(
  "archived_entries",
  {
    idempotencyKey: text("idempotency_key").primaryKey(),
    requestHash: text("request_hash").notNull(),
    entryId: integer("entry_id").notNull().unique(),
    phone: text("phone").notNull(),
    kind: text("kind", { enum: ["credit", "debit"] }).notNull(),
    amount: integer("amount").notNull(),
    balanceAfter: integer("balance_after").notNull(),
    reference: text("reference"),
    createdAt: integer("created_at").notNull(),
    /** The archive file that holds the full entry. */
    archive: text("archive").notNull(),
  },
  (t) => [index("archived_entries_archive").on(t.archive), index("archived_entries_phone").on(t.phone)],
);

export type ArchivedEntryRow = typeof archivedEntries.$inferSelect;
