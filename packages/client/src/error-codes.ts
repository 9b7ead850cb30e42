/**
 * Every problem code either service answers with: the union of each one's closed set (its
 * errors.ts). Written out here so the package needs neither service's source;
 * contract/same-as-services.ts fails `bun run typecheck` the moment the two differ.
 */
export type ErrorCode =
  // Both services (packages/shared/src/errors.ts, GENERIC_ERRORS)
  | "VALIDATION_FAILED"
  | "INVALID_PHONE"
  | "MALFORMED_JSON"
  | "INVALID_HOST"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "PAYLOAD_TOO_LARGE"
  | "RATE_LIMITED"
  | "UNAUTHENTICATED"
  | "INVALID_TOKEN"
  | "TOKEN_EXPIRED"
  | "FORBIDDEN"
  | "ROUTE_NOT_FOUND"
  | "SERVICE_UNAVAILABLE"
  | "INTERNAL"
  // The wallet (wallet/src/errors.ts)
  | "IDEMPOTENCY_KEY_REQUIRED"
  | "IDEMPOTENCY_KEY_INVALID"
  | "IDEMPOTENCY_KEY_REUSED"
  | "INSUFFICIENT_FUNDS"
  | "BALANCE_LIMIT_EXCEEDED"
  // The discount service (discount/src/errors.ts)
  | "CODE_NOT_FOUND"
  | "CAMPAIGN_NOT_FOUND"
  | "CAMPAIGN_CODE_TAKEN"
  | "CAMPAIGN_EXHAUSTED"
  | "CAMPAIGN_NOT_STARTED"
  | "CAMPAIGN_ENDED"
  | "COUPON_NOT_FOUND"
  | "COUPON_ALREADY_USED"
  | "COUPON_EXPIRED"
  | "BATCH_NOT_FOUND"
  | "INVALID_CODE_PATTERN"
  | "INVALID_CODE_ALPHABET"
  | "CODE_SPACE_TOO_SMALL"
  | "WEBHOOK_NOT_FOUND"
  | "WEBHOOK_URL_REFUSED"
  // ... its reversals (rollback, void) and revocation; the IDEMPOTENCY_KEY_* codes are the wallet's too
  | "COUPON_NOT_USED"
  | "COUPON_REVOKED"
  | "REDEMPTION_NOT_FOUND"
  | "ALREADY_REVERSED"
  | "CREDIT_NOT_SETTLED"
  | "REVERSAL_INSUFFICIENT_FUNDS"
  | "REVERSAL_REFUSED";

/** A field a VALIDATION_FAILED names, as in the services' problem+json `errors`. */
export interface FieldIssue {
  field: string;
  message: string;
}
