import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { CODE_ALPHABET, DEFAULT_CODE_PATTERN } from "../modules/campaigns/code";

/**
 * A bulk order of single-use coupons: N codes with one amount, expiry, code pattern and
 * metadata. The coupons themselves are campaigns of kind "coupon" and cap 1 that point here.
 */
export const couponBatches = sqliteTable(
  "coupon_batches",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    name: text("name").notNull(),
    amount: integer("amount").notNull(),
    expiresAt: integer("expires_at"),
    requested: integer("requested").notNull(),
    createdAt: integer("created_at").notNull(),
    /** `#` is one random character of `alphabet`, anything else literal (dashes only for show). */
    pattern: text("pattern").notNull().default(DEFAULT_CODE_PATTERN),
    alphabet: text("alphabet").notNull().default(CODE_ALPHABET),
    /** Shared by every coupon of the batch: stored once here, not a million times on the coupons. */
    metadata: text("metadata", { mode: "json" }).$type<Record<string, unknown>>(),
  },
  (t) => [
    check("coupon_batches_amount_positive", sql`${t.amount} > 0`),
    check("coupon_batches_requested_positive", sql`${t.requested} >= 1`),
  ],
);

/**
 * A campaign is a code with a cap: the match gift (cap 1,000) or a single-use
 * coupon (cap 1). Immutable once created, so instances may cache it.
 */
export const campaigns = sqliteTable(
  "campaigns",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    code: text("code").notNull().unique(),
    name: text("name").notNull(),
    kind: text("kind", { enum: ["gift", "coupon"] })
      .notNull()
      .default("gift"),
    amount: integer("amount").notNull(),
    maxRedemptions: integer("max_redemptions").notNull(),
    startsAt: integer("starts_at"),
    endsAt: integer("ends_at"),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, unknown>>(),
    createdAt: integer("created_at").notNull(),
    /** The bulk order a coupon came from; null for gift campaigns and single coupons. */
    batchId: integer("batch_id").references(() => couponBatches.id),
    /** The only phone (canonical) that may redeem this coupon; null for anyone. */
    boundPhone: text("bound_phone"),
  },
  (t) => [
    index("campaigns_batch").on(t.batchId, t.id),
    // Gift campaigns alone: the orphan sweep lists them every second, among millions of coupons.
    index("campaigns_gifts").on(t.id).where(sql`${t.kind} = 'gift'`),
    check("campaigns_amount_positive", sql`${t.amount} > 0`),
    check("campaigns_cap_positive", sql`${t.maxRedemptions} >= 1`),
    check("campaigns_window", sql`${t.startsAt} IS NULL OR ${t.endsAt} IS NULL OR ${t.endsAt} > ${t.startsAt}`),
  ],
);

/**
 * One row per winner. The unique pairs and the rank check (with the trigger in the
 * migration that keeps rank <= the campaign's cap) make the DB the last line of the
 * cap: whatever Redis says, it never holds more than `cap` winners or a rank twice.
 */
export const redemptions = sqliteTable(
  "redemptions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    campaignId: integer("campaign_id")
      .notNull()
      .references(() => campaigns.id),
    phone: text("phone").notNull(),
    rank: integer("rank").notNull(),
    status: text("status", { enum: ["pending", "credited", "failed"] })
      .notNull()
      .default("pending"),
    redeemedAt: integer("redeemed_at").notNull(),
    creditedAt: integer("credited_at"),
    failure: text("failure"),
  },
  (t) => [
    uniqueIndex("redemptions_campaign_phone").on(t.campaignId, t.phone),
    uniqueIndex("redemptions_campaign_rank").on(t.campaignId, t.rank),
    // The report's first and last redemption times, found in the index instead of a scan.
    index("redemptions_campaign_time").on(t.campaignId, t.redeemedAt),
    check("redemptions_rank_positive", sql`${t.rank} >= 1`),
    check("redemptions_status", sql`${t.status} IN ('pending', 'credited', 'failed')`),
  ],
);

/**
 * How many redemptions each campaign has in each status, kept by triggers on
 * `redemptions` (migration 0003) in the same transaction as every insert, status
 * change and delete, whoever writes. The report reads these instead of counting a
 * campaign's rows: a count is a scan, libSQL calls are synchronous, and a scan of a
 * large campaign's rows stalls every request the process serves (32 ms at 100,000).
 */
export const campaignCounts = sqliteTable(
  "campaign_counts",
  {
    campaignId: integer("campaign_id")
      .notNull()
      .references(() => campaigns.id),
    status: text("status", { enum: ["pending", "credited", "failed"] }).notNull(),
    n: integer("n").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.status] })],
);

/**
 * Credits owed to the wallet, written in the same transaction as the redemption.
 * The relay delivers them with the deterministic idempotency key until the wallet
 * answers 2xx (done) or a definitive 4xx (failed, surfaced in the report).
 */
export const outbox = sqliteTable(
  "outbox",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    redemptionId: integer("redemption_id")
      .notNull()
      .unique()
      .references(() => redemptions.id),
    idempotencyKey: text("idempotency_key").notNull().unique(),
    phone: text("phone").notNull(),
    amount: integer("amount").notNull(),
    reference: text("reference").notNull(),
    status: text("status", { enum: ["pending", "done", "failed"] })
      .notNull()
      .default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    leaseOwner: text("lease_owner"),
    leaseUntil: integer("lease_until"),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("outbox_due").on(t.status, t.nextAttemptAt),
    check("outbox_status", sql`${t.status} IN ('pending', 'done', 'failed')`),
    check("outbox_amount_positive", sql`${t.amount} > 0`),
  ],
);

