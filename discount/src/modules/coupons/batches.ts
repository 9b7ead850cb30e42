import type { Clock } from "@matchday/shared/clock";
import { and, asc, count, eq, gt, isNotNull, sql } from "drizzle-orm";
import { type CouponBatchRow, campaigns, couponBatches, redemptions } from "../../db/schema";
import type { DiscountStore, DiscountTx } from "../../db/store";
import { generateCode } from "../campaigns/code";
import type { Batch, BatchCoupons } from "./model";

/**
 * Codes per transaction. In the service a chunk must not hold the event loop long
 * (10,000 ≈ 50 ms); the CLI has no one to wait for and takes 50,000, which halves the
 * commits' cost (measured: 1,000,000 codes in 10.5 s at 10,000, 7.4 s at 50,000).
 */
export const SERVICE_CHUNK = 10_000;
export const CLI_CHUNK = 50_000;

export interface NewBatch {
  name: string;
  count: number;
  amount: number;
  expiresAt: number | null;
}

interface CouponChunk {
  batch: CouponBatchRow;
  codes: string[];
}

/**
 * The write lanes of bulk generation. Uniqueness is the database's: a code that
 * collides (with any campaign or coupon, or within the chunk) is simply not inserted,
 * and the caller makes up the shortfall with new codes.
 */
export function createCouponWriter(store: DiscountStore) {
  const insertBatches = async (tx: DiscountTx, batches: (NewBatch & { createdAt: number })[]) =>
    tx
      .insert(couponBatches)
      .values(
        batches.map((b) => ({
          name: b.name,
          amount: b.amount,
          expiresAt: b.expiresAt,
          requested: b.count,
          createdAt: b.createdAt,
        })),
      )
      .returning();

  const insertCodes = async (tx: DiscountTx, chunks: CouponChunk[]) => {
    const results: string[][] = [];
    for (const { batch, codes } of chunks) {
      // One statement per chunk with the codes as one JSON parameter: building and binding
      // thousands of row parameters cost more than SQLite's inserts (measured: 32k codes/s).
      const list = JSON.stringify(codes);
      // Ids only grow (AUTOINCREMENT) and the transaction began IMMEDIATE (libSQL's "write"
      // mode), so no one else writes until it ends: rows above this id are this statement's.
      const [before] = await tx.all<{ top: number | null }>(sql`SELECT MAX(id) AS top FROM campaigns`);
      const written = await tx.run(sql`
        INSERT INTO campaigns (code, name, kind, amount, max_redemptions, ends_at, created_at, batch_id)
        SELECT value, ${batch.name}, 'coupon', ${batch.amount}, 1, ${batch.expiresAt}, ${batch.createdAt}, ${batch.id}
        FROM json_each(${list}) WHERE true
        ON CONFLICT (code) DO NOTHING`);
      if (written.rowsAffected === codes.length) {
        results.push(codes);
        continue;
      }
      // A code collided (with any campaign, this batch's earlier codes, or twice in this chunk).
      const mine = await tx.all<{ code: string }>(
        sql`SELECT code FROM campaigns WHERE id > ${before?.top ?? 0} ORDER BY id`,
      );
      results.push(mine.map((row) => row.code));
    }
    return results;
  };

  return { insertBatch: store.writes.lane(insertBatches), insertCodes: store.writes.lane(insertCodes) };
}

export type CouponWriter = ReturnType<typeof createCouponWriter>;

/**
 * Generates a batch of `count` single-use coupons, a chunk at a time; `onCodes` hears
 * each chunk as it is committed (the CLI prints them and its progress). Two batches
 * generated at once stay correct: each gets exactly its count, and no code twice.
 */
export async function generateBatch(
  writer: CouponWriter,
  input: NewBatch,
  now: Clock,
  onCodes?: (codes: string[], made: number) => void | Promise<void>,
  chunk = SERVICE_CHUNK,
): Promise<CouponBatchRow> {
  const batch = await writer.insertBatch({ ...input, createdAt: now() });
  let made = 0;
  while (made < input.count) {
    const codes = Array.from({ length: Math.min(chunk, input.count - made) }, () => generateCode());
    const inserted = await writer.insertCodes({ batch, codes });
    made += inserted.length;
    await onCodes?.(inserted, made);
  }
  return batch;
}

export async function findBatch(store: DiscountStore, id: number): Promise<CouponBatchRow | undefined> {
  return store.db.query.couponBatches.findFirst({ where: eq(couponBatches.id, id) });
}

/** A batch as the API shows it, with how many coupons it really holds. */
export async function toBatch(store: DiscountStore, row: CouponBatchRow): Promise<Batch> {
  const [held] = await store.db.select({ n: count() }).from(campaigns).where(eq(campaigns.batchId, row.id));
  return {
    id: row.id,
    name: row.name,
    amount: row.amount,
    expiresAt: row.expiresAt === null ? null : new Date(row.expiresAt).toISOString(),
    count: held?.n ?? 0,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

/** A batch's coupons in creation order; the cursor is the last coupon's row id. */
export async function batchCoupons(
  store: DiscountStore,
  batchId: number,
  page: { cursor: number; limit: number },
): Promise<BatchCoupons & { lastId: number }> {
  const rows = await store.db
    .select({ id: campaigns.id, code: campaigns.code, used: isNotNull(redemptions.id) })
    .from(campaigns)
    .leftJoin(redemptions, eq(redemptions.campaignId, campaigns.id))
    .where(and(eq(campaigns.batchId, batchId), gt(campaigns.id, page.cursor)))
    .orderBy(asc(campaigns.id))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return {
    items: items.map((r) => ({ code: r.code, used: Boolean(r.used) })),
    nextCursor: rows.length > page.limit && last ? String(last.id) : null,
    lastId: last?.id ?? page.cursor,
  };
}

/** Every coupon of a batch as CSV, read a page at a time as the client takes it. */
export function batchCouponsCsv(store: DiscountStore, batchId: number): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor = 0;
  let started = false;
  return new ReadableStream({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode("code,used\r\n"));
      }
      const page = await batchCoupons(store, batchId, { cursor, limit: 1_000 });
      cursor = page.lastId;
      if (page.items.length > 0) {
        controller.enqueue(encoder.encode(page.items.map((c) => `${c.code},${c.used}\r\n`).join("")));
      }
      if (page.nextCursor === null) controller.close();
    },
  });
}
