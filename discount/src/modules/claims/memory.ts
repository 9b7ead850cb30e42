import { AppError } from "@matchday/shared";

/** One instance for the answer most of a burst gets: no Error (and stack trace) built per request. */
export const SOLD_OUT = new AppError("CAMPAIGN_EXHAUSTED");

/** What the book needs of a campaign. */
export type FullCampaign = { id: number; code: string; kind: "gift" | "coupon"; maxRedemptions: number };

/** How long a campaign the gate called full, but the DB not yet, goes without another DB read. */
const RECHECK_MS = 250;

/**
 * What this instance knows about campaigns that are full. Once the gate says
 * "sold out" and the DB holds every prize, later requests are answered from memory:
 * a loser costs no Redis or DB work, and a winner's repeat is recognised from the
 * DB's winner list, loaded once. "Sold out" is the DB's count, never the gate's
 * counter alone (DESIGN §4): while an orphaned or lost slot is being recorded or
 * freed, the gate keeps being asked, so a freed slot still goes to a claimant.
 */
export class SoldOutBook {
  private readonly full = new Map<string, Map<string, number> | "loading">();
  /** The codes in `full` that are gift campaigns. */
  private readonly gifts = new Set<string>();
  /** Campaigns whose DB was short of the cap at the last read, and when to read again. */
  private readonly recheckAt = new Map<string, number>();

  constructor(
    /** The campaign's winners from the DB when it holds every prize; undefined while it holds fewer. */
    private readonly loadWinners: (campaign: FullCampaign) => Promise<Map<string, number> | undefined>,
    /**
     * Every used coupon is a full campaign: forget the oldest past this many (they are
     * reloaded on demand). The few full gift campaigns of a match night are the ones
     * that matter, and each may hold a thousand winners.
     */
    private readonly limit = 2_000,
  ) {}

  /** `open`: ask the gate. `loser`: sold out and not a winner. `winner`: sold out, this phone won. */
  verdict(code: string, phone: string): "open" | "loser" | "winner" {
    const winners = this.full.get(code);
    if (winners === undefined || winners === "loading") return "open";
    return winners.has(phone) ? "winner" : "loser";
  }

  /**
   * Whether a gift campaign is known to be full. Only those are redeemed at /v1/redeem,
   * so until one is, the sold-out fast path need not read a body; used coupons (full
   * campaigns too, and common) do not count.
   */
  hasGift(): boolean {
    return this.gifts.size > 0;
  }

  markSoldOut(campaign: FullCampaign, now = Date.now()): void {
    const { code } = campaign;
    if (this.full.has(code) || (this.recheckAt.get(code) ?? 0) > now) return;
    if (this.full.size >= this.limit) this.forget(this.full.keys().next().value as string);
    this.full.set(code, "loading");
    this.loadWinners(campaign).then(
      (winners) => {
        if (!winners) {
          this.forget(code);
          if (this.recheckAt.size >= this.limit) this.recheckAt.clear();
          this.recheckAt.set(code, now + RECHECK_MS);
          return;
        }
        this.recheckAt.delete(code);
        this.full.set(code, winners);
        if (campaign.kind === "gift") this.gifts.add(code);
      },
      () => this.forget(code), // try again on the next sold-out answer
    );
  }

  private forget(code: string): void {
    this.full.delete(code);
    this.gifts.delete(code);
  }
}
