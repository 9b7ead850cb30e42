import { sql } from "drizzle-orm";
import { outbox } from "../../db/schema";
import type { DiscountTx } from "../../db/store";

/** What the wallet is asked for: one credit, keyed so that any number of deliveries credit once. */
export interface Credit {
  phone: string;
  amount: number;
  idempotencyKey: string;
  reference: string;
}

/**
 * The credit a winner of `code` is owed; the same key from every sender (request path, relay, reconcile).
 * `reissue`: a coupon won again by a phone whose earlier win was rolled back gets its redemption id in
 * the key, since the first key is spent in the wallet.
 */
export function creditOf(code: string, phone: string, amount: number, reissue?: number): Credit {
  const key = `gift:${code}:${phone}`;
  return {
    phone,
    amount,
    idempotencyKey: reissue === undefined ? key : `${key}:${reissue}`,
    reference: `gift:${code}`,
  };
}

/**
 * Writes the outbox rows for credits just won, inside the transaction that records their
 * winners, so no winner is ever without the credit it is owed. Returns each row's id by
 * its redemption's id.
 */
export async function insertOwedCredits(
  tx: DiscountTx,
  owed: { redemptionId: number; credit: Credit }[],
  at: number,
  firstRetryDelayMs: number,
): Promise<Map<number, number>> {
  // One parameter for the whole batch, so the statement's text (and its prepared plan) is the same for any size.
  const values = JSON.stringify(
    owed.map(({ redemptionId, credit }) => [
      redemptionId,
      credit.idempotencyKey,
      credit.phone,
      credit.amount,
      credit.reference,
    ]),
  );
  // The request path tries the wallet at once; the relay steps in (next_attempt_at) only after that.
  const rows = await tx.all<{ id: number; redemption_id: number }>(sql`
    INSERT INTO ${outbox} (redemption_id, idempotency_key, phone, amount, reference, next_attempt_at, created_at, updated_at)
    SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, ${at + firstRetryDelayMs}, ${at}, ${at}
      FROM json_each(${values})
    RETURNING id, redemption_id`);
  return new Map(rows.map((r) => [r.redemption_id, r.id]));
}
