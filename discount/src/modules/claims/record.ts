import type { Clock } from "@matchday/shared/clock";
import type { Logger } from "@matchday/shared/logger";
import { maskPhone } from "@matchday/shared/phone";
import { sql } from "drizzle-orm";
import { type CampaignRow, type RedemptionRow, redemptions } from "../../db/schema";
import type { DiscountStore, DiscountTx } from "../../db/store";
import { campaignLabel, type DiscountMetrics } from "../../metrics";
import type { Gate } from "../../redis/gate";
import { type Credit, creditOf, insertOwedCredits } from "../outbox/owed";
import { rolledBackBefore, winnerKey } from "../reversals/keys";
import { emitWinEvents } from "../webhooks/events";
import { generationOf, type Seat } from "./gate";
import { type ClaimOutcome, resultOf, UNAVAILABLE } from "./model";
import { findRedemption, rankHolder } from "./winners";

export interface NewWinner {
  campaignId: number;
  code: string;
  phone: string;
  rank: number;
  amount: number;
  /** A coupon's winner: it may have won this coupon before, and had it rolled back. */
  coupon?: boolean;
}

/** Why the DB refused a winner: the phone already won, or the rank/cap line held. */
export function conflictOf(error: unknown): "phone" | "rank" | undefined {
  const text = `${(error as Error)?.message} ${String((error as { cause?: unknown })?.cause)}`;
  if (text.includes("redemptions.phone")) return "phone";
  // A revoked coupon's slot is held, as a taken rank is: the gate is repaired and asked again.
  if (
    text.includes("redemptions.rank") ||
    text.includes("above the campaign cap") ||
    text.includes("coupon was revoked")
  )
    return "rank";
  return undefined;
}

/**
 * The durable record of winners, as a lane of the store's one write queue: during a burst,
 * winners that arrive together are recorded together. `firstRetryDelayMs`: when the relay
 * may first step in, once the request path's own attempt has had its chance.
 */
export function createWinnerRecords(store: DiscountStore, now: Clock, firstRetryDelayMs: number) {
  /** A winner and the credit owed to them, in one transaction, before anyone is told they won. */
  const recordWinners = async (tx: DiscountTx, winners: NewWinner[]) => {
    const at = now();
    const rows = await insertWinners(tx, winners, at);
    const byRank = new Map(rows.map((r) => [`${r.campaignId}:${r.rank}`, r]));
    // Only coupons are ever rolled back: a gift winner costs no extra read.
    const again = await rolledBackBefore(
      tx,
      winners.filter((w) => w.coupon),
    );
    const owed = winners.map((w) => {
      const row = byRank.get(`${w.campaignId}:${w.rank}`) as RedemptionRow;
      const reissue = again.has(winnerKey(w)) ? row.id : undefined;
      return { row, credit: creditOf(w.code, w.phone, w.amount, reissue) };
    });
    const outboxIdOf = await insertOwedCredits(
      tx,
      owed.map(({ row, credit }) => ({ redemptionId: row.id, credit })),
      at,
      firstRetryDelayMs,
    );
    // One more statement in this transaction; webhooks are sent later, by the background loop.
    await emitWinEvents(
      tx,
      rows.map((r) => r.id),
      at,
    );
    return owed.map(({ row, credit }) => ({ row, credit, outboxId: outboxIdOf.get(row.id) as number }));
  };
  return { recordWinner: store.writes.lane(recordWinners) };
}

export type WinnerRecords = ReturnType<typeof createWinnerRecords>;

export interface RecordDeps {
  store: DiscountStore;
  gate: Gate;
  records: WinnerRecords;
  clock: Clock;
  logger: Logger;
  metrics: DiscountMetrics;
}

/** A winner now durable, with the credit it is owed and that credit's outbox row. */
export type Recorded = { kind: "recorded"; row: RedemptionRow; credit: Credit; outboxId: number };
/** The DB already holds the rank the gate gave: the gate was repaired, claim again. */
export const RANK_TAKEN = { kind: "rank-taken" } as const;

