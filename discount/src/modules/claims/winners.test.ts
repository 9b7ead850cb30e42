import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startDiscountStore, type TempDiscountStore } from "@matchday/testkit/discount";
import { campaigns, redemptions } from "../../db/schema";
import { recordedThrough } from "./winners";

let temp: TempDiscountStore;
beforeAll(async () => {
  temp = await startDiscountStore();
});
afterAll(() => temp?.dispose());

/** A campaign whose DB holds exactly these ranks. */
async function campaignHolding(code: string, ranks: number[]): Promise<number> {
  const [row] = await temp.store.db
    .insert(campaigns)
    .values({ code, name: code, amount: 1_000, maxRedemptions: 10_000, createdAt: Date.now() })
    .returning({ id: campaigns.id });
  const campaignId = row?.id as number;
  for (let from = 0; from < ranks.length; from += 500) {
    const values = ranks
      .slice(from, from + 500)
      .map((rank) => ({ campaignId, phone: `+98912${String(rank).padStart(7, "0")}`, rank, redeemedAt: 0 }));
    await temp.store.db.insert(redemptions).values(values);
  }
  return campaignId;
}

describe("recordedThrough", () => {
  test("walks up from the settled rank through every rank the DB holds and stops before the first it lacks", async () => {
    const all = Array.from({ length: 5_000 }, (_, i) => i + 1);
    const id = await campaignHolding(
      "THROUGH1",
      all.filter((rank) => rank !== 3_000 && rank !== 3_002),
    );
    expect(await recordedThrough(temp.store, id, 0)).toBe(2_999);
    expect(await recordedThrough(temp.store, id, 2_999)).toBe(2_999);
    expect(await recordedThrough(temp.store, id, 3_000)).toBe(3_001);
    expect(await recordedThrough(temp.store, id, 3_002)).toBe(5_000);
    expect(await recordedThrough(temp.store, id, 5_000)).toBe(5_000);
  });

  test("stays where it is when the DB holds nothing above it, and counts only its own campaign's ranks", async () => {
    const empty = await campaignHolding("THROUGH2", []);
    const other = await campaignHolding("THROUGH3", [2, 3]);
    expect(await recordedThrough(temp.store, empty, 0)).toBe(0);
    expect(await recordedThrough(temp.store, other, 0)).toBe(0);
    expect(await recordedThrough(temp.store, other, 1)).toBe(3);
  });
});
