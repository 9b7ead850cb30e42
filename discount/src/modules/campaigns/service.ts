import { BoundedMap } from "@matchday/shared/bounded-map";
import type { Clock } from "@matchday/shared/clock";
import { perStore } from "@matchday/shared/db";
import { and, desc, eq, lt, or, type SQL, sql } from "drizzle-orm";
import { type CampaignRow, campaigns } from "../../db/schema";
import type { DiscountStore } from "../../db/store";
import { AppError } from "../../errors";
import { canonicalCode, generateCode } from "./code";
import type { Campaign, CampaignList, CreateCampaign } from "./model";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toCampaign(row: CampaignRow): Campaign {
  return {
    code: row.code,
    name: row.name,
    kind: row.kind,
    amount: row.amount,
    maxRedemptions: row.maxRedemptions,
    startsAt: iso(row.startsAt),
    endsAt: iso(row.endsAt),
    metadata: row.metadata ?? null,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

function isUniqueViolation(error: unknown): boolean {
  const text = `${(error as Error)?.message} ${String((error as { cause?: unknown })?.cause)}`;
  return text.includes("UNIQUE constraint failed");
}

function timeOf(value: string | undefined, field: string): number | null {
  if (value === undefined) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new AppError("VALIDATION_FAILED", `${field} is not a date-time`, {
      errors: [{ field, message: "is not a date-time" }],
    });
  return ms;
}

const GENERATION_ATTEMPTS = 5;

/**
 * Creates a campaign. A given code is canonicalised and must be free; a generated
 * one is retried on the (astronomically rare) collision: uniqueness comes from the
 * database's unique index, not from luck.
 */
export async function createCampaign(
  store: DiscountStore,
  input: CreateCampaign & { kind?: "gift" | "coupon"; boundPhone?: string },
  now: Clock,
): Promise<CampaignRow> {
  const startsAt = timeOf(input.startsAt, "body.startsAt");
  const endsAt = timeOf(input.endsAt, "body.endsAt");
  if (startsAt !== null && endsAt !== null && endsAt <= startsAt) {
    throw new AppError("VALIDATION_FAILED", "body.endsAt must be after body.startsAt", {
      errors: [{ field: "body.endsAt", message: "must be after startsAt" }],
    });
  }
  let given: string | undefined;
  if (input.code !== undefined) {
    given = canonicalCode(input.code) ?? undefined;
    if (!given) {
      throw new AppError("VALIDATION_FAILED", "body.code must be 4-32 letters or digits", {
        errors: [{ field: "body.code", message: "must be 4-32 letters or digits (spaces and dashes ignored)" }],
      });
    }
  }
  for (let attempt = 1; ; attempt++) {
    const code = given ?? generateCode();
    try {
      // Outside the write queue (a campaign is one rare row), so it waits for the lock itself.
      const [row] = await store.retryWhileBusy(() =>
        store.db
          .insert(campaigns)
          .values({
            code,
            name: input.name,
            kind: input.kind ?? "gift",
            amount: input.amount,
            maxRedemptions: input.maxRedemptions,
            startsAt,
            endsAt,
            metadata: input.metadata ?? null,
            boundPhone: input.boundPhone ?? null,
            createdAt: now(),
          })
          .returning(),
      );
      return row as CampaignRow;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      if (given) throw new AppError("CAMPAIGN_CODE_TAKEN", `A campaign with code ${given} already exists`);
      if (attempt >= GENERATION_ATTEMPTS) throw error;
    }
  }
}

const campaignByCode = perStore((store: DiscountStore) =>
  store.db.query.campaigns.findFirst({ where: eq(campaigns.code, sql.placeholder("code")) }).prepare(),
);

export async function findCampaign(store: DiscountStore, code: string): Promise<CampaignRow | undefined> {
  // Every coupon redeemed is a campaign read once: prepared, not rebuilt per call.
  return campaignByCode(store).execute({ code });
}

/** A LIKE pattern that finds `text` anywhere, its own %, _ and \\ escaped so they match only themselves. */
export const containsPattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Name or code contains `q` (SQLite's LIKE ignores ASCII case, as codes do). */
function matching(q: string): SQL | undefined {
  const pattern = containsPattern(q);
  return or(sql`${campaigns.name} LIKE ${pattern} ESCAPE '\\'`, sql`${campaigns.code} LIKE ${pattern} ESCAPE '\\'`);
}

export async function listCampaigns(
  store: DiscountStore,
  page: { limit: number; cursor?: string; q?: string },
): Promise<CampaignList> {
  const rows = await store.db
    .select()
    .from(campaigns)
    // Coupons are campaigns too, by the million: they are listed by batch, not here.
    .where(
      and(
        eq(campaigns.kind, "gift"),
        page.cursor ? lt(campaigns.id, Number(page.cursor)) : undefined,
        page.q ? matching(page.q) : undefined,
      ),
    )
    .orderBy(desc(campaigns.id))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return { items: items.map(toCampaign), nextCursor: rows.length > page.limit && last ? String(last.id) : null };
}

/**
 * Campaigns never change once created, so each instance keeps the ones it has seen.
 * Unknown codes are remembered briefly too: a flood of wrong codes during the match
 * must not become a flood of DB reads.
 */
export class CampaignCache {
  /** A match night's gift campaigns: few, and never pushed out by coupon traffic. */
  private readonly gifts: BoundedMap<string, CampaignRow>;
  /** Coupons are single-use campaigns, and there may be millions: the latest, for their repeats. */
  private readonly coupons: BoundedMap<string, CampaignRow>;
  /**
   * Codes no campaign has, each until its expiry: those of this period of unknownTtlMs and of
   * the last one. Older ones are past use and go whole, so a flood of made-up codes holds at
   * most two periods' worth (one Map of 100,000 kept until full was ~9 MB live).
   */
  private unknownNow = new Map<string, number>();
  private unknownBefore = new Map<string, number>();
  private unknownSince = 0;

  constructor(
    private readonly store: DiscountStore,
    private readonly now: Clock,
    private readonly unknownTtlMs = 1_000,
    /** Per period: a flood faster than this starts a new period early (a wrong code costs a DB read again, no more). */
    private readonly unknownLimit = 10_000,
    giftLimit = 1_000,
    /**
     * A coupon flood reads each new coupon once anyway: more kept (5,000 were ~1.8 MB) is
     * only memory, ~4 MB of peak for each MB held (docs/PERFORMANCE.md).
     */
    couponLimit = 1_000,
  ) {
    this.gifts = new BoundedMap(giftLimit);
    this.coupons = new BoundedMap(couponLimit);
  }

  async get(code: string): Promise<CampaignRow | undefined> {
    const hit = this.peek(code);
    if (hit) return hit;
    const until = this.unknownNow.get(code) ?? this.unknownBefore.get(code);
    if (until !== undefined && until > this.now()) return undefined;
    const row = await findCampaign(this.store, code);
    if (row) this.remember(row);
    else this.rememberUnknown(code);
    return row;
  }

  /** How many wrong codes are held. */
  get unknownHeld(): number {
    return this.unknownNow.size + this.unknownBefore.size;
  }

  private rememberUnknown(code: string): void {
    const now = this.now();
    if (now - this.unknownSince >= this.unknownTtlMs || this.unknownNow.size >= this.unknownLimit) {
      // Set within one period of unknownSince, the current ones have all expired two periods on.
      this.unknownBefore = now - this.unknownSince < 2 * this.unknownTtlMs ? this.unknownNow : new Map();
      this.unknownNow = new Map();
      this.unknownSince = now;
    }
    this.unknownNow.set(code, now + this.unknownTtlMs);
  }

  /** The campaign if this instance already holds it; never a DB read. */
  peek(code: string): CampaignRow | undefined {
    return this.gifts.get(code) ?? this.coupons.get(code);
  }

  remember(row: CampaignRow): void {
    (row.kind === "coupon" ? this.coupons : this.gifts).set(row.code, row);
    this.unknownNow.delete(row.code);
    this.unknownBefore.delete(row.code);
  }
}
