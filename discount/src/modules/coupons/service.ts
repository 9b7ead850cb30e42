import type { Clock } from "@matchday/shared/clock";
import { and, eq } from "drizzle-orm";
import { type CampaignRow, redemptions } from "../../db/schema";
import type { DiscountStore } from "../../db/store";
import { AppError } from "../../errors";
import { canonicalCode } from "../campaigns/code";
import { type CampaignCache, createCampaign } from "../campaigns/service";
import { revocationOf } from "../reversals/revoke";
import type { CouponStatus, GenerateCoupon } from "./model";

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

/** A single-use coupon: a campaign of kind "coupon" with cap 1 and a generated 8-character code. */
export async function generateCoupon(
  store: DiscountStore,
  input: GenerateCoupon,
  defaults: CouponDefaults,
  now: Clock,
): Promise<CampaignRow> {
  const endsAt = expiryOf(input.expiresAt, defaults, now());
  return createCampaign(
    store,
    {
      name: COUPON_NAME,
      kind: "coupon",
      amount: input.amount ?? defaults.amount,
      maxRedemptions: 1,
      endsAt: endsAt === null ? undefined : new Date(endsAt).toISOString(),
    },
    now,
  );
}

export const toGenerated = (row: CampaignRow) => ({ code: row.code, amount: row.amount, expiresAt: iso(row.endsAt) });

/** A coupon by what a person typed: null when no coupon has that code (a gift code is not a coupon). */
export async function findCoupon(campaigns: CampaignCache, raw: string): Promise<CampaignRow | null> {
  const code = canonicalCode(raw);
  const row = code ? await campaigns.get(code) : undefined;
  return row?.kind === "coupon" ? row : null;
}

export async function couponStatus(store: DiscountStore, campaigns: CampaignCache, raw: string): Promise<CouponStatus> {
  const coupon = await findCoupon(campaigns, raw);
  if (!coupon) return { code: canonicalCode(raw) ?? raw.trim(), status: "NOT_FOUND" };
  const revoked = await revocationOf(store, coupon.id);
  if (revoked) return { code: coupon.code, status: "REVOKED", expiresAt: iso(coupon.endsAt) };
  const [used] = await store.db
    .select({ redeemedAt: redemptions.redeemedAt })
    .from(redemptions)
    .where(and(eq(redemptions.campaignId, coupon.id), eq(redemptions.rank, 1)));
  return used
    ? {
        code: coupon.code,
        status: "USED",
        redeemedAt: new Date(used.redeemedAt).toISOString(),
        expiresAt: iso(coupon.endsAt),
      }
    : { code: coupon.code, status: "UNUSED", expiresAt: iso(coupon.endsAt) };
}
