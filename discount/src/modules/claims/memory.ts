import { BoundedMap } from "@matchday/shared/bounded-map";
import { type ClaimOutcome, type RedeemResult, SOLD_OUT_OUTCOME } from "./model";

/** What the book needs of a campaign. */
export type FullCampaign = { id: number; code: string; kind: "gift" | "coupon"; maxRedemptions: number };

/** A full campaign's winners list: from which campaign, when read, and whether a read is under way. */
type Loaded = { campaign: FullCampaign; at: number; refreshing: boolean };

/** How long a campaign the gate called full, but the DB not yet, goes without another DB read. */
const RECHECK_MS = 250;

/**
 * How long this instance trusts what it remembers of a campaign (full, or a winner's settled
 * answer) before asking again. A reversal on another instance (a coupon rolled back, a gift
 * winner voided) forgets there at once; here, it is this stale at most, plus one DB read
 * (docs/RELIABILITY.md). A full gift campaign costs one winners read per this period; its
 * losers are still answered without I/O, from the old list while the new one is read.
 */
export const MEMORY_MAX_AGE_MS = 5_000;

/**
 * What this instance knows about campaigns that are full. Once the gate says
 * "sold out" and the DB holds every prize, later requests are answered from memory:
 * a loser costs no Redis or DB work, and a winner's repeat is recognised from the
 * DB's winner list, loaded once. "Sold out" is the DB's count, never the gate's
 * counter alone (DESIGN §4): while an orphaned or lost slot is being recorded or
 * freed, the gate keeps being asked, so a freed slot still goes to a claimant.
 */
export class SoldOutBook {
  private readonly full: BoundedMap<string, Map<string, number> | "loading">;
  /** When each full campaign's winners were loaded: past MEMORY_MAX_AGE_MS they are read again. */
  private readonly loaded = new Map<string, Loaded>();
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
    private readonly now: () => number = Date.now,
  ) {
    this.full = new BoundedMap(limit, (code) => this.dropBeside(code));
  }

  /** `open`: ask the gate. `loser`: sold out and not a winner. `winner`: sold out, this phone won. */
  verdict(code: string, phone: string): "open" | "loser" | "winner" {
    const winners = this.full.get(code);
    if (winners === undefined || winners === "loading") return "open";
    const loaded = this.loaded.get(code);
    if (loaded && !loaded.refreshing && this.now() - loaded.at > MEMORY_MAX_AGE_MS) this.refresh(code, loaded);
    return winners.has(phone) ? "winner" : "loser";
  }

  /**
   * Reads an aged campaign's winners again, answering from the old list meanwhile (a sold-out
   * burst must not fall through to Redis while the read runs). Not full any more (a coupon
   * rolled back elsewhere): forgotten, and the gate answers again.
   */
  private refresh(code: string, loaded: Loaded): void {
    loaded.refreshing = true;
    const current = () => this.loaded.get(code) === loaded;
    this.loadWinners(loaded.campaign).then(
      (winners) => {
        if (!current()) return;
        if (!winners) return this.forget(code);
        this.full.set(code, winners);
        loaded.at = this.now();
        loaded.refreshing = false;
      },
      () => {
        // Kept as it was; read again one period later.
        loaded.at = this.now();
        loaded.refreshing = false;
      },
    );
  }

  /**
   * Whether a gift campaign is known to be full. Only those are redeemed at /v1/redeem,
   * so until one is, the sold-out fast path need not read a body; used coupons (full
   * campaigns too, and common) do not count.
   */
  hasGift(): boolean {
    return this.gifts.size > 0;
  }

  markSoldOut(campaign: FullCampaign, now: number): void {
    const { code } = campaign;
    if (this.full.has(code) || (this.recheckAt.get(code) ?? 0) > now) return;
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
        this.loaded.set(code, { campaign, at: this.now(), refreshing: false });
        if (campaign.kind === "gift") this.gifts.add(code);
      },
      () => this.forget(code), // try again on the next sold-out answer
    );
  }

  /** Drops what is known of a campaign: a reversal changed its winners. */
  forget(code: string): void {
    this.full.delete(code);
    this.dropBeside(code);
  }

  /** What is kept beside a campaign's entry in `full`. */
  private dropBeside(code: string): void {
    this.gifts.delete(code);
    this.loaded.delete(code);
    this.recheckAt.delete(code);
  }
}

const CAMPAIGN_KINDS = ["gift", "coupon"] as const;

/**
 * Winners' answers once their credit is in the wallet. A credited redemption changes
 * only by an admin's reversal, so a winner who asks again (apps retry, people tap twice)
 * is answered from memory: no gate, no DB read, for MEMORY_MAX_AGE_MS at most. Pending
 * and failed answers are not kept: they may still change. Bounded; the oldest go first,
 * gift winners' and coupon winners' apart, so that coupon traffic never pushes out the
 * answers of a match's winners.
 */
