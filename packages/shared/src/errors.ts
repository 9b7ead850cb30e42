/**
 * The closed set of error codes both services may answer with, and the one place
 * that maps each to an HTTP status. Domain code names a code; only the HTTP layer
 * turns it into a status and a problem+json body.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 422,
  INVALID_PHONE: 422,
  MALFORMED_JSON: 400,
  INVALID_HOST: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  IDEMPOTENCY_KEY_REQUIRED: 400,
  IDEMPOTENCY_KEY_INVALID: 400,
  IDEMPOTENCY_KEY_REUSED: 409,
  INSUFFICIENT_FUNDS: 409,
  BALANCE_LIMIT_EXCEEDED: 409,
  CODE_NOT_FOUND: 404,
  CAMPAIGN_NOT_FOUND: 404,
  CAMPAIGN_CODE_TAKEN: 409,
  CAMPAIGN_EXHAUSTED: 409,
  CAMPAIGN_NOT_STARTED: 403,
  CAMPAIGN_ENDED: 410,
  COUPON_NOT_FOUND: 404,
  COUPON_ALREADY_USED: 409,
  COUPON_EXPIRED: 410,
  BATCH_NOT_FOUND: 404,
  RATE_LIMITED: 429,
  UNAUTHENTICATED: 401,
  INVALID_TOKEN: 401,
  TOKEN_EXPIRED: 401,
  FORBIDDEN: 403,
  ROUTE_NOT_FOUND: 404,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

const TITLES: Record<ErrorCode, string> = {
  VALIDATION_FAILED: "The request is not valid",
  INVALID_PHONE: "The phone number is not a valid Iranian mobile number",
  MALFORMED_JSON: "The request body is not valid JSON",
  INVALID_HOST: "The Host header is missing or not a valid host",
  UNSUPPORTED_MEDIA_TYPE: "The request body must be application/json",
  PAYLOAD_TOO_LARGE: "The request body is too large",
  IDEMPOTENCY_KEY_REQUIRED: "An Idempotency-Key header is required",
  IDEMPOTENCY_KEY_INVALID: "The Idempotency-Key header is not valid",
  IDEMPOTENCY_KEY_REUSED: "The Idempotency-Key was already used for a different request",
  INSUFFICIENT_FUNDS: "The wallet balance is too low",
  BALANCE_LIMIT_EXCEEDED: "The wallet balance would exceed its limit",
  CODE_NOT_FOUND: "No campaign has this code",
  CAMPAIGN_NOT_FOUND: "No such campaign",
  CAMPAIGN_CODE_TAKEN: "Another campaign already uses this code",
  CAMPAIGN_EXHAUSTED: "Sold out: every prize of this campaign has been claimed",
  CAMPAIGN_NOT_STARTED: "This campaign has not started yet",
  CAMPAIGN_ENDED: "This campaign has ended",
  COUPON_NOT_FOUND: "No coupon has this code",
  COUPON_ALREADY_USED: "This coupon has already been used",
  COUPON_EXPIRED: "This coupon has expired",
  BATCH_NOT_FOUND: "No such coupon batch",
  RATE_LIMITED: "Too many attempts; try again later",
  UNAUTHENTICATED: "Authentication is required",
  INVALID_TOKEN: "The access token is not valid",
  TOKEN_EXPIRED: "The access token has expired",
  FORBIDDEN: "You are not allowed to do this",
  ROUTE_NOT_FOUND: "No such resource",
  SERVICE_UNAVAILABLE: "The service is temporarily unavailable",
  INTERNAL: "Internal error",
};

export function statusOf(code: ErrorCode): number {
  return ERROR_STATUS[code];
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_STATUS, value);
}

/** A field-level validation problem, named so clients can point at the bad input. */
export interface FieldIssue {
  field: string;
  message: string;
}

/**
 * A domain error: a code and a human detail, nothing about HTTP. Thrown where an
 * outcome is a genuine failure; expected outcomes are returned as values instead.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    readonly extra: { errors?: FieldIssue[]; retryAfterSeconds?: number } = {},
  ) {
    super(detail ?? TITLES[code]);
    this.name = "AppError";
  }
}

/** RFC 9457 problem details, plus our stable `code` and the request id. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId: string;
  errors?: FieldIssue[];
}

/** A problem's `type` URI from its code: one scheme for the services and for callers that answer in kind. */
export function problemType(code: string): string {
  return `urn:matchday:problem:${code.toLowerCase().replaceAll("_", "-")}`;
}

export function toProblem(error: AppError, requestId: string): Problem {
  const problem: Problem = {
    type: problemType(error.code),
    title: TITLES[error.code],
    status: statusOf(error.code),
    detail: error.detail ?? TITLES[error.code],
    code: error.code,
    requestId,
  };
  if (error.extra.errors) problem.errors = error.extra.errors;
  return problem;
}
