import type { ArchiveSource, EligibleSpan, ManifestEntry } from "@matchday/shared/archive";
import { and, asc, gt, lt, lte, sql } from "drizzle-orm";
import { type LedgerRow, ledger } from "../../db/schema";
import type { WalletStore, WalletTx } from "../../db/store";

/** Rows per insert statement on restore: ten columns each stays far below SQLite's parameter limit. */
const INSERT_CHUNK = 500;

const idList = (rows: Record<string, unknown>[]) => JSON.stringify(rows.map((row) => row.id));

/**
 * The wallet's ledger as an archive source. An archived entry leaves a row in
 * archived_entries in the same transaction that deletes it, so balances still equal
 * the live ledger sum plus the archived sum at every commit, and a late retry of
 * its Idempotency-Key still replays instead of crediting twice.
 */
export function ledgerArchiveSource(store: WalletStore): ArchiveSource {
  const removeLane = store.writes.lane(
    async (tx: WalletTx, jobs: { cutoff: number; ids: string; archive: string }[]) => {
      const removed: number[] = [];
      for (const { cutoff, ids, archive } of jobs) {
        const eligible = sql`id IN (SELECT value FROM json_each(${ids})) AND created_at < ${cutoff}`;
        await tx.run(sql`
        INSERT INTO archived_entries
          (idempotency_key, request_hash, entry_id, phone, kind, amount, balance_after, reference, created_at, archive)
        SELECT idempotency_key, request_hash, id, phone, kind, amount, balance_after, reference, created_at, ${archive}
        FROM ledger WHERE ${eligible}`);
        removed.push((await tx.run(sql`DELETE FROM ledger WHERE ${eligible}`)).rowsAffected);
      }
      return removed;
    },
  );

  const restoreLane = store.writes.lane(async (tx: WalletTx, pages: LedgerRow[][]) => {
    for (const rows of pages) {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await tx
          .insert(ledger)
          .values(rows.slice(i, i + INSERT_CHUNK))
          .onConflictDoNothing();
      }
      await tx.run(sql`DELETE FROM archived_entries WHERE entry_id IN (SELECT value FROM json_each(${idList(rows)}))`);
    }
    return pages.map(() => undefined);
  });

  return {
    table: "ledger",
    prefix: "wallet-ledger",
    async eligible(cutoff) {
      const [span] = await store.db
        .select({
          rows: sql<number>`count(*)`,
          firstId: sql<number>`min(${ledger.id})`,
          lastId: sql<number>`max(${ledger.id})`,
          oldest: sql<number>`min(${ledger.createdAt})`,
          newest: sql<number>`max(${ledger.createdAt})`,
        })
        .from(ledger)
        .where(lt(ledger.createdAt, cutoff));
      return span && span.rows > 0 ? (span as EligibleSpan) : undefined;
    },
    async *pages(cutoff, span, pageSize) {
      let after = span.firstId - 1;
      for (;;) {
        const page = await store.db
          .select()
          .from(ledger)
          .where(and(lt(ledger.createdAt, cutoff), gt(ledger.id, after), lte(ledger.id, span.lastId)))
          .orderBy(asc(ledger.id))
          .limit(pageSize);
        if (page.length === 0) return;
        yield page;
        after = page[page.length - 1]?.id ?? after;
      }
    },
    remove: (entry: ManifestEntry, rows) =>
      removeLane({ cutoff: entry.cutoff, ids: idList(rows), archive: entry.name }),
    restore: (_entry, rows) => restoreLane(rows as LedgerRow[]),
  };
}
