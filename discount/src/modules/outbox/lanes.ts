import type { Clock } from "@matchday/shared/clock";
import { inJsonList } from "@matchday/shared/db";
import { and, eq, inArray, isNull, lt, lte, ne, or, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { outbox, redemptions } from "../../db/schema";
import type { DiscountStore, DiscountTx } from "../../db/store";
import { emitCreditFailures } from "../webhooks/events";

export type DeliveryResult =
  | { id: number; redemptionId: number; outcome: "credited" }
  | { id: number; redemptionId: number; outcome: "retry"; error: string; retryAt: number }
  | { id: number; redemptionId: number; outcome: "refused"; error: string };

/** The columns a leased, retried row has (the credit outbox, reversals). */
interface Leasable {
  status: SQLiteColumn;
  nextAttemptAt: SQLiteColumn;
  leaseUntil: SQLiteColumn;
}

/** Rows a relay may take now: pending, due, and leased by nobody (or by an instance whose lease ran out). */
export const dueAndUnleased = (table: Leasable, at: number) =>
  and(
    eq(table.status, "pending"),
    lte(table.nextAttemptAt, at),
    or(isNull(table.leaseUntil), lt(table.leaseUntil, at)),
  );

/**
 * The outbox's writes after a row exists, as lanes of the store's one write queue:
 * leases for the relay, and what the wallet said for every sender.
 */
export function createOutboxLanes(store: DiscountStore, now: Clock) {
  /** Takes due deliveries for this instance for a while, so two relays never send the same one at once. */
  const lease = async (tx: DiscountTx, requests: { owner: string; limit: number; leaseMs: number }[]) => {
    const at = now();
    return Promise.all(
      requests.map(async ({ owner, limit, leaseMs }) => {
        const due = tx
          .select({ id: outbox.id })
          .from(outbox)
          .where(dueAndUnleased(outbox, at))
          .orderBy(outbox.id)
          .limit(limit);
        return tx
          .update(outbox)
          .set({ leaseOwner: owner, leaseUntil: at + leaseMs, updatedAt: at })
          .where(inArray(outbox.id, due))
          .returning();
      }),
    );
  };

  /** Records what the wallet said about each delivery. */
  const settle = async (tx: DiscountTx, results: DeliveryResult[]) => {
    const at = now();
    const credited = results.filter((r) => r.outcome === "credited");
    if (credited.length > 0) {
      const ids = credited.map((r) => r.id);
      await tx
        .update(outbox)
        .set({ status: "done", leaseOwner: null, leaseUntil: null, lastError: null, updatedAt: at })
        .where(inJsonList(outbox.id, ids));
      await tx
        .update(redemptions)
        .set({ status: "credited", creditedAt: at, failure: null })
        .where(
          inJsonList(
            redemptions.id,
            credited.map((r) => r.redemptionId),
          ),
        );
    }
    for (const r of results) {
      if (r.outcome === "retry") {
        await tx
          .update(outbox)
          .set({
            attempts: sql`${outbox.attempts} + 1`,
            nextAttemptAt: r.retryAt,
            leaseOwner: null,
            leaseUntil: null,
            lastError: r.error,
            updatedAt: at,
          })
          .where(and(eq(outbox.id, r.id), eq(outbox.status, "pending")));
      } else if (r.outcome === "refused") {
        await tx
          .update(outbox)
          .set({
            status: "failed",
            attempts: sql`${outbox.attempts} + 1`,
            leaseOwner: null,
            leaseUntil: null,
            lastError: r.error,
            updatedAt: at,
          })
          .where(and(eq(outbox.id, r.id), eq(outbox.status, "pending")));
        // A credit the wallet already confirmed stays credited, whatever a later attempt heard.
        await tx
          .update(redemptions)
          .set({ status: "failed", failure: r.error })
          .where(and(eq(redemptions.id, r.redemptionId), ne(redemptions.status, "credited")));
      }
    }
    const refused = results.filter((r) => r.outcome === "refused").map((r) => r.redemptionId);
    await emitCreditFailures(tx, refused, at);
    return results.map(() => undefined);
  };

  return {
    lease: store.writes.lane(lease),
    settle: store.writes.lane(settle),
    /**
     * The request path's note of the wallet's answer, which nobody waits for: it rides along
     * with the next winner's transaction instead of paying a commit of its own. If a crash
     * loses it, the relay re-sends the credit and the wallet replays its answer.
     */
    settleLater: store.writes.lane(settle, { rideAlongMs: SETTLE_RIDE_ALONG_MS }),
  };
}

/** Outside a burst a note waits this long for company; a winner's repeat elsewhere reads "pending" meanwhile. */
const SETTLE_RIDE_ALONG_MS = 100;

export type OutboxLanes = ReturnType<typeof createOutboxLanes>;
