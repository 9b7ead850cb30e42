import { and, asc, count, eq, gt, isNotNull } from "drizzle-orm";
import { type CouponBatchRow, campaigns, couponBatches, redemptions } from "../../db/schema";
import type { DiscountStore, DiscountTx } from "../../db/store";
import { generateCode } from "../campaigns/code";
import type { Clock } from "../campaigns/service";
import type { Batch, BatchCoupons } from "./model";

/** Codes per write: big enough to amortise a transaction, small enough not to hold the event loop long. */
const CHUNK = 10_000;
/** Rows per INSERT: 10 columns each stays under SQLite's 32,766 bound parameters. */
const STATEMENT_ROWS = 2_000;

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
      const inserted: string[] = [];
      for (let i = 0; i < codes.length; i += STATEMENT_ROWS) {
        const rows = codes.slice(i, i + STATEMENT_ROWS).map((code) => ({
          code,
          name: batch.name,
          kind: "coupon" as const,
          amount: batch.amount,
          maxRedemptions: 1,
          endsAt: batch.expiresAt,
          createdAt: batch.createdAt,
          batchId: batch.id,
        }));
        const written = await tx
          .insert(campaigns)
          .values(rows)
          .onConflictDoNothing({ target: campaigns.code })
          .returning({ code: campaigns.code });
        for (const row of written) inserted.push(row.code);
      }
      results.push(inserted);
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
): Promise<CouponBatchRow> {
  const batch = await writer.insertBatch({ ...input, createdAt: now() });
  let made = 0;
  while (made < input.count) {
    const codes = Array.from({ length: Math.min(CHUNK, input.count - made) }, () => generateCode());
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