/** Makes the win durable before anyone hears of it; on a conflict the DB is right and the gate follows it. */
export async function recordSeat(
  deps: RecordDeps,
  campaign: CampaignRow,
  phone: string,
  seat: Seat,
): Promise<Recorded | typeof RANK_TAKEN | ClaimOutcome> {
  const { rank } = seat;
  try {
    const recorded = await deps.records.recordWinner({
      campaignId: campaign.id,
      code: campaign.code,
      phone,
      rank,
      amount: campaign.amount,
      coupon: campaign.kind === "coupon",
    });
    deps.metrics.winners.inc({ campaign: campaignLabel(campaign, deps.clock()) });
    return { kind: "recorded", ...recorded };
  } catch (error) {
    const conflict = conflictOf(error);
    if (!conflict) throw error;
    // Either this phone's own first request (or a concurrent repeat of it) committed
    // first: both constraints fire, and SQLite names whichever it checked first. The
    // request that took the rank at the gate still answers as the winner.
    const existing = await findRedemption(deps.store, campaign.id, phone);
    if (existing) {
      if (existing.rank !== rank) await forgetSecondRank(deps, campaign, phone, existing.rank, rank);
      return { kind: existing.rank === rank ? seat.answer : "repeat", result: resultOf(campaign, existing) };
    }
    // ...or the gate handed out a rank the DB already holds: its state was lost and
    // rebuilt while that win was being written. The DB is right; bring the gate in line.
    const taken = await rankHolder(deps.store, campaign.id, rank);
    deps.logger.warn(
      { campaignId: campaign.id, rank, conflict, holder: taken && maskPhone(taken.holder) },
      "the DB refused the gate's rank",
    );
    if (!taken) return UNAVAILABLE;
    try {
      await deps.gate.repair(campaign.code, { phone, rank, ...taken }, generationOf(campaign));
    } catch (err) {
      deps.logger.warn({ err, campaignId: campaign.id }, "cap gate unavailable for a repair");
      return UNAVAILABLE;
    }
    return RANK_TAKEN;
  }
}

/**
 * The gate gave a phone that already won a second rank: a failover dropped its first
 * gate entry (Redis replicates asynchronously) but not the ready key, so no rebuild
 * followed. Left so, the gate winner "holds" the second rank and nobody ever records it.
 * Pointed back at its DB rank, the phone releases the second, which is freed at once
 * (no grace: this claim was its only holder) for a claimant still in the burst to take.
 */
async function forgetSecondRank(
  deps: RecordDeps,
  campaign: CampaignRow,
  phone: string,
  dbRank: number,
  secondRank: number,
) {
  const held = await rankHolder(deps.store, campaign.id, dbRank);
  if (!held) return;
  deps.logger.warn({ campaignId: campaign.id, rank: secondRank }, "the gate gave a winner a second rank; freed");
  const generation = generationOf(campaign);
  try {
    // The repair script with the phone as the DB's holder of its own rank: it moves the phone's gate entry there.
    await deps.gate.repair(campaign.code, { phone, rank: dbRank, ...held }, generation);
    await deps.gate.freeRank(campaign.code, secondRank, generation);
  } catch (err) {
    deps.logger.warn({ err, campaignId: campaign.id }, "cap gate unavailable for a repair");
  }
}

/** A winners row as SQLite returns it. */
interface WinnerRow {
  id: number;
  campaign_id: number;
  phone: string;
  rank: number;
  status: RedemptionRow["status"];
  redeemed_at: number;
  credited_at: number | null;
  failure: string | null;
}

/**
 * The batch's winners in one INSERT whose text is the same for any batch: the rows travel as
 * one JSON parameter. drizzle's multi-row insert built a statement of its own per batch
 * size, value by value (~12 % of the discount's open-phase profile with the outbox's).
 */
async function insertWinners(tx: DiscountTx, winners: NewWinner[], at: number): Promise<RedemptionRow[]> {
  const values = JSON.stringify(winners.map((w) => [w.campaignId, w.phone, w.rank]));
  const inserted = await tx.all<WinnerRow>(sql`
    INSERT INTO ${redemptions} (campaign_id, phone, rank, redeemed_at)
    SELECT value ->> 0, value ->> 1, value ->> 2, ${at} FROM json_each(${values})
    RETURNING id, campaign_id, phone, rank, status, redeemed_at, credited_at, failure`);
  return inserted.map((r) => ({
    id: r.id,
    campaignId: r.campaign_id,
    phone: r.phone,
    rank: r.rank,
    status: r.status,
    redeemedAt: r.redeemed_at,
    creditedAt: r.credited_at,
    failure: r.failure,
  }));
}