export class SettledAnswers {
  private readonly answers: Record<FullCampaign["kind"], BoundedMap<string, { result: RedeemResult; at: number }>>;
  /**
   * When each kind's newest answer was kept. Past MEMORY_MAX_AGE_MS every answer of that kind
   * is past use, and all are let go at once: a match's 5,000 (~1.8 MB) would otherwise stay
   * through the coupon traffic that follows, and through the quiet after it.
   */
  private readonly newestAt: Record<FullCampaign["kind"], number> = { gift: 0, coupon: 0 };

  /**
   * Gift winners: five match campaigns' (about 1.8 MB); 20,000 kept the soak's memory
   * growing for ten minutes (docs/RELIABILITY.md). Coupon winners: each coupon is won
   * once, so only a repeat within moments is answered from here, and the latest thousand
   * are plenty; 5,000 more held ~1.4 MB through a coupon flood.
   */
  constructor(
    limits: Record<FullCampaign["kind"], number> = { gift: 5_000, coupon: 1_000 },
    private readonly now: () => number = Date.now,
  ) {
    this.answers = { gift: new BoundedMap(limits.gift), coupon: new BoundedMap(limits.coupon) };
  }

  /** How many answers are held. */
  get size(): number {
    return this.answers.gift.size + this.answers.coupon.size;
  }

  get(code: string, phone: string): RedeemResult | undefined {
    const now = this.now();
    this.letGoOfAged(now);
    const key = `${code}\n${phone}`;
    const kept = this.answers.gift.get(key) ?? this.answers.coupon.get(key);
    if (kept && now - kept.at > MEMORY_MAX_AGE_MS) {
      // Aged out: the DB answers again (a reversal elsewhere may have changed it).
      this.forget(code, phone);
      return undefined;
    }
    return kept?.result;
  }

  forget(code: string, phone: string): void {
    const key = `${code}\n${phone}`;
    this.answers.gift.delete(key);
    this.answers.coupon.delete(key);
  }

  remember(result: RedeemResult, kind: FullCampaign["kind"]): void {
    if (result.status !== "credited") return;
    const at = this.now();
    this.letGoOfAged(at);
    const key = `${result.code}\n${result.phone}`;
    const answers = this.answers[kind];
    // A repeat answered from here is taught back: it must not push another answer out.
    if (answers.has(key)) return;
    answers.set(key, { result, at });
    this.newestAt[kind] = at;
  }

  private letGoOfAged(now: number): void {
    for (const kind of CAMPAIGN_KINDS) {
      if (now - this.newestAt[kind] > MEMORY_MAX_AGE_MS && this.answers[kind].size > 0) this.answers[kind].clear();
    }
  }
}

/**
 * What memory alone answers, before any I/O. `sold-out`: the campaign is full and this
 * phone is not a winner. `repeat`: a full campaign's winner whose answer is settled.
 * `winner`: a full campaign's winner whose answer the DB holds. `open`: the gate decides,
 * unless `settled` is this phone's answer, given once the limits have counted the attempt.
 */
export type Remembered =
  | typeof SOLD_OUT_OUTCOME
  | { kind: "repeat"; result: RedeemResult }
  | { kind: "winner" }
  | { kind: "open"; settled?: RedeemResult };

const WINNER = { kind: "winner" } as const;
const OPEN = { kind: "open" } as const;

/** This instance's memory of claims: the full campaigns and the settled answers, read first and taught last. */
export class ClaimMemory {
  constructor(
    private readonly soldOut: SoldOutBook,
    private readonly answers = new SettledAnswers(),
  ) {}

  /** The one sold-out decision: the claim pipeline asks it first, the listener's fast path earlier still. */
  answer(code: string, phone: string): Remembered {
    const verdict = this.soldOut.verdict(code, phone);
    if (verdict === "loser") return SOLD_OUT_OUTCOME;
    const settled = this.answers.get(code, phone);
    if (verdict === "winner") return settled ? { kind: "repeat", result: settled } : WINNER;
    return settled ? { kind: "open", settled } : OPEN;
  }

  /** Whether any gift campaign is known to be full: until one is, the fast path need not read a body. */
  hasGift(): boolean {
    return this.soldOut.hasGift();
  }

  /** Forgets a campaign's full state and a phone's settled answer: a reversal on this instance changed them. */
  forget(code: string, phone: string): void {
    this.soldOut.forget(code);
    this.answers.forget(code, phone);
  }

  /** Learns from a claim's outcome: a full campaign, or an answer that can no longer change. */
  learn(campaign: FullCampaign, outcome: ClaimOutcome, now: number): void {
    if (outcome.kind === "sold-out") this.soldOut.markSoldOut(campaign, now);
    else if (outcome.kind === "won" || outcome.kind === "repeat") this.answers.remember(outcome.result, campaign.kind);
  }
}
