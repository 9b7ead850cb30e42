import { afterAll, beforeAll, expect, test } from "bun:test";
import { startDiscountStore, type TempDiscountStore } from "@matchday/testkit/discount";
import { type CampaignRow, campaigns } from "../../db/schema";
import { CampaignCache } from "./service";

let temp: TempDiscountStore;
beforeAll(async () => {
  temp = await startDiscountStore();
});
afterAll(() => temp?.dispose());

async function stored(code: string, kind: "gift" | "coupon"): Promise<CampaignRow> {
  const [row] = await temp.store.db
    .insert(campaigns)
    .values({ code, name: code, kind, amount: 1_000, maxRedemptions: kind === "coupon" ? 1 : 1_000, createdAt: 0 })
    .returning();
  return row as CampaignRow;
}

const coupon = (i: number): CampaignRow => ({
  id: 1_000 + i,
  code: `CPN${String(i).padStart(5, "0")}`,
  name: "batch",
  kind: "coupon",
  amount: 50_000,
  maxRedemptions: 1,
  startsAt: null,
  endsAt: null,
  metadata: null,
  createdAt: 0,
  batchId: 1,
  boundPhone: null,
});

test("a flood of coupons redeemed one after another does not push the match's gift campaign out of memory", async () => {
  const cache = new CampaignCache(temp.store, Date.now);
  const match = await stored("MATCHDAY", "gift");
  expect(await cache.get("MATCHDAY")).toEqual(match);
  for (let i = 0; i < 20_000; i++) cache.remember(coupon(i));
  // The sold-out fast path answers only for campaigns it can peek at, without a DB read.
  expect(cache.peek("MATCHDAY")).toEqual(match);
});

test("only the latest coupons are kept; an older one is read from the DB again, and kept again", async () => {
  const cache = new CampaignCache(temp.store, Date.now);
  const first = await stored("FIRSTCPN", "coupon");
  cache.remember(first);
  for (let i = 0; i < 20_000; i++) cache.remember(coupon(i));
  expect(cache.peek("FIRSTCPN")).toBeUndefined();
  expect(cache.peek(coupon(19_999).code)).toEqual(coupon(19_999));
  expect(await cache.get("FIRSTCPN")).toEqual(first);
  expect(cache.peek("FIRSTCPN")).toEqual(first);
});
