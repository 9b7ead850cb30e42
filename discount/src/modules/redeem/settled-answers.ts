import type { RedeemResult } from "./model";

/**
 * Winners' answers once their credit is in the wallet. A credited redemption never
 * changes again, so a winner who asks again (apps retry, people tap twice) is answered
 * from memory: no rate-limit round trip, no gate, no DB read. Pending and failed
 * answers are not kept: they may still change. Bounded; the oldest go first.
 */
export class SettledAnswers {
  private readonly answers = new Map<string, RedeemResult>();

  /** 20 campaigns of 1,000 winners, or that many coupon winners: a few MB. */
  constructor(private readonly limit = 20_000) {}

  get(code: string, phone: string): RedeemResult | undefined {
    return this.answers.get(`${code}\n${phone}`);
  }

  remember(result: RedeemResult): void {
    if (result.status !== "credited") return;
    if (this.answers.size >= this.limit) this.answers.delete(this.answers.keys().next().value as string);
    this.answers.set(`${result.code}\n${result.phone}`, result);
  }
}
