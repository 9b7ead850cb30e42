import type { Clock } from "@matchday/shared/clock";
import { and, eq, inArray, isNull, lt, lte, or, sql } from "drizzle-orm";
import { webhookDeliveries, webhookEndpoints, webhookEvents } from "../../db/schema";
import type { DiscountStore, DiscountTx } from "../../db/store";

/** How many new events one pass fans out to their endpoints. */
const DISPATCH_BATCH = 500;

/** What one attempt came to, as the loop hands it back. */
export interface AttemptResult {
  deliveryId: number;
  endpointId: number;
  owner: string;
  ok: boolean;
  /** The HTTP status, if the receiver answered at all. */
  status: number | null;
  error: string | null;
  /** When to try again, if it failed and is still within the retry window. */
  retryAt: number;
}

/** A leased delivery: what to send, and where. */
export interface DueDelivery {
  id: number;
  endpointId: number;
  attempts: number;
  createdAt: number;
  messageId: string;
  type: string;
  data: string;
  eventAt: number;
  url: string;
  secret: string;
}

/**
 * The webhook deliveries' writes, as lanes of the store's one write queue: fanning new events
 * out to the endpoints subscribed to them, leasing due deliveries to one instance at a time
 * (as the credit relay leases its rows; a crashed instance's lease simply expires), and
 * recording each attempt, which also keeps the endpoint's failure run and may disable it.
 */
