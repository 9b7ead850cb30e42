import { and, eq, inArray, isNull, lt, lte, max, ne, or, sql } from "drizzle-orm";
import { type OutboxRow, outbox, type RedemptionRow, redemptions } from "../../db/schema";
import type { DiscountStore, DiscountTx } from "../../db/store";

export type Clock = () => number;

export interface NewWinner {
  campaignId: number;
  code: string;
  phone: string;
  rank: number;
  amount: number;
}

/** The credit every winner is owed, keyed so that any number of deliveries credit once. */
export function idempotencyKeyOf(code: string, phone: string): string {
  return `gift:${code}:${phone}`;
}

/** Why the DB refused a winner: the phone already won, or the rank/cap line held. */
export function conflictOf(error: unknown): "phone" | "rank" | undefined {
  const text = `${(error as Error)?.message} ${String((error as { cause?: unknown })?.cause)}`;
  if (text.includes("redemptions.phone")) return "phone";
  if (text.includes("redemptions.rank") || text.includes("above the campaign cap")) return "rank";
  return undefined;
}

export type Delivery = Pick<
  OutboxRow,
  "id" | "redemptionId" | "idempotencyKey" | "phone" | "amount" | "reference" | "attempts"
>;

export type DeliveryResult =
  | { id: number; redemptionId: number; outcome: "credited" }
  | { id: number; redemptionId: number; outcome: "retry"; error: string; retryAt: number }
  | { id: number; redemptionId: number; outcome: "refused"; error: string };

/**
 * Every write of the redeem path and the relay, as lanes of the store's one write
 * queue: during a burst, winners that arrive together are recorded together.
 */
export function createRecords(store: DiscountStore, now: Clock, firstRetryDelayMs: number) {
  /** A winner and the credit owed to them, in one transaction, before anyone is told they won. */
  const recordWinners = async (tx: DiscountTx, winners: NewWinner[]) => {
    const at = now();
    const rows = await tx
      .insert(redemptions)
      .values(winners.map((w) => ({ campaignId: w.campaignId, phone: w.phone, rank: w.rank, redeemedAt: at })))
      .returning();
    const byRank = new Map(rows.map((r) => [`${r.campaignId}:${r.rank}`, r]));
    const ordered = winners.map((w) => byRank.get(`${w.campaignId}:${w.rank}`) as RedemptionRow);
    const deliveries = await tx
      .insert(outbox)
      .values(
        winners.map((w, i) => ({
          redemptionId: (ordered[i] as RedemptionRow).id,
          idempotencyKey: idempotencyKeyOf(w.code, w.phone),
          phone: w.phone,
          amount: w.amount,
          reference: `gift:${w.code}`,
          // The request path tries the wallet at once; the relay steps in only after that.
          nextAttemptAt: at + firstRetryDelayMs,
          createdAt: at,
          updatedAt: at,
        })),
      )
      .returning({ id: outbox.id, redemptionId: outbox.redemptionId });
    const outboxIdOf = new Map(deliveries.map((d) => [d.redemptionId, d.id]));
    return ordered.map((row) => ({ row, outboxId: outboxIdOf.get(row.id) as number }));
  };

  /** Takes due deliveries for this instance for a while, so two relays never send the same one at once. */
  const lease = async (tx: DiscountTx, requests: { owner: string; limit: number; leaseMs: number }[]) => {
    const at = now();
    return Promise.all(
      requests.map(async ({ owner, limit, leaseMs }) => {
        const due = tx
          .select({ id: outbox.id })
          .from(outbox)
          .where(
            and(
              eq(outbox.status, "pending"),
              lte(outbox.nextAttemptAt, at),
              or(isNull(outbox.leaseUntil), lt(outbox.leaseUntil, at)),
            ),
          )
          .orderBy(outbox.id)
          .limit(limit);
        return tx
          .update(outbox)
          .set({ leaseOwner: owner, leaseUntil: at + leaseMs, updatedAt: at })
          .where(inArray(outbox.id, due))
          .returning();
      }),
    );
  };

  /** Records what the wallet said about each delivery. */
  const settle = async (tx: DiscountTx, results: DeliveryResult[]) => {
    const at = now();
    const credited = results.filter((r) => r.outcome === "credited");
    if (credited.length > 0) {
      const ids = credited.map((r) => r.id);
      await tx
        .update(outbox)
        .set({ status: "done", leaseOwner: null, leaseUntil: null, lastError: null, updatedAt: at })
        .where(inArray(outbox.id, ids));
      await tx
        .update(redemptions)
        .set({ status: "credited", creditedAt: at, failure: null })
        .where(
          inArray(
            redemptions.id,
            credited.map((r) => r.redemptionId),
          ),
        );
    }
    for (const r of results) {
      if (r.outcome === "retry") {
        await tx
          .update(outbox)
          .set({
            attempts: sql`${outbox.attempts} + 1`,
            nextAttemptAt: r.retryAt,
            leaseOwner: null,
            leaseUntil: null,
            lastError: r.error,
            updatedAt: at,
          })
          .where(and(eq(outbox.id, r.id), eq(outbox.status, "pending")));
      } else if (r.outcome === "refused") {
        await tx
          .update(outbox)
          .set({
            status: "failed",
            attempts: sql`${outbox.attempts} + 1`,
            leaseOwner: null,
            leaseUntil: null,
            lastError: r.error,
            updatedAt: at,
          })
          .where(and(eq(outbox.id, r.id), eq(outbox.status, "pending")));
        // A credit the wallet already confirmed stays credited, whatever a later attempt heard.
        await tx
          .update(redemptions)
          .set({ status: "failed", failure: r.error })
          .where(and(eq(redemptions.id, r.redemptionId), ne(redemptions.status, "credited")));
      }
    }
    return results.map(() => undefined);
  };

  return {
    recordWinner: store.writes.lane(recordWinners),
    lease: store.writes.lane(lease),
    settle: store.writes.lane(settle),
  };
}

export type Records = ReturnType<typeof createRecords>;

export async function findRedemption(store: DiscountStore, campaignId: number, phone: string) {
  return store.db.query.redemptions.findFirst({
    where: and(eq(redemptions.campaignId, campaignId), eq(redemptions.phone, phone)),
  });
}

/** Who holds `rank` in the DB, and the highest rank held: what the gate needs to catch up. */
export async function rankHolder(store: DiscountStore, campaignId: number, rank: number) {
  const [holder] = await store.db
    .select({ phone: redemptions.phone })
    .from(redemptions)
    .where(and(eq(redemptions.campaignId, campaignId), eq(redemptions.rank, rank)));
  if (!holder) return undefined;
  const [top] = await store.db
    .select({ highest: max(redemptions.rank) })
    .from(redemptions)
    .where(eq(redemptions.campaignId, campaignId));
  return { holder: holder.phone, highest: top?.highest ?? rank };
}

/** Every winner the DB holds for a campaign, as phone and rank: what the gate is rebuilt and checked from. */
export async function campaignWinners(store: DiscountStore, campaignId: number) {
  return store.db
    .select({ phone: redemptions.phone, rank: redemptions.rank })
    .from(redemptions)
    .where(eq(redemptions.campaignId, campaignId));
}

/** A campaign's winners by phone, when the DB holds all `maxRedemptions` of them; undefined while it holds fewer. */
export async function fullCampaignWinners(
  store: DiscountStore,
  campaign: { id: number; maxRedemptions: number },
): Promise<Map<string, number> | undefined> {
  const rows = await campaignWinners(store, campaign.id);
  return rows.length >= campaign.maxRedemptions ? new Map(rows.map((r) => [r.phone, r.rank])) : undefined;
}
