import type { Clock } from "@matchday/shared/clock";
import { and, eq, inArray, or, sql } from "drizzle-orm";
import { outbox, type ReversalRow, redemptions, reversals } from "../../db/schema";
import type { DiscountStore, DiscountTx } from "../../db/store";
import { dueAndUnleased } from "../outbox/lanes";
import { emitReversalEvent } from "../webhooks/events";

export type NewReversal = typeof reversals.$inferInsert;

/** An intent written, or the reversal that already holds its request key or its redemption. */
export type Opened = { kind: "opened"; row: ReversalRow } | { kind: "exists"; row: ReversalRow };

/**
 * The reversals' writes, as lanes of the store's one write queue (like the outbox's): the
 * intent, its completion, its withdrawal, a retry and the relay's leases.
 */
export function createReversalLanes(store: DiscountStore, now: Clock) {
  /** Writes each intent unless its request key or redemption already has a reversal (both unique). */
  const open = async (tx: DiscountTx, intents: NewReversal[]): Promise<Opened[]> => {
    const answers: Opened[] = [];
    for (const intent of intents) {
      const [row] = await tx.insert(reversals).values(intent).onConflictDoNothing().returning();
      if (row) {
        answers.push({ kind: "opened", row });
        continue;
      }
      const [existing] = await tx
        .select()
        .from(reversals)
        .where(or(eq(reversals.requestKey, intent.requestKey), eq(reversals.redemptionId, intent.redemptionId)))
        .orderBy(sql`${reversals.requestKey} = ${intent.requestKey} DESC`)
        .limit(1);
      answers.push({ kind: "exists", row: existing as ReversalRow });
    }
    return answers;
  };

  /**
   * The wallet confirmed the debit: the reversal is done, and in the same transaction a rollback
   * deletes its redemption (and that credit's outbox row), which frees the coupon in the DB, and
   * its webhook event is written. Only
   * a pending reversal completes, so a relay and a request path that both heard the wallet apply
   * it once. Answers the row when this call completed it.
   */
  const complete = async (
    tx: DiscountTx,
    done: { id: number; walletEntryId: number | null }[],
  ): Promise<(ReversalRow | undefined)[]> => {
    const at = now();
    const answers: (ReversalRow | undefined)[] = [];
    for (const { id, walletEntryId } of done) {
      const [row] = await tx
        .update(reversals)
        .set({ status: "done", walletEntryId, completedAt: at, leaseOwner: null, leaseUntil: null, lastError: null })
        .where(and(eq(reversals.id, id), eq(reversals.status, "pending")))
        .returning();
      if (row?.kind === "rollback") {
        await tx.delete(outbox).where(eq(outbox.redemptionId, row.redemptionId));
        await tx.delete(redemptions).where(eq(redemptions.id, row.redemptionId));
      }
      if (row) await emitReversalEvent(tx, row, at);
      answers.push(row);
    }
    return answers;
  };

  /** The wallet refused the debit (the money was spent): the intent goes, and nothing is left changed. */
  const withdraw = async (tx: DiscountTx, ids: number[]) => {
    await tx.delete(reversals).where(and(inArray(reversals.id, ids), eq(reversals.status, "pending")));
    return ids.map(() => undefined);
  };

  /** No answer from the wallet: try again at `retryAt`, whoever holds the lease then. */
  const retry = async (tx: DiscountTx, retries: { id: number; error: string; retryAt: number }[]) => {
    for (const r of retries) {
      await tx
        .update(reversals)
        .set({
          attempts: sql`${reversals.attempts} + 1`,
          nextAttemptAt: r.retryAt,
          leaseOwner: null,
          leaseUntil: null,
          lastError: r.error,
        })
        .where(and(eq(reversals.id, r.id), eq(reversals.status, "pending")));
    }
    return retries.map(() => undefined);
  };

  /** Takes due reversals for this instance for a while, so two relays never send the same one at once. */
  const lease = async (tx: DiscountTx, requests: { owner: string; limit: number; leaseMs: number }[]) => {
    const at = now();
    return Promise.all(
      requests.map(async ({ owner, limit, leaseMs }) => {
        const due = tx
          .select({ id: reversals.id })
          .from(reversals)
          .where(dueAndUnleased(reversals, at))
          .orderBy(reversals.id)
          .limit(limit);
        return tx
          .update(reversals)
          .set({ leaseOwner: owner, leaseUntil: at + leaseMs })
          .where(inArray(reversals.id, due))
          .returning();
      }),
    );
  };

  const lanes = store.writes;
  return {
    open: lanes.lane(open),
    complete: lanes.lane(complete),
    withdraw: lanes.lane(withdraw),
    retry: lanes.lane(retry),
    lease: lanes.lane(lease),
  };
}

export type ReversalLanes = ReturnType<typeof createReversalLanes>;