export function createDeliveryLanes(store: DiscountStore, now: Clock, retryWindowMs: number) {
  /** One delivery per (event, subscribed endpoint that existed when it happened); the event is then dispatched. */
  const dispatch = async (tx: DiscountTx, passes: unknown[]) => {
    const at = now();
    const [last] = await tx.all<{ upTo: number | null }>(sql`
      SELECT max(id) AS upTo FROM (
        SELECT id FROM ${webhookEvents} WHERE dispatched_at IS NULL ORDER BY id LIMIT ${DISPATCH_BATCH})`);
    const upTo = last?.upTo;
    if (upTo == null) return passes.map(() => undefined);
    await tx.run(sql`
      INSERT OR IGNORE INTO ${webhookDeliveries} (event_id, endpoint_id, next_attempt_at, created_at, updated_at)
      SELECT e.id, w.id, ${at}, ${at}, ${at}
        FROM ${webhookEvents} e JOIN ${webhookEndpoints} w
          ON w.disabled_at IS NULL AND w.created_at <= e.created_at
         AND EXISTS (SELECT 1 FROM json_each(w.events) WHERE json_each.value = e.type)
       WHERE e.dispatched_at IS NULL AND e.id <= ${upTo}`);
    await tx
      .update(webhookEvents)
      .set({ dispatchedAt: at })
      .where(and(isNull(webhookEvents.dispatchedAt), lte(webhookEvents.id, upTo)));
    return passes.map(() => undefined);
  };

  const lease = async (tx: DiscountTx, requests: { owner: string; limit: number; leaseMs: number }[]) => {
    const at = now();
    return Promise.all(
      requests.map(({ owner, limit, leaseMs }) =>
        tx.all<{ id: number }>(sql`
          UPDATE ${webhookDeliveries} SET lease_owner = ${owner}, lease_until = ${at + leaseMs}, updated_at = ${at}
           WHERE id IN (
             SELECT d.id FROM ${webhookDeliveries} d JOIN ${webhookEndpoints} w ON w.id = d.endpoint_id
              WHERE d.status = 'pending' AND d.next_attempt_at <= ${at}
                AND (d.lease_until IS NULL OR d.lease_until < ${at}) AND w.disabled_at IS NULL
              ORDER BY d.id LIMIT ${limit})
          RETURNING id`),
      ),
    );
  };

  const settle = async (tx: DiscountTx, results: AttemptResult[]) => {
    const at = now();
    for (const r of results) {
      const mine = and(eq(webhookDeliveries.id, r.deliveryId), eq(webhookDeliveries.leaseOwner, r.owner));
      const attempt = {
        attempts: sql`${webhookDeliveries.attempts} + 1`,
        lastStatus: r.status,
        lastError: r.error,
        leaseOwner: null,
        leaseUntil: null,
        updatedAt: at,
      };
      if (r.ok) {
        await tx
          .update(webhookDeliveries)
          .set({ ...attempt, status: "delivered", deliveredAt: at })
          .where(mine);
        await tx
          .update(webhookEndpoints)
          .set({ lastSuccessAt: at, failingSince: null, consecutiveFailures: 0 })
          .where(eq(webhookEndpoints.id, r.endpointId));
        continue;
      }
      // Past the retry window the delivery is given up; until then it waits its back-off.
      const expired = sql`${webhookDeliveries.createdAt} <= ${at - retryWindowMs}`;
      const [after] = await tx
        .update(webhookDeliveries)
        .set({ ...attempt, status: sql`iif(${expired}, 'failed', 'pending')`, nextAttemptAt: r.retryAt })
        .where(mine)
        .returning({ status: webhookDeliveries.status, createdAt: webhookDeliveries.createdAt });
      await tx
        .update(webhookEndpoints)
        .set({
          failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${at})`,
          consecutiveFailures: sql`${webhookEndpoints.consecutiveFailures} + 1`,
        })
        .where(eq(webhookEndpoints.id, r.endpointId));
      if (after?.status !== "failed") continue;
      // Given up with no success anywhere on the endpoint since it was created: every attempt
      // failed for the whole window. The endpoint is switched off, for admins to see.
      const disabled = await tx
        .update(webhookEndpoints)
        .set({ disabledAt: at, disabledReason: `every attempt failed for the whole retry window; last: ${r.error}` })
        .where(
          and(
            eq(webhookEndpoints.id, r.endpointId),
            isNull(webhookEndpoints.disabledAt),
            or(isNull(webhookEndpoints.lastSuccessAt), lt(webhookEndpoints.lastSuccessAt, after.createdAt)),
          ),
        )
        .returning({ id: webhookEndpoints.id });
      // What it was still owed is given up with it: nothing stays due that no pass may send.
      if (disabled.length > 0)
        await tx
          .update(webhookDeliveries)
          .set({ status: "failed", lastError: "endpoint disabled", leaseOwner: null, leaseUntil: null, updatedAt: at })
          .where(and(eq(webhookDeliveries.endpointId, r.endpointId), eq(webhookDeliveries.status, "pending")));
    }
    return results.map(() => undefined);
  };

  /** The leased rows with their event and endpoint, read outside the write queue. */
  async function leased(ids: number[]): Promise<DueDelivery[]> {
    if (ids.length === 0) return [];
    return store.db
      .select({
        id: webhookDeliveries.id,
        endpointId: webhookDeliveries.endpointId,
        attempts: webhookDeliveries.attempts,
        createdAt: webhookDeliveries.createdAt,
        messageId: webhookEvents.messageId,
        type: webhookEvents.type,
        data: webhookEvents.data,
        eventAt: webhookEvents.createdAt,
        url: webhookEndpoints.url,
        secret: webhookEndpoints.secret,
      })
      .from(webhookDeliveries)
      .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
      .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
      .where(inArray(webhookDeliveries.id, ids));
  }

  // Most passes find nothing to do: a read says so without taking the write lock the redeem path needs.
  const anyUndispatched = () =>
    store.db.select({ id: webhookEvents.id }).from(webhookEvents).where(isNull(webhookEvents.dispatchedAt)).limit(1);
  const anyDue = () =>
    store.db
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.status, "pending"), lte(webhookDeliveries.nextAttemptAt, now())))
      .limit(1);

  const dispatchLane = store.writes.lane(dispatch);
  const leaseLane = store.writes.lane(lease);
  return {
    async dispatch(): Promise<void> {
      if ((await anyUndispatched()).length > 0) await dispatchLane(undefined);
    },
    async lease(request: { owner: string; limit: number; leaseMs: number }): Promise<DueDelivery[]> {
      if ((await anyDue()).length === 0) return [];
      const rows = await leaseLane(request);
      return leased(rows.map((r) => r.id));
    },
    settle: store.writes.lane(settle),
  };
}

export type DeliveryLanes = ReturnType<typeof createDeliveryLanes>;
