import { afterAll, beforeAll, expect, test } from "bun:test";
import { type DiscountUnderTest, startDiscountWithoutWallet } from "@matchday/testkit/discount";
import { bearer } from "@matchday/testkit/http";

let discount: DiscountUnderTest;
let admin: Record<string, string>;

beforeAll(async () => {
  discount = await startDiscountWithoutWallet();
  admin = await bearer("admin");
  for (const [name, code] of [
    ["ایران - برزیل", "IRBR26"],
    ["ایران - ژاپن", "IRJP26"],
    ["50% off_night", "HALF26"],
    ["final", "FINAL26"],
  ]) {
    const res = await fetch(`${discount.url}/v1/campaigns`, {
      method: "POST",
      headers: { ...admin, "content-type": "application/json" },
      body: JSON.stringify({ name, code, amount: 1_000, maxRedemptions: 5 }),
    });
    expect(res.status).toBe(201);
  }
});
afterAll(() => discount?.dispose());

async function search(query: Record<string, string>) {
  const res = await fetch(`${discount.url}/v1/campaigns?${new URLSearchParams(query)}`, { headers: admin });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { items: { code: string }[]; nextCursor: string | null };
  return { codes: body.items.map((c) => c.code), nextCursor: body.nextCursor };
}

test("a search finds campaigns by part of the name, in any script, or by the code in any case, newest first", async () => {
  expect((await search({ q: "ایران" })).codes).toEqual(["IRJP26", "IRBR26"]);
  expect((await search({ q: "brz" })).codes).toEqual([]);
  expect((await search({ q: "irbr" })).codes).toEqual(["IRBR26"]);
  expect((await search({ q: "FIN" })).codes).toEqual(["FINAL26"]);
});

test("% and _ in a search match only themselves, not any text", async () => {
  expect((await search({ q: "%" })).codes).toEqual(["HALF26"]);
  expect((await search({ q: "fin_l" })).codes).toEqual([]);
  expect((await search({ q: "off_" })).codes).toEqual(["HALF26"]);
  expect((await search({ q: "\\" })).codes).toEqual([]);
});

test("a search pages with the same cursor as the plain list", async () => {
  const first = await search({ q: "ایران", limit: "1" });
  expect(first.codes).toEqual(["IRJP26"]);
  expect(first.nextCursor).not.toBeNull();
  const second = await search({ q: "ایران", limit: "1", cursor: String(first.nextCursor) });
  expect(second).toEqual({ codes: ["IRBR26"], nextCursor: null });
});

test("an empty, overlong or control-character search is refused with VALIDATION_FAILED", async () => {
  for (const q of ["", "x".repeat(65), "a\u0000b"]) {
    const res = await fetch(`${discount.url}/v1/campaigns?${new URLSearchParams({ q })}`, { headers: admin });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { code: string }).code).toBe("VALIDATION_FAILED");
  }
});
