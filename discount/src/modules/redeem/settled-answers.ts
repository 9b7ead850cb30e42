import type { RedeemResult } from "./model";

/**
 * Winners' answers once their credit is in the wallet. A credited redemption never
 * changes again, so a winner who asks again (apps retry, people tap twice) is answered
 * from memory: no rate-limit round trip, no gate, no DB read. Pending and failed
 * answers are not kept: they may still change. Bounded; the oldest go first.
 */
export class SettledAnswers {
  private readonly answers = new Map<string, RedeemResult>();

  /**
   * Five match campaigns' winners (about 1.5 MB). Coupon winners pass through too, so
   * a larger bound only takes longer to fill: 20,000 kept the soak's memory growing
   * for ten minutes (docs/RELIABILITY.md).
   */
  constructor(private readonly limit = 5_000) {}

  get(code: string, phone: string): RedeemResult | undefined {
    return this.answers.get(`${code}\n${phone}`);
  }

  remember(result: RedeemResult): void {
    if (result.status !== "credited") return;
    if (this.answers.size >= this.limit) this.answers.delete(this.answers.keys().next().value as string);
    this.answers.set(`${result.code}\n${result.phone}`, result);
  }
}
