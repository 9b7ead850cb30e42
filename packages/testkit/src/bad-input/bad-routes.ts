import fc from "fast-check";
import {
  type BadRequest,
  type BodySchema,
  badBody,
  badContentType,
  badQuery,
  type HeaderPoison,
  toJsonText,
} from "./bad-input";

/** One route and everything that makes a valid call to it; each `bad*` is a way to break it. */
export interface RouteSpec {
  method: "GET" | "POST" | "DELETE";
  /** At most one `:param`, e.g. "/v1/wallets/:phone/credits". */
  path: string;
  /** The valid value of the path parameter. */
  param?: string;
  /** Percent-encoded path parameter values the route must refuse. */
  badParam?: fc.Arbitrary<string>;
  query?: { good: Record<string, string>; bad: Record<string, fc.Arbitrary<string>> };
  body?: { valid: Record<string, unknown>; schema: BodySchema };
  /** Headers of a valid call, credentials included. */
  headers: Record<string, string>;
  /** Other header sets to send instead (credentials a route must refuse, bad Idempotency-Keys, ...). */
  badHeaders?: fc.Arbitrary<HeaderPoison>;
}

/**
 * Requests to `spec`'s route, each broken in exactly one way and valid otherwise, so
 * any that is accepted is a validation gap rather than a bad test input.
 */
export function badRequestsFor(spec: RouteSpec): fc.Arbitrary<BadRequest> {
  const valid = validRequestFor(spec);
  const validQuery = queryText(spec.query?.good);
  const pathWith = (param: string | undefined) => spec.path.replace(/:[a-z]+/, param ?? "");
  const label = `${spec.method} ${spec.path}`;
  const broken = (why: string, change: Partial<BadRequest>): BadRequest => ({
    ...valid,
    ...change,
    why: `${label}: ${why}`,
  });

  const poisons: fc.Arbitrary<BadRequest>[] = [];
  if (spec.badParam) {
    poisons.push(spec.badParam.map((p) => broken("bad path parameter", { path: `${pathWith(p)}${validQuery}` })));
  }
  const { query, body, badHeaders } = spec;
  if (query) {
    poisons.push(
      badQuery(query.good, query.bad).map((q) => broken(q.why, { path: `${pathWith(spec.param)}${q.query}` })),
    );
  }
  if (body) {
    poisons.push(badBody(body.valid, body.schema).map((b) => broken(b.why, { body: b.text })));
    poisons.push(
      badContentType.map((type) =>
        broken(`content type ${type}`, { headers: { ...valid.headers, "content-type": type } }),
      ),
    );
  }
  if (badHeaders) {
    poisons.push(badHeaders.map((h) => broken(h.why, { headers: withPoison(valid.headers, h) })));
  }
  return fc.oneof(...poisons);
}

/** The call the generators break: a test sends it too, to show the route accepts it unbroken. */
export function validRequestFor(spec: RouteSpec): BadRequest {
  return {
    method: spec.method,
    path: `${spec.path.replace(/:[a-z]+/, spec.param ?? "")}${queryText(spec.query?.good)}`,
    headers: spec.body ? { "content-type": "application/json", ...spec.headers } : spec.headers,
    body: spec.body ? toJsonText(spec.body.valid) : undefined,
    why: "valid",
  };
}

function queryText(values: Record<string, string> | undefined): string {
  return values && Object.keys(values).length > 0 ? `?${new URLSearchParams(values).toString()}` : "";
}

function withPoison(valid: Record<string, string>, poison: HeaderPoison): Record<string, string> {
  const kept = Object.entries(valid).filter(([name]) => !poison.drop?.includes(name));
  return { ...Object.fromEntries(kept), ...poison.headers };
}
