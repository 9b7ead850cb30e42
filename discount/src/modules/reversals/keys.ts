import { inJsonList } from "@matchday/shared/db";
import { and, eq } from "drizzle-orm";
import { reversals } from "../../db/schema";
import type { DiscountTx } from "../../db/store";

/** The wallet key of the debit that reverses a credit: derived, so every sender of it debits once. */
export const debitKeyOf = (creditKey: string) => `reverse:${creditKey}`;

/**
 * Which of these coupon winners (campaign id, phone) won the same coupon before and had it
 * rolled back. Their new credit needs a key of its own: the first one's key is spent in the
 * wallet, and sending it again would only replay the reversed credit.
 */
export async function rolledBackBefore(
  tx: DiscountTx,
  winners: readonly { campaignId: number; phone: string }[],
): Promise<Set<string>> {
  if (winners.length === 0) return new Set();
  const rows = await tx
    .select({ campaignId: reversals.campaignId, phone: reversals.phone })
    .from(reversals)
    .where(
      and(
        eq(reversals.kind, "rollback"),
        // One JSON parameter each: the text, and its prepared statement, are the same for any batch.
        inJsonList(reversals.campaignId, [...new Set(winners.map((w) => w.campaignId))]),
        inJsonList(reversals.phone, [...new Set(winners.map((w) => w.phone))]),
      ),
    );
  return new Set(rows.map((r) => winnerKey(r)));
}

export const winnerKey = (w: { campaignId: number; phone: string }) => `${w.campaignId}\n${w.phone}`;
