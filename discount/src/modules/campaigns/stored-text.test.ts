import { afterAll, beforeAll, expect, test } from "bun:test";
import { type DiscountUnderTest, startDiscountWithoutWallet } from "@matchday/testkit/discount";
import { bearer } from "@matchday/testkit/http";

let discount: DiscountUnderTest;
let admin: Record<string, string>;

beforeAll(async () => {
  discount = await startDiscountWithoutWallet();
  admin = await bearer("admin");
});
afterAll(() => discount?.dispose());

async function rows(table: "campaigns" | "coupon_batches"): Promise<number> {
  const { rows } = await discount.store.client.execute(`SELECT COUNT(*) AS n FROM ${table}`);
  return Number(rows[0]?.n);
}

async function post(path: string, body: unknown) {
  const res = await fetch(`${discount.url}${path}`, {
    method: "POST",
    headers: { ...admin, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    type: res.headers.get("content-type"),
    body: (await res.json()) as Record<string, unknown>,
  };
}

const campaign = { name: "ایران - برزیل", amount: 1000, maxRedemptions: 5 };

test.each([
  ["a NUL byte in the campaign name", "/v1/campaigns", { ...campaign, name: "abc\u0000def" }, "body.name"],
  ["an escape sequence in the campaign name", "/v1/campaigns", { ...campaign, name: "\u001b[2Jname" }, "body.name"],
  [
    "a NUL byte in a metadata string",
    "/v1/campaigns",
    { ...campaign, metadata: { note: "a\u0000b" } },
    "body.metadata",
  ],
  [
    "a NUL byte in a nested metadata string",
    "/v1/campaigns",
    { ...campaign, metadata: { a: [{ b: "\u0000" }] } },
    "body.metadata",
  ],
  [
    "a control character in a metadata key",
    "/v1/campaigns",
    { ...campaign, metadata: { "k\u0007": 1 } },
    "body.metadata",
  ],
  ["a NUL byte in a coupon batch name", "/v1/coupon-batches", { name: "batch\u0000", count: 1 }, "body.name"],
])("%s is a 422 VALIDATION_FAILED naming the field, and nothing is stored", async (_, path, body, field) => {
  const table = path === "/v1/campaigns" ? "campaigns" : "coupon_batches";
  const before = await rows(table);
  const answer = await post(path, body);
  expect(answer.status).toBe(422);
  expect(answer.type).toContain("application/problem+json");
  expect(answer.body.code).toBe("VALIDATION_FAILED");
  expect((answer.body.errors as { field: string }[]).map((e) => e.field)).toEqual([field]);
  expect(await rows(table)).toBe(before);
});

test("tab, newline and CR in a name and metadata are kept as sent", async () => {
  const name = "line one\r\nline\ttwo";
  const metadata = { note: "a\tb\nc", nested: { list: ["x\r\ny"] } };
  const created = await post("/v1/campaigns", { ...campaign, name, metadata });
  expect(created.status).toBe(201);
  const read = await fetch(`${discount.url}/v1/campaigns/${created.body.code}`, { headers: admin });
  expect(await read.json()).toMatchObject({ name, metadata });
});
