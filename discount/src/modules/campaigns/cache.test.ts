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

test("a flood of wrong codes is remembered for a second each, and memory holds no more than the last two seconds' worth", async () => {
  let now = 1_000_000;
  const cache = new CampaignCache(temp.store, () => now);
  // 5,000 wrong codes a second for five seconds: a flood of made-up codes, each a DB read once.
  for (let second = 0; second < 5; second++) {
    for (let i = 0; i < 5_000; i++) expect(await cache.get(`WRONG${second}X${i}`)).toBeUndefined();
    now += 1_000;
  }
  expect(cache.unknownHeld).toBeLessThanOrEqual(10_000);
  // Long after, only the newest wrong code is held. Asked again within its second it is answered
  // from memory, even once another instance has created it; a second later the DB is asked again.
  now += 10_000;
  expect(await cache.get("LATECODE")).toBeUndefined();
  expect(cache.unknownHeld).toBe(1);
  const late = await stored("LATECODE", "gift");
  expect(await cache.get("LATECODE")).toBeUndefined();
  now += 1_001;
  expect(await cache.get("LATECODE")).toEqual(late);
});
