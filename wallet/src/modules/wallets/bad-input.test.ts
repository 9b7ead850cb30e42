import { afterAll, beforeAll, expect, test } from "bun:test";
import { bearer } from "@matchday/testkit/http";
import { startWalletInProcess, type WalletUnderTest } from "@matchday/testkit/wallet";

let wallet: WalletUnderTest;
let auth: Record<string, string>;
let key = 0;

beforeAll(async () => {
  wallet = await startWalletInProcess();
  auth = await bearer("admin");
});
afterAll(() => wallet.dispose());

async function ledgerCount(): Promise<number> {
  const { rows } = await wallet.store.client.execute("SELECT COUNT(*) AS n FROM ledger");
  return Number(rows[0]?.n);
}

async function send(path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${wallet.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": `bad-${key++}`, ...auth, ...headers },
    body,
  });
}

async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  const text = await res.text();
  // Nothing internal leaks: no stack frames, no SQL, no library names.
  expect(text).not.toMatch(/\bat .+:\d+|SQLITE|SELECT|INSERT|libsql|drizzle|TypeError/i);
  const problem = JSON.parse(text) as Record<string, unknown>;
  expect(problem).toMatchObject({ status, code, requestId: expect.any(String), title: expect.any(String) });
  return JSON.parse(text) as Record<string, unknown>;
}

const CREDIT = "/v1/wallets/09121234567/credits";

test.each([
  ["zero amount", { amount: 0 }],
  ["negative amount", { amount: -5 }],
  ["fractional amount", { amount: 10.5 }],
  ["huge amount", { amount: 1e15 }],
  ["amount beyond 2^53", { amount: 2 ** 60 }],
  ["amount as a string", { amount: "1000" }],
  ["amount as a float-looking string", { amount: "1e3" }],
  ["amount missing", {}],
  ["amount null", { amount: null }],
  ["amount as an array", { amount: [1000] }],
  ["reference too long", { amount: 1, reference: "r".repeat(129) }],
  ["reference empty", { amount: 1, reference: "" }],
  ["reference of the wrong type", { amount: 1, reference: 42 }],
  ["description too long", { amount: 1, description: "d".repeat(501) }],
  ["body is an array", [1, 2]],
  ["body is a string", "credit me"],
  ["body is null", null],
])("a credit with %s is a 422 naming the field, and nothing is written", async (_, body) => {
  const before = await ledgerCount();
  const problem = await expectProblem(await send(CREDIT, JSON.stringify(body)), 422, "VALIDATION_FAILED");
  expect((problem.errors as { field: string }[])[0]?.field).toStartWith("body");
  expect(await ledgerCount()).toBe(before);
});

// What a store may cut off or a log line may turn into another line: C0 controls but tab,
// newline and CR, DEL, and C1 controls.
test.each([
  ["a NUL byte in the description", "description", "abc\u0000def"],
  ["a NUL byte in the reference", "reference", "order-1\u0000"],
  ["an escape sequence in the description", "description", "\u001b[31mred"],
  ["a DEL in the reference", "reference", "ref\u007f"],
  ["a C1 control in the description", "description", "abc\u0085def"],
])(
  "a debit or credit with %s is a 422 naming the field, the same on replay, and nothing is written",
  async (_, field, text) => {
    const before = await ledgerCount();
    const headers = { "idempotency-key": `control-${field}-${key++}` };
    for (const path of [CREDIT, CREDIT, "/v1/wallets/09121234567/debits"]) {
      const problem = await expectProblem(
        await send(path, JSON.stringify({ amount: 1, [field]: text }), headers),
        422,
        "VALIDATION_FAILED",
      );
      expect(problem.errors).toEqual([
        { field: `body.${field}`, message: expect.stringContaining("control characters") },
      ]);
    }
    expect(await ledgerCount()).toBe(before);
  },
);

test("tab, newline and CR in stored text are kept, and the replay equals the first answer", async () => {
  const body = JSON.stringify({ amount: 3, reference: "r\t1", description: "سطر یک\r\nline two\tend" });
  const headers = { "idempotency-key": `whitespace-${key++}` };
  const first = await send(CREDIT, body, headers);
  expect(first.status).toBe(201);
  const firstBody = await first.json();
  expect(firstBody).toMatchObject({ reference: "r\t1", description: "سطر یک\r\nline two\tend" });
  const replay = await send(CREDIT, body, headers);
  expect(await replay.json()).toEqual(firstBody);
});

test.each([
  ["truncated JSON", '{"amount": 10'],
  ["not JSON at all", "amount=10"],
  ["trailing garbage", '{"amount": 10}}'],
])("%s is a 400 MALFORMED_JSON", async (_, body) => {
  const before = await ledgerCount();
  await expectProblem(await send(CREDIT, body), 400, "MALFORMED_JSON");
  expect(await ledgerCount()).toBe(before);
});

test("a body that is not application/json is a 415", async () => {
  await expectProblem(
    await send(CREDIT, '{"amount":10}', { "content-type": "text/plain" }),
    415,
    "UNSUPPORTED_MEDIA_TYPE",
  );
});

test("an oversized body is a 413 and is not read", async () => {
  const before = await ledgerCount();
  const body = JSON.stringify({ amount: 1, description: "x".repeat(64 * 1024) });
  await expectProblem(await send(CREDIT, body), 413, "PAYLOAD_TOO_LARGE");
  expect(await ledgerCount()).toBe(before);
});

test.each(["abc", "0912", "02112345678", "+449121234567", "09121234567'--", "%F0%9F%98%80"])(
  "a path phone %p that is not a mobile is a 422 INVALID_PHONE",
  async (phone) => {
    const before = await ledgerCount();
    await expectProblem(await send(`/v1/wallets/${phone}/credits`, '{"amount":1}'), 422, "INVALID_PHONE");
    const read = await fetch(`${wallet.url}/v1/wallets/${phone}`, { headers: auth });
    await expectProblem(read, 422, "INVALID_PHONE");
    expect(await ledgerCount()).toBe(before);
  },
);

test("a phone in Persian digits in the path reaches the same wallet", async () => {
  const persian = encodeURIComponent("۰۹۳۵۱۱۱۲۲۳۳");
  expect((await send(`/v1/wallets/${persian}/credits`, '{"amount":5}')).status).toBe(201);
  const res = await fetch(`${wallet.url}/v1/wallets/09351112233`, { headers: auth });
  expect(await res.json()).toMatchObject({ phone: "+989351112233", balance: 5 });
});

test("an unknown route is a 404 problem, not an HTML page", async () => {
  await expectProblem(await fetch(`${wallet.url}/v1/nothing-here`, { headers: auth }), 404, "ROUTE_NOT_FOUND");
});

test("the request id is echoed when sane and replaced when not", async () => {
  const echoed = await fetch(`${wallet.url}/health`, { headers: { "x-request-id": "trace-abc.123" } });
  expect(echoed.headers.get("x-request-id")).toBe("trace-abc.123");
  const replaced = await fetch(`${wallet.url}/health`, { headers: { "x-request-id": "bad id <script>" } });
  expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  const problem = await expectProblem(
    await send(CREDIT, "{", { "x-request-id": "trace-err-1" }),
    400,
    "MALFORMED_JSON",
  );
  expect(problem.requestId).toBe("trace-err-1");
});
