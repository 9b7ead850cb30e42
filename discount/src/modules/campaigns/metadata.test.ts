import { afterAll, beforeAll, expect, test } from "bun:test";
import { type DiscountUnderTest, startDiscountWithoutWallet } from "@matchday/testkit/discount";
import { bearer } from "@matchday/testkit/http";
import { MAX_METADATA_BYTES, MAX_METADATA_DEPTH } from "./metadata";

let discount: DiscountUnderTest;
let admin: Record<string, string>;

beforeAll(async () => {
  discount = await startDiscountWithoutWallet();
  admin = await bearer("admin");
});
afterAll(() => discount?.dispose());

async function campaignCount(): Promise<number> {
  const { rows } = await discount.store.client.execute("SELECT COUNT(*) AS n FROM campaigns");
  return Number(rows[0]?.n);
}

async function createWith(metadata: unknown) {
  const res = await fetch(`${discount.url}/v1/campaigns`, {
    method: "POST",
    headers: { ...admin, "content-type": "application/json" },
    body: JSON.stringify({ name: "metadata", amount: 1000, maxRedemptions: 5, metadata }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** An object whose values nest `depth` levels deep: depth 1 is `{ a: 1 }`. */
function nested(depth: number, inArrays = false): Record<string, unknown> {
  let value: unknown = 1;
  for (let level = 1; level < depth; level++) value = inArrays ? [value] : { a: value };
  return { a: value };
}

/** An object whose JSON is exactly `bytes` long. */
function sized(bytes: number): Record<string, unknown> {
  const empty = JSON.stringify({ note: "" }).length;
  return { note: "x".repeat(bytes - empty) };
}

test("metadata up to the depth and size bounds is stored as sent", async () => {
  for (const metadata of [nested(MAX_METADATA_DEPTH), nested(MAX_METADATA_DEPTH, true), sized(MAX_METADATA_BYTES)]) {
    const created = await createWith(metadata);
    expect(created.status).toBe(201);
    expect(created.body.metadata).toEqual(metadata);
  }
});

test.each([
  ["nested one object too deep", nested(MAX_METADATA_DEPTH + 1)],
  ["nested one array too deep", nested(MAX_METADATA_DEPTH + 1, true)],
  ["nested a thousand levels deep", nested(1000)],
  ["one byte over the size bound", sized(MAX_METADATA_BYTES + 1)],
  ["under the size bound in characters but over it in UTF-8 bytes", { note: "ب".repeat(MAX_METADATA_BYTES / 2) }],
])("metadata %s is a 422 VALIDATION_FAILED naming body.metadata, and nothing is stored", async (_, metadata) => {
  const before = await campaignCount();
  const refused = await createWith(metadata);
  expect(refused.status).toBe(422);
  expect(refused.body.code).toBe("VALIDATION_FAILED");
  expect((refused.body.errors as { field: string }[]).map((e) => e.field)).toEqual(["body.metadata"]);
  expect(await campaignCount()).toBe(before);
});
