import type { Clock } from "@matchday/shared/clock";
import { requirePhone } from "@matchday/shared/phone";
import { and, eq } from "drizzle-orm";
import { type CampaignRow, couponBatches, redemptions } from "../../db/schema";
import type { DiscountStore } from "../../db/store";
import { AppError } from "../../errors";
import { canonicalCode } from "../campaigns/code";
import { requireStorableMetadata } from "../campaigns/metadata";
import { type CampaignCache, createCampaign } from "../campaigns/service";
import { revocationOf } from "../claims/winners";
import type { NewBatch } from "./batches";
import type { CouponStatus, CreateBatch, GenerateCoupon } from "./model";
import { compilePattern } from "./pattern";

export interface CouponDefaults {
  amount: number;
  /** 0: no expiry unless given. */
  ttlDays: number;
}

const DAY_MS = 86_400_000;
export const COUPON_NAME = "coupon";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The expiry a coupon gets: the one asked for (which must be in the future), else the default. */
export function expiryOf(expiresAt: string | undefined, defaults: CouponDefaults, now: number): number | null {
  if (expiresAt === undefined) return defaults.ttlDays > 0 ? now + defaults.ttlDays * DAY_MS : null;
  const ms = Date.parse(expiresAt);
  if (Number.isNaN(ms) || ms <= now) {
    throw new AppError("VALIDATION_FAILED", "body.expiresAt must be a date-time in the future", {
      errors: [{ field: "body.expiresAt", message: "must be a date-time in the future" }],
    });
  }
  return ms;
}

/**
 * A single-use coupon: a campaign of kind "coupon" with cap 1 and a generated 8-character
 * code, bound to a phone if one is given. 422 for a bad phone, expiry or metadata.
 */
export async function generateCoupon(
  store: DiscountStore,
  input: GenerateCoupon,
  defaults: CouponDefaults,
  now: Clock,
): Promise<CampaignRow> {
  const endsAt = expiryOf(input.expiresAt, defaults, now());
  const boundPhone = input.phone === undefined ? undefined : requirePhone(input.phone, "body.phone");
  requireStorableMetadata(input.metadata);
  return createCampaign(
    store,
    {
      name: COUPON_NAME,
      kind: "coupon",
      amount: input.amount ?? defaults.amount,
      maxRedemptions: 1,
      endsAt: endsAt === null ? undefined : new Date(endsAt).toISOString(),
      metadata: input.metadata,
      boundPhone,
    },
    now,
  );
}

export const toGenerated = (row: CampaignRow) => ({
  code: row.code,
  amount: row.amount,
  expiresAt: iso(row.endsAt),
  phone: row.boundPhone,
  metadata: row.metadata ?? null,
});

/**
 * Whether `phone` (null: staff, who see every coupon) may see this coupon at all. A bound
 * coupon is, to everyone else, a code that does not exist: decided from the row the lookup
 * already holds, so a stranger's refusal costs what an unknown code's does.
 */
export const visibleTo = (coupon: CampaignRow, phone: string | null) =>
  coupon.boundPhone === null || phone === null || coupon.boundPhone === phone;

/** A coupon by what a person typed: null when no coupon has that code (a gift code is not a coupon). */
export async function findCoupon(campaigns: CampaignCache, raw: string): Promise<CampaignRow | null> {
  const code = canonicalCode(raw);
  const row = code ? await campaigns.get(code) : undefined;
  return row?.kind === "coupon" ? row : null;
}

/** A coupon's status as `viewer` (a user's phone; null for staff) may see it. */
export async function couponStatus(
  store: DiscountStore,
  campaigns: CampaignCache,
  raw: string,
  viewer: string | null,
): Promise<CouponStatus> {
  const coupon = await findCoupon(campaigns, raw);
  if (!coupon || !visibleTo(coupon, viewer)) return { code: canonicalCode(raw) ?? raw.trim(), status: "NOT_FOUND" };
  const revoked = await revocationOf(store, coupon.id);
  if (revoked) return { code: coupon.code, status: "REVOKED", expiresAt: iso(coupon.endsAt) };
  const [used] = await store.db
    .select({ redeemedAt: redemptions.redeemedAt })
    .from(redemptions)
    .where(and(eq(redemptions.campaignId, coupon.id), eq(redemptions.rank, 1)));
  const shown = {
    code: coupon.code,
    expiresAt: iso(coupon.endsAt),
    phone: coupon.boundPhone,
    metadata: await metadataOf(store, coupon),
  };
  return used
    ? { ...shown, status: "USED", redeemedAt: new Date(used.redeemedAt).toISOString() }
    : { ...shown, status: "UNUSED" };
}

/** A single coupon keeps its own metadata; a batch's coupons share their batch's. */
async function metadataOf(store: DiscountStore, coupon: CampaignRow): Promise<Record<string, unknown> | null> {
  if (coupon.batchId === null) return coupon.metadata ?? null;
  const [batch] = await store.db
    .select({ metadata: couponBatches.metadata })
    .from(couponBatches)
    .where(eq(couponBatches.id, coupon.batchId));
  return batch?.metadata ?? null;
}

const countIssue = (message: string) =>
  new AppError("VALIDATION_FAILED", `body.count ${message}`, { errors: [{ field: "body.count", message }] });

/** What a batch request asks for, checked: 422 naming the field that is wrong. */
export function newBatchOf(body: CreateBatch, defaults: CouponDefaults, now: number): NewBatch {
  const expiresAt = expiryOf(body.expiresAt, defaults, now);
  const phones = body.phones?.map((phone, i) => requirePhone(phone, `body.phones.${i}`));
  if (phones && body.count !== undefined && body.count !== phones.length) {
    throw countIssue("must be the number of phones, or left out");
  }
  const count = phones?.length ?? body.count;
  if (count === undefined) throw countIssue("is required without phones");
  requireStorableMetadata(body.metadata);
  return {
    name: body.name ?? `${count} coupons`,
    count,
    amount: body.amount ?? defaults.amount,
    expiresAt,
    code: compilePattern(body.pattern, body.alphabet),
    phones,
    metadata: body.metadata,
  };
}
