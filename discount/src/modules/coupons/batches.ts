import type { Clock } from "@matchday/shared/clock";
import { and, asc, count, eq, gt, isNotNull, sql } from "drizzle-orm";
import { type CouponBatchRow, campaigns, couponBatches, redemptions } from "../../db/schema";
import type { DiscountStore, DiscountTx } from "../../db/store";
import { AppError } from "../../errors";
import { csvField } from "../report/streams";
import type { Batch, BatchCoupons } from "./model";
import { type CodePattern, displayCode, spaceRefusal } from "./pattern";

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
  code: CodePattern;
  /** Canonical phones, one coupon bound to each: `count` is their number. */
  phones?: string[];
  metadata?: Record<string, unknown>;
}

interface CouponChunk {
  batch: CouponBatchRow;
  codes: string[];
  /** The phone each code is bound to, by position; null for an unbound batch. */
  phones: string[] | null;
}

/** A coupon the writer inserted. */
export interface WrittenCoupon {
  code: string;
  phone: string | null;
}

/**
 * The write lanes of bulk generation. Uniqueness is the database's: a code that
 * collides (with any campaign or coupon, or within the chunk) is simply not inserted,
 * and the caller makes up the shortfall with new codes.
 */
export function createCouponWriter(store: DiscountStore) {
  const insertBatches = async (tx: DiscountTx, batches: (NewBatch & { createdAt: number })[]) => {
    const results: (CouponBatchRow | AppError)[] = [];
    for (const b of batches) {
      // Dashes are for show, so "AB-##" and "AB##" make the same codes (hence a scan, not an
      // index: one row a batch). Summed in the write transaction, so two batches asked for at
      // once cannot both take the last share.
      const [issued] = await tx.all<{ n: number }>(
        sql`SELECT COALESCE(SUM(requested), 0) AS n FROM coupon_batches
            WHERE replace(pattern, '-', '') = ${b.code.pattern.replaceAll("-", "")}`,
      );
      const refusal = spaceRefusal(b.code, issued?.n ?? 0, b.count);
      if (refusal) {
        results.push(refusal);
        continue;
      }
      const [row] = await tx
        .insert(couponBatches)
        .values({
          name: b.name,
          amount: b.amount,
          expiresAt: b.expiresAt,
          requested: b.count,
          createdAt: b.createdAt,
          pattern: b.code.pattern,
          alphabet: b.code.alphabet,
          metadata: b.metadata ?? null,
        })
        .returning();
      results.push(row as CouponBatchRow);
    }
    return results;
  };

  const insertCodes = async (tx: DiscountTx, chunks: CouponChunk[]) => {
    const results: WrittenCoupon[][] = [];
    for (const { batch, codes, phones } of chunks) {
      // One statement per chunk with the codes as one JSON parameter: building and binding
      // thousands of row parameters cost more than SQLite's inserts (measured: 32k codes/s).
      const list = JSON.stringify(codes);
      const bound = phones ? JSON.stringify(phones) : null;
      // Ids only grow (AUTOINCREMENT) and the transaction began IMMEDIATE (libSQL's "write"
      // mode), so no one else writes until it ends: rows above this id are this statement's.
      const [before] = await tx.all<{ top: number | null }>(sql`SELECT MAX(id) AS top FROM campaigns`);
      const written = await tx.run(sql`
        INSERT INTO campaigns (code, name, kind, amount, max_redemptions, ends_at, created_at, batch_id, bound_phone)
        SELECT value, ${batch.name}, 'coupon', ${batch.amount}, 1, ${batch.expiresAt}, ${batch.createdAt}, ${batch.id},
          CASE WHEN ${bound} IS NULL THEN NULL ELSE json_extract(${bound}, '$[' || key || ']') END
        FROM json_each(${list}) WHERE true
        ON CONFLICT (code) DO NOTHING`);
      if (written.rowsAffected === codes.length) {
        results.push(codes.map((code, i) => ({ code, phone: phones?.[i] ?? null })));
        continue;
      }
      // A code collided (with any campaign, this batch's earlier codes, or twice in this chunk).
      const mine = await tx.all<WrittenCoupon>(
        sql`SELECT code, bound_phone AS phone FROM campaigns WHERE id > ${before?.top ?? 0} ORDER BY id`,
      );
      results.push(mine);
    }
    return results;
  };

  return { insertBatch: store.writes.lane(insertBatches), insertCodes: store.writes.lane(insertCodes) };
}

