import { and, asc, count, eq, gt, max, min } from "drizzle-orm";
import { type CampaignRow, type RedemptionRow, redemptions } from "../../db/schema";
import type { DiscountStore } from "../../db/store";
import type { Report, Summary, Winner } from "./model";

const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

export function toWinner(row: RedemptionRow): Winner {
  return {
    rank: row.rank,
    phone: row.phone,
    redeemedAt: new Date(row.redeemedAt).toISOString(),
    status: row.status,
    creditedAt: iso(row.creditedAt),
    failure: row.failure,
  };
}

/** The live numbers of a campaign, from the DB (the authority), in one grouped query. */
export async function summaryOf(store: DiscountStore, campaign: CampaignRow): Promise<Summary> {
  const groups = await store.db
    .select({
      status: redemptions.status,
      n: count(),
      first: min(redemptions.redeemedAt),
      last: max(redemptions.redeemedAt),
    })
    .from(redemptions)
    .where(eq(redemptions.campaignId, campaign.id))
    .groupBy(redemptions.status);
  const by = (status: RedemptionRow["status"]) => groups.find((g) => g.status === status)?.n ?? 0;
  const redeemed = groups.reduce((sum, g) => sum + g.n, 0);
  const first = Math.min(...groups.map((g) => g.first ?? Number.POSITIVE_INFINITY));
  const last = Math.max(...groups.map((g) => g.last ?? 0));
  const cap = campaign.maxRedemptions;
  return {
    cap,
    redeemed,
    remaining: Math.max(0, cap - redeemed),
    credited: by("credited"),
    pending: by("pending"),
    failed: by("failed"),
    firstRedeemedAt: redeemed > 0 ? iso(first) : null,
    soldOutAt: redeemed >= cap ? iso(last) : null,
  };
}

/** Winners ranked after `afterRank`, in rank order: the cursor is simply the last rank seen. */
export async function winnersAfter(
  store: DiscountStore,
  campaignId: number,
  afterRank: number,
  limit: number,
): Promise<RedemptionRow[]> {
  return store.db
    .select()
    .from(redemptions)
    .where(and(eq(redemptions.campaignId, campaignId), gt(redemptions.rank, afterRank)))
    .orderBy(asc(redemptions.rank))
    .limit(limit);
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
