import { afterAll, expect, test } from "bun:test";
import { freePort } from "@matchday/testkit/processes";
import { idempotencyKeyFor } from "./idempotency";
import { createWalletClient } from "./wallet";

const PHONE = "09121234567";
/** A stand-in wallet whose answers each test chooses, and which records what it was sent. */
let answer: (request: Request) => Response | Promise<Response> = () => new Response("{}");
const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (request) => answer(request) });
const baseUrl = `http://127.0.0.1:${server.port}`;
afterAll(() => server.stop(true));

test("a refused connection is a value with status 0 and code NETWORK, carrying the fetch error", async () => {
  const result = await createWalletClient({ baseUrl: `http://127.0.0.1:${freePort()}` }).balance(PHONE);
  expect(result.ok).toBe(false);
  if (!result.ok) {
    expect(result.error).toMatchObject({ status: 0, code: "NETWORK" });
    expect((result.error.cause as { code?: string }).code).toBe("ECONNREFUSED");
  }
});

test("an answer slower than the call's timeout is status 0 and code TIMEOUT", async () => {
  answer = () => Bun.sleep(500).then(() => Response.json({}));
  const client = createWalletClient({ baseUrl, timeoutMs: 5_000 });
  const result = await client.balance(PHONE, { timeoutMs: 50 });
  expect(result.ok ? undefined : result.error).toMatchObject({ status: 0, code: "TIMEOUT" });
});

test("an error page that is not problem+json is code BAD_RESPONSE with its status and Retry-After", async () => {
  answer = () => new Response("<h1>Bad gateway</h1>", { status: 502, headers: { "retry-after": "3" } });
  const result = await createWalletClient({ baseUrl }).balance(PHONE);
  expect(result.ok ? undefined : result.error).toMatchObject({
    status: 502,
    code: "BAD_RESPONSE",
    retryAfterSeconds: 3,
  });
});

test("a problem+json body is read into status, code, title, detail and requestId", async () => {
  const problem = {
    type: "urn:matchday:problem:rate-limited",
    title: "Too many attempts; try again later",
    status: 429,
    detail: "slow down",
    code: "RATE_LIMITED",
    requestId: "req-1",
  };
  answer = () =>
    new Response(JSON.stringify(problem), {
      status: 429,
      headers: { "content-type": "application/problem+json", "retry-after": "7" },
    });
  const result = await createWalletClient({ baseUrl }).balance(PHONE);
  expect(result.ok ? undefined : result.error).toEqual({
    status: 429,
    code: "RATE_LIMITED",
    title: problem.title,
    detail: "slow down",
    requestId: "req-1",
    errors: undefined,
    retryAfterSeconds: 7,
  });
});

test("a token provider is asked before every request, so a refreshed token is used at once", async () => {
  const seen: (string | null)[] = [];
  answer = (request) => {
    seen.push(request.headers.get("authorization"));
    return Response.json({ phone: PHONE, balance: 0, currency: "IRT", updatedAt: null });
  };
  let issued = 0;
  const client = createWalletClient({ baseUrl, token: async () => `token-${++issued}` });
  await client.balance(PHONE);
  await client.balance(PHONE);
  expect(seen).toEqual(["Bearer token-1", "Bearer token-2"]);
});

test("a token provider that throws is an error value, not an exception", async () => {
  const client = createWalletClient({
    baseUrl,
    token: () => {
      throw new Error("vault sealed");
    },
  });
  const result = await client.balance(PHONE);
  expect(result.ok ? undefined : result.error).toMatchObject({ status: 0, code: "NETWORK", detail: "vault sealed" });
});

test("credits send the Idempotency-Key and JSON body, and path values are encoded", async () => {
  let sent: { url: string; key: string | null; type: string | null; body: unknown } | undefined;
  answer = async (request) => {
    sent = {
      url: request.url,
      key: request.headers.get("idempotency-key"),
      type: request.headers.get("content-type"),
      body: await request.json(),
    };
    return Response.json({}, { status: 201 });
  };
  await createWalletClient({ baseUrl }).credit("+98 912/1", { amount: 5 }, "k-1");
  expect(sent).toEqual({
    url: `${baseUrl}/v1/wallets/%2B98%20912%2F1/credits`,
    key: "k-1",
    type: "application/json",
    body: { amount: 5 },
  });
});

test("the caller's signal cancels a request as NETWORK, without waiting for the timeout", async () => {
  answer = () => Bun.sleep(500).then(() => Response.json({}));
  const controller = new AbortController();
  const pending = createWalletClient({ baseUrl, timeoutMs: 5_000 }).balance(PHONE, { signal: controller.signal });
  controller.abort();
  const result = await pending;
  expect(result.ok ? undefined : result.error).toMatchObject({ status: 0, code: "NETWORK" });
});

test("idempotencyKeyFor is stable for a scope and request id, distinct otherwise, and within the wallet's format", async () => {
  const key = await idempotencyKeyFor("bff-topup", "req-٤٢-with-a-very-long-id".repeat(20));
  expect(key).toBe(await idempotencyKeyFor("bff-topup", "req-٤٢-with-a-very-long-id".repeat(20)));
  expect(key).not.toBe(await idempotencyKeyFor("bff-refund", "req-٤٢-with-a-very-long-id".repeat(20)));
  expect(key).toMatch(/^bff-topup:[0-9a-f]{64}$/);
  expect(key).toMatch(/^[\x21-\x7e]{1,255}$/);
  await expect(idempotencyKeyFor("has space", "1")).rejects.toThrow(TypeError);
});
