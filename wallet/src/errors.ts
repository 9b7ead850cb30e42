import { defineErrors } from "@matchday/shared/errors";

/** The wallet's codes beside the generic ones, each with its one HTTP status. */
export const { AppError, isErrorCode, problemCodes } = defineErrors({
  IDEMPOTENCY_KEY_REQUIRED: { status: 400, title: "An Idempotency-Key header is required" },
  IDEMPOTENCY_KEY_INVALID: { status: 400, title: "The Idempotency-Key header is not valid" },
  IDEMPOTENCY_KEY_REUSED: { status: 409, title: "The Idempotency-Key was already used for a different request" },
  INSUFFICIENT_FUNDS: { status: 409, title: "The wallet balance is too low" },
  BALANCE_LIMIT_EXCEEDED: { status: 409, title: "The wallet balance would exceed its limit" },
});
export type AppError = InstanceType<typeof AppError>;
export type ErrorCode = ConstructorParameters<typeof AppError>[0];
