import type { ArchiveSource, EligibleSpan } from "@matchday/shared/archive";
import { sql } from "drizzle-orm";
import { type OutboxRow, outbox, type RedemptionRow, redemptions } from "../../db/schema";
import type { DiscountStore, DiscountTx } from "../../db/store";

/** One archived winner: the redemption with its delivered outbox row, as they were. */
type ArchivedRedemption = RedemptionRow & { outbox: OutboxRow };

/** Rows per insert statement on restore, far below SQLite's parameter limit. */
const INSERT_CHUNK = 500;

/**
 * Only settled history qualifies: the campaign ended before the cut-off, the winner
 * was credited and the delivery is done. Such rows never change again, so the file
 * and the rows it replaces cannot drift apart. Failed credits stay in the database,
 * where reconcile and the report can still see them.
 */
const settledBefore = (cutoff: number) => sql`
  FROM redemptions r
  JOIN campaigns c ON c.id = r.campaign_id
  JOIN outbox o ON o.redemption_id = r.id
  WHERE c.ends_at < ${cutoff} AND r.status = 'credited' AND o.status = 'done'`;

const idList = (rows: Record<string, unknown>[]) => JSON.stringify(rows.map((row) => row.id));

/** The discount service's winners of ended campaigns as an archive source. */
export function redemptionArchiveSource(store: DiscountStore): ArchiveSource {
  const removeLane = store.writes.lane(async (tx: DiscountTx, jobs: { cutoff: number; ids: string }[]) => {
    const removed: number[] = [];
    for (const { cutoff, ids } of jobs) {
      const mine = await tx.all<{ id: number }>(
        sql`SELECT r.id ${settledBefore(cutoff)} AND r.id IN (SELECT value FROM json_each(${ids}))`,
      );
      const still = JSON.stringify(mine.map((row) => row.id));
      await tx.run(sql`DELETE FROM outbox WHERE redemption_id IN (SELECT value FROM json_each(${still}))`);
      removed.push(
        (await tx.run(sql`DELETE FROM redemptions WHERE id IN (SELECT value FROM json_each(${still}))`)).rowsAffected,
      );
    }
    return removed;
  });

  const restoreLane = store.writes.lane(async (tx: DiscountTx, pages: ArchivedRedemption[][]) => {
    for (const rows of pages) {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        const chunk = rows.slice(i, i + INSERT_CHUNK);
        await tx
          .insert(redemptions)
          .values(chunk.map(({ outbox: _delivery, ...redemption }) => redemption))
          .onConflictDoNothing();
        await tx
          .insert(outbox)
          .values(chunk.map((row) => row.outbox))
          .onConflictDoNothing();
      }
    }
    return pages.map(() => undefined);
  });

  return {
    table: "redemptions",
    prefix: "discount-redemptions",
    async eligible(cutoff) {
      const [span] = await store.db.all<EligibleSpan>(sql`
        SELECT count(*) AS rows, min(r.id) AS firstId, max(r.id) AS lastId,
               min(r.redeemed_at) AS oldest, max(r.redeemed_at) AS newest ${settledBefore(cutoff)}`);
      return span && span.rows > 0 ? span : undefined;
    },
    async *pages(cutoff, span, pageSize) {
      let after = span.firstId - 1;
      for (;;) {
        const ids = await store.db.all<{ id: number }>(
          sql`SELECT r.id ${settledBefore(cutoff)} AND r.id > ${after} AND r.id <= ${span.lastId}
              ORDER BY r.id LIMIT ${pageSize}`,
        );
        if (ids.length === 0) return;
        yield await loadPage(store, JSON.stringify(ids.map((row) => row.id)));
        after = ids[ids.length - 1]?.id ?? after;
      }
    },
    remove: (entry, rows) => removeLane({ cutoff: entry.cutoff, ids: idList(rows) }),
    restore: (_entry, rows) => restoreLane(rows as ArchivedRedemption[]),
  };
}

/** The page's redemptions, each with its outbox row, with drizzle's column names and order. */
async function loadPage(store: DiscountStore, ids: string): Promise<ArchivedRedemption[]> {
  const inPage = sql`(SELECT value FROM json_each(${ids}))`;
  const [wins, deliveries] = await Promise.all([
    store.db.select().from(redemptions).where(sql`${redemptions.id} IN ${inPage}`).orderBy(redemptions.id),
    store.db.select().from(outbox).where(sql`${outbox.redemptionId} IN ${inPage}`),
  ]);
  const deliveryOf = new Map(deliveries.map((d) => [d.redemptionId, d]));
  return wins.map((win) => ({ ...win, outbox: deliveryOf.get(win.id) as OutboxRow }));
}
