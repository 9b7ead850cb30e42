import { afterAll, beforeAll, expect, test } from "bun:test";
import SwaggerParser from "@apidevtools/swagger-parser";
import { type DiscountStack, type DiscountUnderTest, startDiscountStack } from "@matchday/testkit/discount";
import { TEST_JWT_SECRET } from "@matchday/testkit/http";
import { ERROR_STATUS, type ErrorCode } from "./errors";

let stack: DiscountStack;
let discount: DiscountUnderTest;
let doc: OpenApiDoc;

beforeAll(async () => {
  stack = await startDiscountStack();
  ({ discount } = stack);
  const res = await fetch(`${discount.url}/docs/json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as OpenApiDoc;
});
afterAll(() => stack?.dispose());

type Schema = { [key: string]: unknown };
interface Operation {
  parameters?: { schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
type OpenApiDoc = { openapi: string; paths: Record<string, Record<string, Operation>> };

function operations(): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as [string, Operation]),
  );
}

/** Every schema object nested anywhere under `node`. */
function* schemasIn(node: unknown): Generator<Schema> {
  if (Array.isArray(node)) for (const item of node) yield* schemasIn(item);
  else if (node && typeof node === "object") {
    yield node as Schema;
    for (const value of Object.values(node)) yield* schemasIn(value);
  }
}

/** The codes a problem schema's `code` property allows: a const, an enum, or a union of either. */
function codesOf(schema: Schema | undefined): string[] {
  if (!schema) return [];
  if (typeof schema.const === "string") return [schema.const];
  if (Array.isArray(schema.enum)) return schema.enum as string[];
  const union = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  return union ? union.flatMap(codesOf) : [];
}

/** The problem codes an operation documents, by status: every 4xx/5xx response with a `code` property. */
function documentedProblems(op: Operation): Record<string, string[]> {
  const byStatus: Record<string, string[]> = {};
  for (const [status, response] of Object.entries(op.responses ?? {})) {
    if (Number(status) < 400) continue;
    const codes = Object.values(response.content ?? {}).flatMap(({ schema }) =>
      codesOf((schema?.properties as Record<string, Schema> | undefined)?.code),
    );
    byStatus[status] = [...new Set(codes)].sort();
  }
  return byStatus;
}

test("the OpenAPI document is valid for an independent validator and lists every API route", async () => {
  await SwaggerParser.validate(structuredClone(doc) as never);
  expect(doc.openapi).toStartWith("3.");

  const documented = operations().map(([route]) => route.replaceAll(/\{(\w+)\}/g, ":$1"));
  // The docs themselves and the admin page's files are not API operations.
  const served = discount.app.routes
    .map((r) => `${r.method} ${r.path}`)
    .filter((r) => !r.startsWith("GET /docs") && !r.startsWith("GET /admin"));
  expect(documented.sort()).toEqual(served.sort());
});

test("the docs UI is served at /docs", async () => {
  const res = await fetch(`${discount.url}/docs`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/html");
});

test("the redeem operation documents every refusal it can answer, each code under its own status", () => {
  const redeem = doc.paths["/v1/redeem"]?.post;
  expect(redeem).toBeDefined();
  const op = redeem as Operation;
  expect(Object.keys(op.responses ?? {})).toEqual(expect.arrayContaining(["200", "201"]));

  const problems = documentedProblems(op);
  expect(problems).toEqual({
    "400": ["MALFORMED_JSON"],
    "401": ["INVALID_TOKEN", "TOKEN_EXPIRED", "UNAUTHENTICATED"],
    "403": ["CAMPAIGN_NOT_STARTED", "FORBIDDEN"],
    "404": ["CODE_NOT_FOUND"],
    "409": ["CAMPAIGN_EXHAUSTED"],
    "410": ["CAMPAIGN_ENDED"],
    "413": ["PAYLOAD_TOO_LARGE"],
    "415": ["UNSUPPORTED_MEDIA_TYPE"],
    "422": ["INVALID_PHONE", "VALIDATION_FAILED"],
    "429": ["RATE_LIMITED"],
    "503": ["SERVICE_UNAVAILABLE"],
  });
  // The shared error table decides each code's status; the document must agree with it.
  for (const [status, codes] of Object.entries(problems)) {
    for (const code of codes) expect(`${code} → ${ERROR_STATUS[code as ErrorCode]}`).toBe(`${code} → ${status}`);
  }
});

test("a field annotated with its own problem code has that code among its operation's documented refusals", () => {
  for (const [route, op] of operations()) {
    const documented = Object.values(documentedProblems(op)).flat();
    const inputs = [op.parameters ?? [], op.requestBody ?? {}];
    for (const schema of schemasIn(inputs)) {
      const annotated = schema["x-problem"] as { missing?: string; invalid?: string } | undefined;
      for (const code of Object.values(annotated ?? {}))
        expect(`${route}: ${code}`).toBeOneOf(documented.map((c) => `${route}: ${c}`));
    }
  }
});

test("no schema in the document exposes storage internals or secrets", () => {
  // Surrogate and foreign keys, and the outbox's delivery bookkeeping, never leave the service.
  const internal = new Set([
    "id",
    "campaignId",
    "redemptionId",
    "idempotencyKey",
    "attempts",
    "nextAttemptAt",
    "leaseOwner",
    "leaseUntil",
    "lastError",
  ]);
  // A coupon batch has no natural key: its id is its public handle (/v1/coupon-batches/:id). So has a
  // webhook endpoint, and its deliveries' attempts and last error are what admins read them for.
  const {
    "/v1/coupon-batches": _batches,
    "/v1/coupon-batches/{id}": _batch,
    "/v1/webhooks/": _webhooks,
    "/v1/webhooks/{id}": _webhook,
    "/v1/webhooks/{id}/deliveries": _deliveries,
    ...others
  } = doc.paths;
  const exposed = [...schemasIn(others)].flatMap((schema) =>
    schema.properties && typeof schema.properties === "object" ? Object.keys(schema.properties) : [],
  );
  expect(exposed.length).toBeGreaterThan(0);
  for (const name of new Set(exposed)) {
    // camelCase only: a snake_case name is a database column showing through.
    expect(name).toMatch(/^[a-z][A-Za-z0-9]*$/);
    expect(internal.has(name) ? `${name} (internal)` : name).toBe(name);
  }

  const text = JSON.stringify(doc);
  expect(text).not.toContain(TEST_JWT_SECRET);
  expect(text).not.toMatch(/sqlite|libsql|drizzle|ioredis|outbox|lease|node_modules|\/work\/|stack trace|file:/i);
});

test("the reversal operations document their refusals, each code under the status the error table gives it", () => {
  const rollback = documentedProblems(doc.paths["/v1/coupons/{code}/rollback"]?.post as Operation);
  expect(rollback["409"]).toEqual(expect.arrayContaining(["REVERSAL_INSUFFICIENT_FUNDS", "COUPON_NOT_USED"]));
  expect(rollback["400"]).toEqual(expect.arrayContaining(["IDEMPOTENCY_KEY_REQUIRED"]));
  const voiding = documentedProblems(doc.paths["/v1/campaigns/{code}/redemptions/{phone}/void"]?.post as Operation);
  expect(voiding["409"]).toEqual(expect.arrayContaining(["REVERSAL_INSUFFICIENT_FUNDS", "ALREADY_REVERSED"]));
  const revoke = documentedProblems(doc.paths["/v1/coupons/{code}/revoke"]?.post as Operation);
  expect(revoke["409"]).toEqual(["COUPON_ALREADY_USED"]);
  for (const problems of [rollback, voiding, revoke]) {
    for (const [status, codes] of Object.entries(problems)) {
      for (const code of codes) expect(`${code} → ${ERROR_STATUS[code as ErrorCode]}`).toBe(`${code} → ${status}`);
    }
  }
});
