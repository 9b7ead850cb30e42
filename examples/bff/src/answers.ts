import type { ApiError } from "@matchday/client/discount";

const PROBLEM = { "content-type": "application/problem+json" };

/** The services' problem type URIs, so a client reads the BFF's problems as theirs. */
const problemType = (code: string) => `urn:matchday:problem:${code.toLowerCase().replaceAll("_", "-")}`;

export function problem(
  status: number,
  code: string,
  title: string,
  detail = title,
  headers: Record<string, string> = {},
) {
  return Response.json(
    { type: problemType(code), title, status, detail, code },
    { status, headers: { ...PROBLEM, ...headers } },
  );
}

/**
 * What the user hears when a service refused or failed. Refusals about the user's request
 * (sold out, unknown code, too many tries) pass through as they are; the service refusing
 * the BFF's own credentials, or not answering, is our fault, not the user's: 502/504.
 */
export function answerFor(error: ApiError): Response {
  const retry: Record<string, string> =
    error.retryAfterSeconds === undefined ? {} : { "retry-after": String(error.retryAfterSeconds) };
  if (error.code === "TIMEOUT") return problem(504, "UPSTREAM_TIMEOUT", "A service did not answer in time");
  if (error.status === 0 || error.code === "BAD_RESPONSE") {
    return problem(502, "UPSTREAM_UNAVAILABLE", "A service could not be reached");
  }
  if (error.status === 401 || (error.status === 403 && error.code === "FORBIDDEN")) {
    return problem(502, "UPSTREAM_REFUSED_US", "A service refused this server's credentials");
  }
  if (error.status >= 500) return problem(503, error.code, error.title, error.detail, retry);
  return problem(error.status, error.code, error.title, error.detail, retry);
}
