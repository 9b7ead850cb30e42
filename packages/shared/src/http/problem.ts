import { Type as T } from "@sinclair/typebox";
import { isDatabaseUnreachable } from "../db/target";
import {
  AppError,
  annotatedSpec,
  type ErrorSpec,
  type FieldIssue,
  PROBLEM_KEY,
  ProblemError,
  toProblem,
} from "../errors";

const MESSAGE_KEY = "x-problem-message";

/** Schema options that name a field's fault in words, where the schema's own are a regex ("Expected string to match ..."). */
export function problemMessage(message: string) {
  return { [MESSAGE_KEY]: message };
}

/** The field's own code (see problemCodes) for what is wrong with it, with its service's status. */
function annotatedCode(valueError: ElysiaValidationLike["valueError"]): { code: string; spec: ErrorSpec } | undefined {
  const codes = valueError?.schema?.[PROBLEM_KEY] as { missing?: unknown; invalid?: unknown } | undefined;
  const code = valueError?.value === undefined ? codes?.missing : codes?.invalid;
  const spec = annotatedSpec(code);
  return spec ? { code: code as string, spec } : undefined;
}

/** Renders an AppError as an RFC 9457 problem+json response, with any other headers it must carry. */
export function problemResponse(error: ProblemError, requestId: string, extra?: Record<string, string>): Response {
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
export function toAppError(code: string | number, error: unknown): ProblemError {
  if (error instanceof ProblemError) return error;
  switch (code) {
    case "VALIDATION": {
      const v = error as ElysiaValidationLike;
      // A response that fails its own schema is our bug, not the client's.
      if (v.type === "response") return new AppError("INTERNAL");
      const errors = validationIssues(v);
      const first = errors[0];
      const detail = first ? `${first.field}: ${first.message}` : undefined;
      const annotated = annotatedCode(v.valueError);
      if (annotated) return new ProblemError(annotated.code, annotated.spec, detail, { errors });
      return new AppError("VALIDATION_FAILED", detail, { errors });
    }
    case "PARSE": {
      // Elysia wraps what a parser threw; a refusal of the body's size keeps its own code.
      const cause = (error as Error).cause;
      return cause instanceof ProblemError ? cause : new AppError("MALFORMED_JSON");
    }
    case "NOT_FOUND":
      return new AppError("ROUTE_NOT_FOUND");
    default:
      // A libSQL server that is down or failing over is an outage to wait out, not our bug.
      if (isDatabaseUnreachable(error)) {
        return new AppError("SERVICE_UNAVAILABLE", "the database is unreachable", { retryAfterSeconds: 1 });
      }
      return new AppError("INTERNAL");
  }
}

/** The OpenAPI schema of a problem+json answer as the kernel renders it, limited to the codes one status carries. */
export function problemSchema<Code extends string>(
  status: number,
  codes: readonly [Code, ...Code[]],
  description: string,
) {
  const [first, ...rest] = codes;
  return T.Object(
    {
      type: T.String({ description: "urn:matchday:problem:<code>" }),
      title: T.String(),
      status: T.Literal(status),
      detail: T.String(),
      code: rest.length ? T.Union(codes.map((c) => T.Literal(c))) : T.Literal(first),
      requestId: T.String(),
      errors: T.Optional(
        T.Array(T.Object({ field: T.String(), message: T.String() }), { description: "Which fields were not valid" }),
      ),
    },
    { description },
  );
}
