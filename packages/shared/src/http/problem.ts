import { t } from "elysia";
import { AppError, type ErrorCode, type FieldIssue, isErrorCode, toProblem } from "../errors";

const PROBLEM_KEY = "x-problem";

/**
 * Schema options that give a field its own error codes instead of the generic
 * VALIDATION_FAILED, e.g. `T.String({ ...problemCodes({ missing: "IDEMPOTENCY_KEY_REQUIRED" }) })`.
 * The `x-` key is a valid OpenAPI extension, so the document stays valid.
 */
export function problemCodes(codes: { missing?: ErrorCode; invalid?: ErrorCode }) {
  return { [PROBLEM_KEY]: codes };
}

const MESSAGE_KEY = "x-problem-message";

/** Schema options that name a field's fault in words, where the schema's own are a regex ("Expected string to match ..."). */
export function problemMessage(message: string) {
  return { [MESSAGE_KEY]: message };
}

function annotatedCode(valueError: ElysiaValidationLike["valueError"]): ErrorCode | undefined {
  const codes = valueError?.schema?.[PROBLEM_KEY] as { missing?: unknown; invalid?: unknown } | undefined;
  const code = valueError?.value === undefined ? codes?.missing : codes?.invalid;
  return isErrorCode(code) ? code : undefined;
}

/** Renders an AppError as an RFC 9457 problem+json response, with any other headers it must carry. */
export function problemResponse(error: AppError, requestId: string, extra?: Record<string, string>): Response {
  const problem = toProblem(error, requestId);
  const headers: Record<string, string> = {
    ...extra,
    "content-type": "application/problem+json",
    "x-request-id": requestId,
  };
  if (error.extra.retryAfterSeconds !== undefined) headers["retry-after"] = String(error.extra.retryAfterSeconds);
  return new Response(JSON.stringify(problem), { status: problem.status, headers });
}

interface ElysiaValidationLike {
  type: string;
  valueError?: { value?: unknown; schema?: Record<string, unknown> };
  all: { path?: string; message?: string; summary?: string; schema?: Record<string, unknown> }[];
}

/** Names each bad field, e.g. `body.amount`, without echoing the submitted value. */
export function validationIssues(error: ElysiaValidationLike): FieldIssue[] {
  const seen = new Set<string>();
  const issues: FieldIssue[] = [];
  for (const e of error.all) {
    const path = (e.path ?? "").replace(/^\//, "").replaceAll("/", ".");
    const field = path ? `${error.type}.${path}` : error.type;
    const annotated = e.schema?.[MESSAGE_KEY];
    const message = typeof annotated === "string" ? annotated : (e.summary ?? e.message ?? "is not valid");
    const key = `${field}|${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push({ field, message });
    }
  }
  return issues;
}

/** Turns whatever was thrown into an AppError that is safe to show a client. */
export function toAppError(code: string | number, error: unknown): AppError {
  if (error instanceof AppError) return error;
  switch (code) {
    case "VALIDATION": {
      const v = error as ElysiaValidationLike;
      // A response that fails its own schema is our bug, not the client's.
      if (v.type === "response") return new AppError("INTERNAL");
      const errors = validationIssues(v);
      const first = errors[0];
      const detail = first ? `${first.field}: ${first.message}` : undefined;
      return new AppError(annotatedCode(v.valueError) ?? "VALIDATION_FAILED", detail, { errors });
    }
    case "PARSE": {
      // Elysia wraps what a parser threw; a refusal of the body's size keeps its own code.
      const cause = (error as Error).cause;
      return cause instanceof AppError ? cause : new AppError("MALFORMED_JSON");
    }
    case "NOT_FOUND":
      return new AppError("ROUTE_NOT_FOUND");
    default:
      return new AppError("INTERNAL");
  }
}

/** The OpenAPI schema of a problem+json answer as the kernel renders it, limited to the codes one status carries. */
export function problemSchema(status: number, codes: readonly [ErrorCode, ...ErrorCode[]], description: string) {
  const [first, ...rest] = codes;
  return t.Object(
    {
      type: t.String({ description: "urn:matchday:problem:<code>" }),
      title: t.String(),
      status: t.Literal(status),
      detail: t.String(),
      code: rest.length ? t.Union(codes.map((c) => t.Literal(c))) : t.Literal(first),
      requestId: t.String(),
      errors: t.Optional(
        t.Array(t.Object({ field: t.String(), message: t.String() }), { description: "Which fields were not valid" }),
      ),
    },
    { description },
  );
}
