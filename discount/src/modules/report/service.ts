import { and, asc, count, eq, gt, max, min } from "drizzle-orm";
import { type CampaignRow, campaignCounts, type RedemptionRow, redemptions, reversals } from "../../db/schema";
import type { DiscountStore } from "../../db/store";
import type { Report, Summary, Winner } from "./model";

const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

/** A winner's row, with its void when an admin voided it (the credit was debited back). */
export type WinnerRow = RedemptionRow & { voided: { at: number | null; by: string; reason: string } | null };

export function toWinner(row: WinnerRow): Winner {
  return {
    rank: row.rank,
    phone: row.phone,
    redeemedAt: new Date(row.redeemedAt).toISOString(),
    status: row.status,
    creditedAt: iso(row.creditedAt),
    failure: row.failure,
    voided: row.voided && { at: iso(row.voided.at) as string, by: row.voided.by, reason: row.voided.reason },
  };
}

const isVoid = and(eq(reversals.kind, "void"), eq(reversals.status, "done"));

/**
 * The live numbers of a campaign, from the DB (the authority): the counts its triggers
 * keep (schema.ts, campaignCounts) and the first and last redemption times from an
 * index, so a report costs the same at 100 winners as at 100,000.
 */
export async function summaryOf(store: DiscountStore, campaign: CampaignRow): Promise<Summary> {
  const ofCampaign = eq(redemptions.campaignId, campaign.id);
  // One aggregate per query: SQLite then reads min and max straight from the index.
  const [groups, [earliest], [latest], [voids]] = await Promise.all([
    store.db
      .select({ status: campaignCounts.status, n: campaignCounts.n })
      .from(campaignCounts)
      .where(eq(campaignCounts.campaignId, campaign.id)),
    store.db
      .select({ at: min(redemptions.redeemedAt) })
      .from(redemptions)
      .where(ofCampaign),
    store.db
      .select({ at: max(redemptions.redeemedAt) })
      .from(redemptions)
      .where(ofCampaign),
    // Voids are rare: counted from their own table (its campaign index), not kept by triggers.
    store.db
      .select({ n: count() })
      .from(reversals)
      .where(and(eq(reversals.campaignId, campaign.id), isVoid)),
  ]);
  const by = (status: RedemptionRow["status"]) => groups.find((g) => g.status === status)?.n ?? 0;
  const redeemed = groups.reduce((sum, g) => sum + g.n, 0);
  const cap = campaign.maxRedemptions;
  return {
    cap,
    redeemed,
    remaining: Math.max(0, cap - redeemed),
    credited: by("credited"),
    pending: by("pending"),
    failed: by("failed"),
    voided: voids?.n ?? 0,
    firstRedeemedAt: redeemed > 0 ? iso(earliest?.at) : null,
    soldOutAt: redeemed >= cap ? iso(latest?.at) : null,
  };
}

/** Winners ranked after `afterRank`, in rank order: the cursor is simply the last rank seen. */
export async function winnersAfter(
  store: DiscountStore,
  campaignId: number,
  afterRank: number,
  limit: number,
): Promise<WinnerRow[]> {
  const rows = await store.db
    .select({ redemption: redemptions, at: reversals.completedAt, by: reversals.actor, reason: reversals.reason })
    .from(redemptions)
    .leftJoin(reversals, and(eq(reversals.redemptionId, redemptions.id), isVoid))
    .where(and(eq(redemptions.campaignId, campaignId), gt(redemptions.rank, afterRank)))
    .orderBy(asc(redemptions.rank))
    .limit(limit);
  return rows.map(({ redemption, at, by, reason }) => ({
    ...redemption,
    voided: by === null || reason === null ? null : { at, by, reason },
  }));
}

export async function campaignReport(
  store: DiscountStore,
  campaign: CampaignRow,
  page: { cursor: number; limit: number },
): Promise<Report> {
  // One more than asked tells whether another page exists without a second count.
  const [summary, rows] = await Promise.all([
    summaryOf(store, campaign),
    winnersAfter(store, campaign.id, page.cursor, page.limit + 1),
  ]);
  const winners = rows.slice(0, page.limit);
  return {
    code: campaign.code,
    name: campaign.name,
    amount: campaign.amount,
    startsAt: iso(campaign.startsAt),
    ...summary,
    winners: winners.map(toWinner),
    nextCursor: String(winners.at(-1)?.rank ?? page.cursor),
    hasMore: rows.length > page.limit,
  };
}
