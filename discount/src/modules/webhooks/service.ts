import { randomBytes } from "node:crypto";
import type { Clock } from "@matchday/shared/clock";
import { and, desc, eq, lt } from "drizzle-orm";
import { type WebhookEndpointRow, webhookDeliveries, webhookEndpoints, webhookEvents } from "../../db/schema";
import type { DiscountStore } from "../../db/store";
import { AppError } from "../../errors";
import { checkDestination, type DestinationPolicy, type Resolver, resolveAll } from "./destination";
import type { WebhookEventType } from "./events";
import type { CreateWebhook, Delivery, DeliveryList, Webhook } from "./model";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64. */
export const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

export function toWebhook(row: WebhookEndpointRow): Webhook {
  return {
    id: row.id,
    url: row.url,
    events: row.events as WebhookEventType[],
    enabled: row.disabledAt === null,
    createdAt: new Date(row.createdAt).toISOString(),
    lastSuccessAt: iso(row.lastSuccessAt),
    failingSince: iso(row.failingSince),
    consecutiveFailures: row.consecutiveFailures,
    disabledAt: iso(row.disabledAt),
    disabledReason: row.disabledReason,
  };
}

/** The endpoints' writes, as lanes of the store's one write queue (built once, with the routes). */
export function createWebhookWrites(store: DiscountStore, clock: Clock) {
  const insert = store.writes.lane(async (tx, inputs: CreateWebhook[]) =>
    tx
      .insert(webhookEndpoints)
      .values(inputs.map((i) => ({ url: i.url, events: i.events, secret: newSecret(), createdAt: clock() })))
      .returning(),
  );
  /** Removes an endpoint and what it was still owed: nothing more is sent to it. */
  const remove = store.writes.lane(async (tx, ids: number[]) => {
    for (const id of ids) {
      await tx.delete(webhookDeliveries).where(eq(webhookDeliveries.endpointId, id));
      await tx.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id));
    }
    return ids.map(() => undefined);
  });
  return { insert, remove };
}

export type WebhookWrites = ReturnType<typeof createWebhookWrites>;

/** Registers an endpoint whose URL passes the destination policy; answers it with its secret, once. */
export async function createWebhook(
  writes: WebhookWrites,
  input: CreateWebhook,
  policy: DestinationPolicy,
  resolve: Resolver = resolveAll,
) {
  const destination = await checkDestination(input.url, policy, resolve);
  if (!destination.ok) throw new AppError("WEBHOOK_URL_REFUSED", destination.reason);
  // Stored as parsed: normalised and percent-encoded, so what admins read back is what is called.
  const row = await writes.insert({ ...input, url: destination.url.href });
  return { ...toWebhook(row), secret: row.secret };
}

export async function listWebhooks(store: DiscountStore) {
  const rows = await store.db.select().from(webhookEndpoints).orderBy(webhookEndpoints.id);
  return { items: rows.map(toWebhook) };
}

export async function findWebhook(store: DiscountStore, id: number): Promise<WebhookEndpointRow> {
  const [row] = await store.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
  if (!row) throw new AppError("WEBHOOK_NOT_FOUND", `No webhook endpoint ${id}`);
  return row;
}

/** An endpoint's deliveries, newest first, by cursor. */
export async function listDeliveries(
  store: DiscountStore,
  endpointId: number,
  page: { limit: number; cursor?: string },
): Promise<DeliveryList> {
  const rows = await store.db
    .select({ delivery: webhookDeliveries, messageId: webhookEvents.messageId, type: webhookEvents.type })
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(
      and(
        eq(webhookDeliveries.endpointId, endpointId),
        page.cursor ? lt(webhookDeliveries.id, Number(page.cursor)) : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.id))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit).map(
    ({ delivery: d, messageId, type }): Delivery => ({
      id: d.id,
      messageId,
      type: type as WebhookEventType,
      status: d.status,
      attempts: d.attempts,
      lastStatus: d.lastStatus,
      lastError: d.lastError,
      nextAttemptAt: d.status === "pending" ? iso(d.nextAttemptAt) : null,
      createdAt: new Date(d.createdAt).toISOString(),
      deliveredAt: iso(d.deliveredAt),
    }),
  );
  const last = items.at(-1);
  return { items, nextCursor: rows.length > page.limit && last ? String(last.id) : null };
}
