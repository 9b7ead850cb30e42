import { type Static, Type as T } from "@sinclair/typebox";
import type { CampaignRow, RedemptionRow } from "../../db/schema";
import type { RateLimitDecision } from "../../redis/rate-limit";
import { Timestamp } from "../campaigns/model";

/** A winner's answer, the same for a gift code and a coupon (the coupon route words it its own way). */
export const RedeemResult = T.Object({
  status: T.Union([T.Literal("credited"), T.Literal("pending"), T.Literal("failed"), T.Literal("voided")], {
    description:
      "credited: in the wallet; pending: owed, being delivered; failed: the wallet refused it (see the report); " +
      "voided: an admin voided this win and debited the credit back (gift campaigns only)",
  }),
  code: T.String(),
  phone: T.String(),
  rank: T.Integer({ minimum: 1, description: "Arrival order among the winners" }),
  amount: T.Integer({ description: "Integer Tomans" }),
  redeemedAt: T.String({ format: "date-time" }),
});
export type RedeemResult = Static<typeof RedeemResult>;

/** A coupon winner's answer, in the coupon spec's words: the same facts as RedeemResult, without the rank. */
export const COUPON_REDEEMED = "Coupon redeemed successfully";

export const CouponRedeemed = T.Object({
  message: T.Literal(COUPON_REDEEMED),
  code: T.String(),
  phone: T.String(),
  amount: T.Integer(),
  status: T.Union([T.Literal("credited"), T.Literal("pending"), T.Literal("failed"), T.Literal("voided")], {
    description: "pending while the wallet catches up; the outbox relay delivers it (voided: never for a coupon)",
  }),
  redeemedAt: Timestamp,
});
export type CouponRedeemed = Static<typeof CouponRedeemed>;

/** Every answer a claim can give, as a value; each route maps it to HTTP (responses.ts). */
export type ClaimOutcome =
  | { kind: "won"; result: RedeemResult }
  | { kind: "repeat"; result: RedeemResult }
  | { kind: "sold-out" }
  | { kind: "not-started" }
  | { kind: "ended" }
  | { kind: "rate-limited"; decision: RateLimitDecision }
  | { kind: "unavailable"; retryAfterSeconds: number };

export const SOLD_OUT_OUTCOME = { kind: "sold-out" } as const;
export const UNAVAILABLE = { kind: "unavailable", retryAfterSeconds: 1 } as const;

export function resultOf(
  campaign: CampaignRow,
  row: RedemptionRow,
  status: RedeemResult["status"] = row.status,
): RedeemResult {
  return {
    status,
    code: campaign.code,
    phone: row.phone,
    rank: row.rank,
    amount: campaign.amount,
    redeemedAt: new Date(row.redeemedAt).toISOString(),
  };
}