/**
 * Reversals of credited winners: a coupon rollback (the coupon becomes unused again) or a
 * gift void (the winner stays, its slot is not handed on). A row is written before the
 * wallet is asked for the debit and serves as that debit's outbox row: while `pending`,
 * a relay re-sends it with its deterministic key until the wallet answers. `done` rows
 * are the history the report shows. No foreign key to the redemption: a completed
 * rollback deletes it, and its facts stay here.
 */
export const reversals = sqliteTable(
  "reversals",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** One reversal per redemption, ever: ids are never reused (AUTOINCREMENT). */
    redemptionId: integer("redemption_id").notNull().unique(),
    campaignId: integer("campaign_id")
      .notNull()
      .references(() => campaigns.id),
    kind: text("kind", { enum: ["rollback", "void"] }).notNull(),
    phone: text("phone").notNull(),
    rank: integer("rank").notNull(),
    /** The debit asked of the wallet; 0 when the original credit never reached it (refused for good). */
    amount: integer("amount").notNull(),
    redeemedAt: integer("redeemed_at").notNull(),
    /** The wallet key of the credit reversed, and of the debit that reverses it (`reverse:` + that key). */
    creditKey: text("credit_key").notNull(),
    debitKey: text("debit_key").notNull().unique(),
    /** The admin request's Idempotency-Key and what it asked: a retry replays, another request is refused. */
    requestKey: text("request_key").notNull().unique(),
    requestHash: text("request_hash").notNull(),
    actor: text("actor").notNull(),
    reason: text("reason").notNull(),
    status: text("status", { enum: ["pending", "done"] })
      .notNull()
      .default("pending"),
    walletEntryId: integer("wallet_entry_id"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    leaseOwner: text("lease_owner"),
    leaseUntil: integer("lease_until"),
    lastError: text("last_error"),
    requestedAt: integer("requested_at").notNull(),
    completedAt: integer("completed_at"),
  },
  (t) => [
    index("reversals_due").on(t.status, t.nextAttemptAt),
    index("reversals_campaign_phone").on(t.campaignId, t.phone),
    check("reversals_kind", sql`${t.kind} IN ('rollback', 'void')`),
    check("reversals_status", sql`${t.status} IN ('pending', 'done')`),
    check("reversals_amount", sql`${t.amount} >= 0`),
  ],
);

/** Coupons an admin revoked while unused: they can no longer be redeemed. */
export const couponRevocations = sqliteTable("coupon_revocations", {
  campaignId: integer("campaign_id")
    .primaryKey()
    .references(() => campaigns.id),
  actor: text("actor").notNull(),
  reason: text("reason"),
  revokedAt: integer("revoked_at").notNull(),
});

export type CampaignRow = typeof campaigns.$inferSelect;
export type CouponBatchRow = typeof couponBatches.$inferSelect;
export type RedemptionRow = typeof redemptions.$inferSelect;
export type OutboxRow = typeof outbox.$inferSelect;

/**
 * Where admins want events sent (Standard Webhooks). The secret signs every delivery and is
 * shown once, at creation. An endpoint that failed every attempt for the whole retry window (a
 * delivery gave up with no success since it was created) is disabled (`disabledAt`), and no
 * longer gets new events or attempts.
 */
export const webhookEndpoints = sqliteTable("webhook_endpoints", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  url: text("url").notNull(),
  /** The event types it subscribed to, a JSON array (matched with json_each when events fan out). */
  events: text("events", { mode: "json" }).notNull().$type<string[]>(),
  secret: text("secret").notNull(),
  createdAt: integer("created_at").notNull(),
  lastSuccessAt: integer("last_success_at"),
  /** When its current run of failed attempts began; null after any success. */
  failingSince: integer("failing_since"),
  consecutiveFailures: integer("consecutive_failures").notNull().default(0),
  disabledAt: integer("disabled_at"),
  disabledReason: text("disabled_reason"),
});

/**
 * Events to announce, written in the transaction that made them true (a winner recorded, a
 * credit refused). `messageId` is stable: the same fact emitted twice is one row, and
 * receivers de-duplicate on it (the `webhook-id` header). Fanned out to endpoints by the
 * background loop, which stamps `dispatchedAt`.
 */
export const webhookEvents = sqliteTable(
  "webhook_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    messageId: text("message_id").notNull().unique(),
    type: text("type").notNull(),
    /** The event's `data` object, as JSON. */
    data: text("data").notNull(),
    createdAt: integer("created_at").notNull(),
    dispatchedAt: integer("dispatched_at"),
  },
  (t) => [index("webhook_events_undispatched").on(t.id).where(sql`${t.dispatchedAt} IS NULL`)],
);

/** One event owed to one endpoint: attempted, leased and retried like the credit outbox. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    eventId: integer("event_id")
      .notNull()
      .references(() => webhookEvents.id),
    endpointId: integer("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id),
    status: text("status", { enum: ["pending", "delivered", "failed"] })
      .notNull()
      .default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    leaseOwner: text("lease_owner"),
    leaseUntil: integer("lease_until"),
    /** The HTTP status of the last attempt; null when it got no answer (refused, timed out). */
    lastStatus: integer("last_status"),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    deliveredAt: integer("delivered_at"),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_event_endpoint").on(t.eventId, t.endpointId),
    index("webhook_deliveries_due").on(t.status, t.nextAttemptAt),
    index("webhook_deliveries_endpoint").on(t.endpointId, t.id),
    check("webhook_deliveries_status", sql`${t.status} IN ('pending', 'delivered', 'failed')`),
  ],
);

export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type ReversalRow = typeof reversals.$inferSelect;
