import { and, desc, eq, lt, sql } from "drizzle-orm";
import { ledger, wallets } from "../../db/schema";
import type { WalletStore } from "../../db/store";
import { type EntryCommand, type EntryOutcome, iso, toEntry } from "./entry";
import type { LedgerWriter } from "./ledger-batch";
import type { TransactionsPage, WalletView } from "./model";

/** The balance read is the wallet's most frequent query: built and prepared once per store, not per request. */
const balanceQueries = new WeakMap<WalletStore, ReturnType<typeof prepareBalanceQuery>>();
const prepareBalanceQuery = (store: WalletStore) =>
  store.db
    .select()
    .from(wallets)
    .where(eq(wallets.phone, sql.placeholder("phone")))
    .prepare();

export async function getWallet(store: WalletStore, phone: string): Promise<WalletView> {
  let query = balanceQueries.get(store);
  if (!query) {
    query = prepareBalanceQuery(store);
    balanceQueries.set(store, query);
  }
  const row = await query.get({ phone });
  return {
    phone,
    balance: row?.balance ?? 0,
    currency: "IRT",
    updatedAt: row ? iso(row.updatedAt) : null,
  };
}

export async function listTransactions(
  store: WalletStore,
  phone: string,
  page: { limit: number; cursor?: string },
): Promise<TransactionsPage> {
  const before = page.cursor ? Number(page.cursor) : undefined;
  const rows = await store.db
    .select()
    .from(ledger)
    .where(before ? and(eq(ledger.phone, phone), lt(ledger.id, before)) : eq(ledger.phone, phone))
    .orderBy(desc(ledger.id))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit).map(toEntry);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > page.limit && last ? String(last.id) : null };
}

/**
 * Applies a credit or debit exactly once per Idempotency-Key, through the process's
 * single ledger writer: the ledger row and the new balance commit together, and
 * BEGIN IMMEDIATE (libSQL's write transaction) orders writers in other processes.
 */
export function applyEntry(writer: LedgerWriter, command: EntryCommand): Promise<EntryOutcome> {
  return writer.apply(command);
}
