import { inJsonList, perStore } from "@matchday/shared/db";
import { and, eq, gt, max, notExists, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { type CampaignRow, couponRevocations, redemptions, reversals } from "../../db/schema";
import type { DiscountStore } from "../../db/store";
import { type RedeemResult, resultOf } from "./model";

/** The DB's reads about a campaign's winners: the authority every other answer is checked against. */
export async function findRedemption(store: DiscountStore, campaignId: number, phone: string) {
  return store.db.query.redemptions.findFirst({
    where: and(eq(redemptions.campaignId, campaignId), eq(redemptions.phone, phone)),
  });
}

/** This phone's answer as a winner of the campaign, when the DB holds one; "voided" once an admin voided it. */
export async function findAnswer(
  store: DiscountStore,
  campaign: CampaignRow,
  phone: string,
): Promise<RedeemResult | undefined> {
  const [hit] = await store.db
    .select({ row: redemptions, voidId: reversals.id })
    .from(redemptions)
    .leftJoin(
      reversals,
      and(eq(reversals.redemptionId, redemptions.id), eq(reversals.kind, "void"), eq(reversals.status, "done")),
    )
    .where(and(eq(redemptions.campaignId, campaign.id), eq(redemptions.phone, phone)))
    .limit(1);
  return hit && resultOf(campaign, hit.row, hit.voidId === null ? hit.row.status : "voided");
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

/**
 * Every winner the DB holds for a campaign, as phone and rank: what the gate is rebuilt and
 * checked from. With `aboveRank`, only those holding a higher rank (the unique rank index serves it).
 */
export async function campaignWinners(store: DiscountStore, campaignId: number, aboveRank = 0) {
  return winnersAbove(store).execute({ campaignId, aboveRank });
}

// Every coupon's first claim seeds its gate from this read: prepared once, not rebuilt per call.
const winnersAbove = perStore((store: DiscountStore) =>
  store.db
    .select({ phone: redemptions.phone, rank: redemptions.rank })
    .from(redemptions)
    .where(
      and(
        eq(redemptions.campaignId, sql.placeholder("campaignId")),
        gt(redemptions.rank, sql.placeholder("aboveRank")),
      ),
    )
    .prepare(),
);

/**
 * The highest rank up to which the DB holds every rank of a campaign, given that it holds every
 * rank up to `settled`. Walked in the rank index by SQLite, one number back: during a flood the
 * orphan sweep learns which thousands of winners were recorded since its last pass without
 * reading them (3,500 a second each way took the discount's peak memory up by ~16 MB, issue 18).
 */
export async function recordedThrough(store: DiscountStore, campaignId: number, settled: number): Promise<number> {
  const [row] = await recordedRun(store).execute({ campaignId, settled });
  return row?.through ?? settled;
}

// The first recorded rank above `settled` whose successor is not recorded; none unless `settled + 1` is.
const recordedRun = perStore((store: DiscountStore) => {
  const next = alias(redemptions, "next");
  return store.db
    .select({ through: redemptions.rank })
    .from(redemptions)
    .where(
      and(
        eq(redemptions.campaignId, sql.placeholder("campaignId")),
        gt(redemptions.rank, sql.placeholder("settled")),
        sql`exists (select 1 from ${redemptions} where ${redemptions.campaignId} = ${sql.placeholder("campaignId")} and ${redemptions.rank} = ${sql.placeholder("settled")} + 1)`,
        notExists(
          store.db
            .select({ one: sql`1` })
            .from(next)
            .where(and(eq(next.campaignId, redemptions.campaignId), eq(next.rank, sql`${redemptions.rank} + 1`))),
        ),
      ),
    )
    .orderBy(redemptions.rank)
    .limit(1)
    .prepare();
});

/** The DB's winners of a campaign among these phones, as phone and rank. */
export async function winnersAmong(store: DiscountStore, campaignId: number, phones: string[]) {
  if (phones.length === 0) return [];
  return store.db
    .select({ phone: redemptions.phone, rank: redemptions.rank })
    .from(redemptions)
    .where(and(eq(redemptions.campaignId, campaignId), inJsonList(redemptions.phone, phones)));
}

/** A campaign's winners by phone, when the DB holds all `maxRedemptions` of them; undefined while it holds fewer. */
export async function fullCampaignWinners(
  store: DiscountStore,
  campaign: { id: number; maxRedemptions: number },
): Promise<Map<string, number> | undefined> {
  const rows = await campaignWinners(store, campaign.id);
  return rows.length >= campaign.maxRedemptions ? new Map(rows.map((r) => [r.phone, r.rank])) : undefined;
}

/**
 * The gate's holder of a revoked coupon's one slot. Not a phone (phones are stored as +98...),
 * so no claimant is ever it.
 */
export const REVOKED_HOLDER = "revoked";

const revocationById = perStore((store: DiscountStore) =>
  store.db.query.couponRevocations
    .findFirst({ where: eq(couponRevocations.campaignId, sql.placeholder("campaignId")) })
    .prepare(),
);

/** A coupon's revocation, if it has one; read for every coupon's first claim, so prepared once. */
export async function revocationOf(store: DiscountStore, campaignId: number) {
  return revocationById(store).execute({ campaignId });
}

/** What a coupon's gate is seeded from: its winner, or the revocation that holds its slot. */
export async function couponSeats(store: DiscountStore, campaignId: number) {
  const [winners, revoked] = await Promise.all([campaignWinners(store, campaignId), revocationOf(store, campaignId)]);
  return revoked ? [...winners, { phone: REVOKED_HOLDER, rank: 1 }] : winners;
}
