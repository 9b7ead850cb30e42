/**
 * Error codes and their HTTP statuses. The codes every service may answer with (the
 * kernel's, auth's, validation's) are defined here; each service adds its own closed
 * set with `defineErrors` in its `src/errors.ts`, the one place that maps them to a
 * status. Domain code names a code; only the HTTP layer turns it into a problem+json body.
 */
export interface ErrorSpec {
  status: number;
  title: string;
}

export const GENERIC_ERRORS = {
  VALIDATION_FAILED: { status: 422, title: "The request is not valid" },
  INVALID_PHONE: { status: 422, title: "The phone number is not a valid Iranian mobile number" },
  MALFORMED_JSON: { status: 400, title: "The request body is not valid JSON" },
  INVALID_HOST: { status: 400, title: "The Host header is missing or not a valid host" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: "The request body must be application/json" },
  PAYLOAD_TOO_LARGE: { status: 413, title: "The request body is too large" },
  RATE_LIMITED: { status: 429, title: "Too many attempts; try again later" },
  UNAUTHENTICATED: { status: 401, title: "Authentication is required" },
  INVALID_TOKEN: { status: 401, title: "The access token is not valid" },
  TOKEN_EXPIRED: { status: 401, title: "The access token has expired" },
  FORBIDDEN: { status: 403, title: "You are not allowed to do this" },
  ROUTE_NOT_FOUND: { status: 404, title: "No such resource" },
  SERVICE_UNAVAILABLE: { status: 503, title: "The service is temporarily unavailable" },
  INTERNAL: { status: 500, title: "Internal error" },
} as const satisfies Record<string, ErrorSpec>;

export type GenericErrorCode = keyof typeof GENERIC_ERRORS;

/** A field-level validation problem, named so clients can point at the bad input. */
export interface FieldIssue {
  field: string;
  message: string;
}

export interface ErrorExtra {
  errors?: FieldIssue[];
  retryAfterSeconds?: number;
  /** RFC 9457 extension members: figures a client can act on, beside the words of `detail`. */
  members?: Record<string, string | number>;
}

/**
 * A domain error: a code and a human detail, nothing about HTTP but the status its
 * service's table gives the code. Thrown where an outcome is a genuine failure; expected
 * outcomes are returned as values instead. Services construct their own subclass (see
 * defineErrors), whose constructor accepts only that service's codes.
 */
export class ProblemError<Code extends string = string> extends Error {
  readonly status: number;
  readonly title: string;
  constructor(
    readonly code: Code,
    spec: ErrorSpec,
    readonly detail?: string,
    readonly extra: ErrorExtra = {},
  ) {
    super(detail ?? spec.title);
    this.name = "AppError";
    this.status = spec.status;
    this.title = spec.title;
  }
}

/** The schema key of a field's own error codes; an `x-` key keeps the OpenAPI document valid. */
export const PROBLEM_KEY = "x-problem";

/**
 * The specs of codes a schema names under PROBLEM_KEY, by code. The schema carries only the
 * code (what the OpenAPI document shows); the kernel finds its status here. Filled as
 * models are built, at import, before any request is validated.
 */
const annotatedSpecs = new Map<string, ErrorSpec>();

export function annotatedSpec(code: unknown): ErrorSpec | undefined {
  return typeof code === "string" ? annotatedSpecs.get(code) : undefined;
}

/**
 * A service's closed set of codes: the generic ones plus `own`. Returns its AppError
 * (whose constructor refuses any other code at compile time), the code → status map,
 * and a guard for codes read off the wire.
 */
export function defineErrors<const Own extends Record<string, ErrorSpec>>(own: Own) {
  type Code = GenericErrorCode | (keyof Own & string);
  const table = { ...GENERIC_ERRORS, ...own } as Record<Code, ErrorSpec>;
  class AppError extends ProblemError<Code> {
    constructor(code: Code, detail?: string, extra?: ErrorExtra) {
      super(code, table[code], detail, extra);
    }
  }
  const status = Object.fromEntries(Object.entries(table).map(([code, spec]) => [code, spec.status]));
  return {
    AppError,
    ERROR_STATUS: status as { readonly [C in Code]: number },
    isErrorCode: (value: unknown): value is Code => typeof value === "string" && Object.hasOwn(table, value),
    /**
     * Schema options that give a field its own error codes instead of the generic
     * VALIDATION_FAILED, e.g. `T.String({ ...problemCodes({ missing: "IDEMPOTENCY_KEY_REQUIRED" }) })`.
     */
    problemCodes(codes: { missing?: Code; invalid?: Code }) {
      for (const code of [codes.missing, codes.invalid]) if (code) annotatedSpecs.set(code, table[code]);
      return { [PROBLEM_KEY]: codes };
    },
  };
}

/** The generic set, for code that only ever names generic codes (the kernel, auth, the CLI). */
export const { AppError } = defineErrors({});
export type AppError = InstanceType<typeof AppError>;
export type ErrorCode = GenericErrorCode;

/** RFC 9457 problem details, plus our stable `code` and the request id. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId: string;
  errors?: FieldIssue[];
  [member: string]: unknown;
}

/** A problem's `type` URI from its code: one scheme for the services and for callers that answer in kind. */
export function problemType(code: string): string {
  return `urn:matchday:problem:${code.toLowerCase().replaceAll("_", "-")}`;
}

export function toProblem(error: ProblemError, requestId: string): Problem {
  const problem: Problem = {
    type: problemType(error.code),
    title: error.title,
    status: error.status,
    detail: error.detail ?? error.title,
    code: error.code,
    // Before the id, which the kernel's templated answers expect last.
    ...error.extra.members,
    requestId,
  };
  if (error.extra.errors) problem.errors = error.extra.errors;
  return problem;
}
