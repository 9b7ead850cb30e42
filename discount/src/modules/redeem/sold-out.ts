import { AppError } from "@matchday/shared";

/** One instance for the answer most of a burst gets: no Error (and stack trace) built per request. */
export const SOLD_OUT = new AppError("CAMPAIGN_EXHAUSTED");

/**
 * What this instance knows about campaigns that are full. Once the gate says
 * "sold out" for a campaign, later requests are answered from memory: a loser
 * costs no Redis or DB work, and a winner's repeat is recognised from the gate's
 * winner list, loaded once. Slots are never released, so "full" never goes stale.
 */
export class SoldOutBook {
  private readonly full = new Map<string, Map<string, number> | "loading">();
  /** The codes in `full` that are gift campaigns. */
  private readonly gifts = new Set<string>();

  constructor(
    private readonly loadWinners: (code: string) => Promise<Map<string, number>>,
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

  markSoldOut(campaign: { code: string; kind: "gift" | "coupon" }): void {
    const { code } = campaign;
    if (this.full.has(code)) return;
    if (this.full.size >= this.limit) this.forget(this.full.keys().next().value as string);
    this.full.set(code, "loading");
    if (campaign.kind === "gift") this.gifts.add(code);
    this.loadWinners(code).then(
      (winners) => this.full.set(code, winners),
      () => this.forget(code), // try again on the next sold-out answer
    );
  }

  private forget(code: string): void {
    this.full.delete(code);
    this.gifts.delete(code);
  }
}