/** The phones of a chunk whose code did not go in (it collided), in order: they still need one. */
function stillOwed(codes: string[], phones: string[], written: WrittenCoupon[]): string[] {
  const got = new Map(written.map((c) => [c.code, c.phone]));
  return phones.filter((phone, i) => {
    const code = codes[i] as string;
    if (got.get(code) !== phone) return true;
    got.delete(code); // a code generated twice in the chunk went in once
    return false;
  });
}

export type CouponWriter = ReturnType<typeof createCouponWriter>;

/**
 * Generates a batch of `count` single-use coupons, a chunk at a time; `onCodes` hears
 * each chunk as it is committed (the CLI prints them and its progress). Two batches
 * generated at once stay correct: each gets exactly its count, and no code twice.
 * A bound batch gives each phone its coupon. The refusal when the pattern has too few codes.
 */
export async function generateBatch(
  writer: CouponWriter,
  input: NewBatch,
  now: Clock,
  onCodes?: (codes: string[], made: number) => void | Promise<void>,
  chunk = SERVICE_CHUNK,
): Promise<CouponBatchRow | AppError> {
  const batch = await writer.insertBatch({ ...input, createdAt: now() });
  if (batch instanceof AppError) return batch;
  let owed = input.phones ?? [];
  let made = 0;
  while (made < input.count) {
    const size = Math.min(chunk, input.count - made);
    const codes = Array.from({ length: size }, () => input.code.generate());
    const phones = input.phones ? owed.slice(0, size) : null;
    const written = await writer.insertCodes({ batch, codes, phones });
    if (phones) owed = [...stillOwed(codes, phones, written), ...owed.slice(size)];
    made += written.length;
    await onCodes?.(
      written.map((c) => c.code),
      made,
    );
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
    pattern: row.pattern,
    alphabet: row.alphabet,
    metadata: row.metadata ?? null,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

/** A batch's coupons in creation order, codes as its pattern shows them; the cursor is the last coupon's row id. */
export async function batchCoupons(
  store: DiscountStore,
  batch: CouponBatchRow,
  page: { cursor: number; limit: number },
): Promise<BatchCoupons & { lastId: number }> {
  const rows = await store.db
    .select({ id: campaigns.id, code: campaigns.code, phone: campaigns.boundPhone, used: isNotNull(redemptions.id) })
    .from(campaigns)
    .leftJoin(redemptions, eq(redemptions.campaignId, campaigns.id))
    .where(and(eq(campaigns.batchId, batch.id), gt(campaigns.id, page.cursor)))
    .orderBy(asc(campaigns.id))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return {
    items: items.map((r) => ({ code: displayCode(batch.pattern, r.code), used: Boolean(r.used), phone: r.phone })),
    nextCursor: rows.length > page.limit && last ? String(last.id) : null,
    lastId: last?.id ?? page.cursor,
  };
}

/** Every coupon of a batch as CSV, read a page at a time as the client takes it; each row carries the batch's metadata. */
export function batchCouponsCsv(store: DiscountStore, batch: CouponBatchRow): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const metadata = csvField(batch.metadata ? JSON.stringify(batch.metadata) : null);
  let cursor = 0;
  let started = false;
  return new ReadableStream({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode("code,used,phone,metadata\r\n"));
      }
      const page = await batchCoupons(store, batch, { cursor, limit: 1_000 });
      cursor = page.lastId;
      if (page.items.length > 0) {
        const rows = page.items.map((c) => `${c.code},${c.used},${csvField(c.phone)},${metadata}\r\n`);
        controller.enqueue(encoder.encode(rows.join("")));
      }
      if (page.nextCursor === null) controller.close();
    },
  });
}
