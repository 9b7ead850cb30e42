import { inJsonList } from "@matchday/shared/db";
import { eq, type SQL, sql } from "drizzle-orm";
import { campaigns, type ReversalRow, redemptions, webhookEvents } from "../../db/schema";
import type { DiscountTx } from "../../db/store";

/** Every event an endpoint may subscribe to. */
export const WEBHOOK_EVENT_TYPES = [
  "redemption.won",
  "campaign.sold_out",
  "coupon.redeemed",
  "credit.failed",
  "redemption.voided",
  "coupon.rolled_back",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/**
 * The stable id receivers de-duplicate on (`webhook-id`): one per fact, e.g. `msg_redemption_won_42`
 * for redemption 42, whichever instance or retry emits it. `subject` is what the fact is about.
 */
export const messageIdOf = (type: WebhookEventType, subject: string | number) =>
  `msg_${type.replace(".", "_")}_${subject}`;

/** The same id built in SQL from a column, for events derived from rows. */
const messageIdSql = (type: WebhookEventType, subject: SQL) => sql`${messageIdOf(type, "")} || ${subject}`;

/**
 * Records an event for the webhook loop to send, inside the caller's transaction so it exists
 * exactly when the fact does. Emitting the same (type, subject) again changes nothing.
 */
export async function emitEvent(
  tx: DiscountTx,
  event: { type: WebhookEventType; subject: string | number; data: Record<string, unknown> },
  at: number,
): Promise<void> {
  await tx
    .insert(webhookEvents)
    .values({
      messageId: messageIdOf(event.type, event.subject),
      type: event.type,
      data: JSON.stringify(event.data),
      createdAt: at,
    })
    .onConflictDoNothing();
}

const isCoupon = sql`${campaigns.kind} = 'coupon'`;
/** What names a redemption's campaign to a receiver: a coupon's code never leaves the API, its batch does. */
const campaignFields = sql`iif(${isCoupon}, json_object('batchId', ${campaigns.batchId}), json_object('code', ${campaigns.code}))`;

/**
 * Events for winners just recorded, in their winner transaction: `redemption.won` (gift) or
 * `coupon.redeemed`, and `campaign.sold_out` when the cap's last rank was taken. One statement,
 * read from the rows just written, so the caller passes only their ids.
 */
export async function emitWinEvents(tx: DiscountTx, redemptionIds: number[], at: number): Promise<void> {
  if (redemptionIds.length === 0) return;
  const when = new Date(at).toISOString();
  const won = sql`iif(${isCoupon}, 'coupon.redeemed', 'redemption.won')`;
  const wonId = sql`iif(${isCoupon}, ${messageIdSql("coupon.redeemed", sql`${redemptions.id}`)}, ${messageIdSql("redemption.won", sql`${redemptions.id}`)})`;
  const wonData = sql`json_patch(${campaignFields}, json_object('phone', ${redemptions.phone}, 'rank', ${redemptions.rank}, 'amount', ${campaigns.amount}, 'redeemedAt', ${when}))`;
  const soldOutData = sql`json_object('code', ${campaigns.code}, 'maxRedemptions', ${campaigns.maxRedemptions}, 'soldOutAt', ${when})`;
  const these = inJsonList(redemptions.id, redemptionIds);
  await tx.run(sql`
    INSERT OR IGNORE INTO ${webhookEvents} (message_id, type, data, created_at)
    SELECT ${wonId}, ${won}, ${wonData}, ${at}
      FROM ${redemptions} JOIN ${campaigns} ON ${campaigns.id} = ${redemptions.campaignId} WHERE ${these}
    UNION ALL
    SELECT ${messageIdSql("campaign.sold_out", sql`${campaigns.id}`)}, 'campaign.sold_out', ${soldOutData}, ${at}
      FROM ${redemptions} JOIN ${campaigns} ON ${campaigns.id} = ${redemptions.campaignId}
      WHERE ${these} AND NOT ${isCoupon} AND ${redemptions.rank} = ${campaigns.maxRedemptions}`);
}

/** `credit.failed` for redemptions the wallet refused for good (a credit it confirmed earlier stays credited). */
export async function emitCreditFailures(tx: DiscountTx, redemptionIds: number[], at: number): Promise<void> {
  if (redemptionIds.length === 0) return;
  const data = sql`json_patch(${campaignFields}, json_object('phone', ${redemptions.phone}, 'amount', ${campaigns.amount}, 'reason', ${redemptions.failure}, 'failedAt', ${new Date(at).toISOString()}))`;
  await tx.run(sql`
    INSERT OR IGNORE INTO ${webhookEvents} (message_id, type, data, created_at)
    SELECT ${messageIdSql("credit.failed", sql`${redemptions.id}`)}, 'credit.failed', ${data}, ${at}
      FROM ${redemptions} JOIN ${campaigns} ON ${campaigns.id} = ${redemptions.campaignId}
      WHERE ${inJsonList(redemptions.id, redemptionIds)} AND ${redemptions.status} = 'failed'`);
}

/**
 * `redemption.voided` or `coupon.rolled_back`, in the transaction that completed the reversal
 * (the wallet has confirmed the debit). Named like a win: a gift by its code, a coupon by its batch.
 */
export async function emitReversalEvent(tx: DiscountTx, reversal: ReversalRow, at: number): Promise<void> {
  const [campaign] = await tx
    .select({ code: campaigns.code, kind: campaigns.kind, batchId: campaigns.batchId })
    .from(campaigns)
    .where(eq(campaigns.id, reversal.campaignId));
  const named = campaign?.kind === "coupon" ? { batchId: campaign.batchId } : { code: campaign?.code };
  const { phone, amount, reason } = reversal;
  await emitEvent(
    tx,
    {
      type: reversal.kind === "rollback" ? "coupon.rolled_back" : "redemption.voided",
      subject: reversal.id,
      data: { ...named, phone, amount, reason, reversedAt: new Date(at).toISOString() },
    },
    at,
  );
}
