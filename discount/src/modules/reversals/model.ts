import { problemSchema as problem } from "@matchday/shared/http";
import { SAFE_TEXT } from "@matchday/shared/safe-text";
import { type Static, Type as T } from "@sinclair/typebox";
import { problemCodes } from "../../errors";
import { Timestamp } from "../campaigns/model";

const Reason = T.String({ minLength: 1, maxLength: 500, ...SAFE_TEXT, description: "Why: kept in the report" });

export const ReversalBody = T.Object({ reason: Reason }, { additionalProperties: false });
export type ReversalBody = Static<typeof ReversalBody>;

export const RevokeBody = T.Object({ reason: T.Optional(Reason) }, { additionalProperties: false });
export type RevokeBody = Static<typeof RevokeBody>;

const IdempotencyKey = T.String({
  pattern: "^[\\x21-\\x7e]{1,255}$",
  description:
    "1-255 printable ASCII characters, one per reversal (across all coupons and campaigns). The same key " +
    "with the same request answers the same reversal; with another request, 409 IDEMPOTENCY_KEY_REUSED.",
  ...problemCodes({ missing: "IDEMPOTENCY_KEY_REQUIRED", invalid: "IDEMPOTENCY_KEY_INVALID" }),
});

export const RollbackHeaders = T.Object({ "idempotency-key": IdempotencyKey });
/** A void without a key gets one derived from the winner: a redemption is voided once at most. */
export const VoidHeaders = T.Object({ "idempotency-key": T.Optional(IdempotencyKey) });

export const CouponParams = T.Object({ code: T.String({ maxLength: 64 }) });
export const RedemptionParams = T.Object({
  code: T.String({ maxLength: 64 }),
  phone: T.String({ maxLength: 64, description: "The winner's phone in any common form" }),
});

export const ReversalView = T.Object({
  kind: T.Union([T.Literal("rollback"), T.Literal("void")]),
  code: T.String(),
  phone: T.String(),
  rank: T.Integer(),
  amount: T.Integer({ description: "Debited from the wallet, integer Tomans (0 when the credit never reached it)" }),
  status: T.Union([T.Literal("pending"), T.Literal("done")], {
    description: "pending: the wallet has not confirmed the debit yet; the relay finishes it",
  }),
  reason: T.String(),
  actor: T.String({ description: "role:subject of the token that asked" }),
  requestedAt: Timestamp,
  completedAt: T.Union([Timestamp, T.Null()]),
});
export type ReversalView = Static<typeof ReversalView>;

export const Revoked = T.Object({ code: T.String(), status: T.Literal("REVOKED"), revokedAt: Timestamp });
export type Revoked = Static<typeof Revoked>;

const common = {
  400: problem(400, ["MALFORMED_JSON", "IDEMPOTENCY_KEY_REQUIRED", "IDEMPOTENCY_KEY_INVALID"], "A bad body or key"),
  401: problem(401, ["UNAUTHENTICATED", "INVALID_TOKEN", "TOKEN_EXPIRED"], "A bearer token is required"),
  403: problem(403, ["FORBIDDEN"], "FORBIDDEN: this role may not reverse"),
  422: problem(422, ["VALIDATION_FAILED", "INVALID_PHONE"], "A field is missing or malformed"),
};

const reversalConflicts = [
  "ALREADY_REVERSED",
  "CREDIT_NOT_SETTLED",
  "REVERSAL_INSUFFICIENT_FUNDS",
  "REVERSAL_REFUSED",
  "IDEMPOTENCY_KEY_REUSED",
] as const;

export const RollbackProblems = {
  ...common,
  404: problem(404, ["COUPON_NOT_FOUND"], "COUPON_NOT_FOUND: no coupon has this code"),
  409: problem(409, ["COUPON_NOT_USED", ...reversalConflicts], "Nothing changed: see the code"),
};

export const VoidProblems = {
  ...common,
  404: problem(404, ["CAMPAIGN_NOT_FOUND", "REDEMPTION_NOT_FOUND"], "No such campaign, or the phone did not win it"),
  409: problem(409, [...reversalConflicts], "Nothing changed: see the code"),
};

export const RevokeProblems = {
  ...common,
  404: problem(404, ["COUPON_NOT_FOUND"], "COUPON_NOT_FOUND: no coupon has this code"),
  409: problem(409, ["COUPON_ALREADY_USED"], "COUPON_ALREADY_USED: redeemed; roll it back first"),
};
