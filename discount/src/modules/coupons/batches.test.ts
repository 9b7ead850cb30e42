import { afterAll, beforeAll, expect, test } from "bun:test";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { DISCOUNT_MIGRATIONS, type DiscountStore, openDiscountStore } from "../../db/store";
import { AppError } from "../../errors";
import { createCouponWriter, generateBatch, type NewBatch } from "./batches";
import { compilePattern } from "./pattern";

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

const plain = (name: string, count: number): NewBatch => ({
  name,
  count,
  amount: 5,
  expiresAt: null,
  code: compilePattern(),
});

/** A batch row, or the test fails with the refusal. */
function started<T>(batch: T | AppError): T {
  if (batch instanceof AppError) throw batch;
  return batch;
}

test("a code already taken, or twice in one chunk, is not inserted, and the writer names the codes that went in", async () => {
  const writer = createCouponWriter(store);
  const batch = started(await writer.insertBatch({ ...plain("b", 4), createdAt: Date.now() }));
  const first = await writer.insertCodes({ batch, codes: ["TAKEN222", "FRESH222"], phones: null });
  expect(first.map((c) => c.code)).toEqual(["TAKEN222", "FRESH222"]);
  const second = await writer.insertCodes({
    batch,
    codes: ["TAKEN222", "NEWONE22", "NEWONE22", "OTHER222"],
    phones: null,
  });
  expect(second.map((c) => c.code).sort()).toEqual(["NEWONE22", "OTHER222"]);
  const { rows } = await store.client.execute({
    sql: "SELECT code FROM campaigns WHERE batch_id = ? ORDER BY code",
    args: [batch.id],
  });
  expect(rows.map((r) => r.code)).toEqual(["FRESH222", "NEWONE22", "OTHER222", "TAKEN222"]);
});

test("a batch is made up to its exact count, a chunk at a time, and every chunk is reported as it commits", async () => {
  const writer = createCouponWriter(store);
  const heard: number[] = [];
  const batch = started(
    await generateBatch(
      writer,
      plain("exact", 2_500),
      Date.now,
      (_, made) => {
        heard.push(made);
      },
      1_000,
    ),
  );
  expect(heard).toEqual([1_000, 2_000, 2_500]);
  const { rows } = await store.client.execute({
    sql: "SELECT COUNT(*) AS n, MIN(max_redemptions) AS cap, MIN(kind) AS kind FROM campaigns WHERE batch_id = ?",
    args: [batch.id],
  });
  expect(rows[0]).toMatchObject({ n: 2_500, cap: 1, kind: "coupon" });
});

test("a phone whose code collided still gets a coupon, and each phone listed gets exactly one per listing", async () => {
  const writer = createCouponWriter(store);
  const batch = started(await writer.insertBatch({ ...plain("bound", 3), createdAt: Date.now() }));
  const phones = ["+989120000001", "+989120000002", "+989120000003"];
  // The first code is taken, so its phone is left without one by this chunk.
  const written = await writer.insertCodes({ batch, codes: ["TAKEN222", "BOUNDA22", "BOUNDB22"], phones });
  expect(written).toEqual([
    { code: "BOUNDA22", phone: "+989120000002" },
    { code: "BOUNDB22", phone: "+989120000003" },
  ]);

  // Through generateBatch, with a pattern whose codes are nearly all taken, so collisions are the rule.
  const code = compilePattern("ZQ##", "ABCDEFGHJKMNPQRS");
  const taken = [...code.alphabet].flatMap((a) => [...code.alphabet].map((b) => `ZQ${a}${b}`)).slice(0, 250);
  await writer.insertCodes({ batch, codes: taken, phones: null });
  const twice = ["+989120000004", "+989120000004"];
  const made = started(
    await generateBatch(writer, { ...plain("tight", 2), code, phones: twice }, Date.now, undefined, 1),
  );
  const { rows } = await store.client.execute({
    sql: "SELECT bound_phone AS phone FROM campaigns WHERE batch_id = ?",
    args: [made.id],
  });
  expect(rows.map((r) => r.phone)).toEqual(twice);
});

test("a batch that would take more than 1 % of its pattern's codes, counting those out already, is refused and writes nothing", async () => {
  const writer = createCouponWriter(store);
  // 16 characters over 4 slots: 65,536 codes, so at most 655 may be out.
  const code = compilePattern("XY-####", "ABCDEFGHJKMNPQRS");
  const full = await generateBatch(writer, { ...plain("full", 65_536), code }, Date.now);
  expect(full).toBeInstanceOf(AppError);
  expect(full).toMatchObject({ code: "CODE_SPACE_TOO_SMALL", extra: { members: { spaceBits: 16, maxCodes: 655 } } });

  started(await generateBatch(writer, { ...plain("some", 600), code }, Date.now));
  // The same codes with other dashes: the 600 count against it.
  const more = await generateBatch(
    writer,
    { ...plain("more", 56), code: compilePattern("XY####", code.alphabet) },
    Date.now,
  );
  expect(more).toMatchObject({ code: "CODE_SPACE_TOO_SMALL", extra: { members: { issuedCodes: 600 } } });
  started(await generateBatch(writer, { ...plain("last", 55), code }, Date.now));

  const { rows } = await store.client.execute("SELECT name FROM coupon_batches WHERE pattern LIKE 'XY%' ORDER BY id");
  expect(rows.map((r) => r.name)).toEqual(["some", "last"]);
});
