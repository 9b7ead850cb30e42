import { afterAll, beforeAll, expect, test } from "bun:test";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { DISCOUNT_MIGRATIONS, type DiscountStore, openDiscountStore } from "../../db/store";
import { createCouponWriter, generateBatch } from "./batches";

let db: TempDatabase;
let store: DiscountStore;
beforeAll(async () => {
  db = await makeTempDatabase(DISCOUNT_MIGRATIONS);
  store = await openDiscountStore(db.url, { migrate: false });
});
afterAll(async () => {
  await store?.close();
  db?.dispose();
});

test("a code already taken, or twice in one chunk, is not inserted, and the writer names the codes that went in", async () => {
  const writer = createCouponWriter(store);
  const batch = await writer.insertBatch({ name: "b", count: 4, amount: 10, expiresAt: null, createdAt: Date.now() });
  expect(await writer.insertCodes({ batch, codes: ["TAKEN222", "FRESH222"] })).toEqual(["TAKEN222", "FRESH222"]);
  const second = await writer.insertCodes({ batch, codes: ["TAKEN222", "NEWONE22", "NEWONE22", "OTHER222"] });
  expect(second.sort()).toEqual(["NEWONE22", "OTHER222"]);
  const { rows } = await store.client.execute("SELECT code FROM campaigns WHERE batch_id = 1 ORDER BY code");
  expect(rows.map((r) => r.code)).toEqual(["FRESH222", "NEWONE22", "OTHER222", "TAKEN222"]);
});

test("a batch is made up to its exact count, a chunk at a time, and every chunk is reported as it commits", async () => {
  const writer = createCouponWriter(store);
  const heard: number[] = [];
  const batch = await generateBatch(
    writer,
    { name: "exact", count: 2_500, amount: 5, expiresAt: null },
    Date.now,
    (_, made) => {
      heard.push(made);
    },
    1_000,
  );
  expect(heard).toEqual([1_000, 2_000, 2_500]);
  const { rows } = await store.client.execute({
    sql: "SELECT COUNT(*) AS n, MIN(max_redemptions) AS cap, MIN(kind) AS kind FROM campaigns WHERE batch_id = ?",
    args: [batch.id],
  });
  expect(rows[0]).toMatchObject({ n: 2_500, cap: 1, kind: "coupon" });
});
