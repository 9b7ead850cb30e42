import { defineErrors } from "@matchday/shared/errors";

/** The discount service's codes beside the generic ones, each with its one HTTP status. */
export const { AppError, ERROR_STATUS, isErrorCode, problemCodes } = defineErrors({
  CODE_NOT_FOUND: { status: 404, title: "No campaign has this code" },
  CAMPAIGN_NOT_FOUND: { status: 404, title: "No such campaign" },
  CAMPAIGN_CODE_TAKEN: { status: 409, title: "Another campaign already uses this code" },
  CAMPAIGN_EXHAUSTED: { status: 409, title: "Sold out: every prize of this campaign has been claimed" },
  CAMPAIGN_NOT_STARTED: { status: 403, title: "This campaign has not started yet" },
  CAMPAIGN_ENDED: { status: 410, title: "This campaign has ended" },
  COUPON_NOT_FOUND: { status: 404, title: "No coupon has this code" },
  COUPON_ALREADY_USED: { status: 409, title: "This coupon has already been used" },
  COUPON_EXPIRED: { status: 410, title: "This coupon has expired" },
  BATCH_NOT_FOUND: { status: 404, title: "No such coupon batch" },
  INVALID_CODE_PATTERN: { status: 422, title: "The code pattern is not valid" },
  INVALID_CODE_ALPHABET: { status: 422, title: "The code alphabet is not valid" },
  CODE_SPACE_TOO_SMALL: { status: 422, title: "The code pattern has too few codes for this many coupons" },
  WEBHOOK_NOT_FOUND: { status: 404, title: "No such webhook endpoint" },
  WEBHOOK_URL_REFUSED: { status: 422, title: "Webhooks may not be sent to this URL" },
  // Reversals (rollback, void) and revocation.
  IDEMPOTENCY_KEY_REQUIRED: { status: 400, title: "An Idempotency-Key header is required" },
  IDEMPOTENCY_KEY_INVALID: { status: 400, title: "The Idempotency-Key header is not valid" },
  IDEMPOTENCY_KEY_REUSED: { status: 409, title: "The Idempotency-Key was already used for a different request" },
  COUPON_NOT_USED: { status: 409, title: "This coupon has not been redeemed: nothing to roll back" },
  COUPON_REVOKED: { status: 410, title: "This coupon was revoked" },
  REDEMPTION_NOT_FOUND: { status: 404, title: "This phone has no redemption of this campaign" },
  ALREADY_REVERSED: { status: 409, title: "This redemption was already reversed, or its reversal is under way" },
  CREDIT_NOT_SETTLED: { status: 409, title: "The credit is still being delivered; try again shortly" },
  REVERSAL_INSUFFICIENT_FUNDS: {
    status: 409,
    title: "The credit was already spent: the wallet balance is too low to reverse it",
  },
  REVERSAL_REFUSED: { status: 409, title: "The wallet refused the reversal" },
});
export type AppError = InstanceType<typeof AppError>;
export type ErrorCode = ConstructorParameters<typeof AppError>[0];
