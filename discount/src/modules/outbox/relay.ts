import type { Clock } from "@matchday/shared/clock";
import type { Logger } from "@matchday/shared/logger";
import { and, count, eq } from "drizzle-orm";
import { outbox } from "../../db/schema";
import type { DiscountStore } from "../../db/store";
import type { DiscountMetrics } from "../../metrics";
import { every } from "../../periodic";
import type { CreditResult, CreditSender } from "./credit-sender";
import type { DeliveryResult, OutboxLanes } from "./lanes";

export interface RelayOptions {
  store: DiscountStore;
  outbox: OutboxLanes;
  sender: CreditSender;
  clock: Clock;
  logger: Logger;
  metrics: DiscountMetrics;
  intervalMs: number;
  walletTimeoutMs: number;
  /** Identifies this instance's leases. */
  owner?: string;
  batchSize?: number;
  random?: () => number;
}

/** A credit's retries: from half a second, never more than a minute apart. */
const CREDIT_BACKOFF = { baseMs: 500, maxMs: 60_000 };

/** Exponential backoff with full jitter: many owed deliveries must not retry in lockstep. */
export function retryDelayMs(
  attempts: number,
  random: () => number = Math.random,
  { baseMs, maxMs } = CREDIT_BACKOFF,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempts, 20));
  return Math.max(baseMs, Math.floor(random() * ceiling));
}

/**
 * Delivers owed credits in the background of every instance. Rows are leased (so
 * two instances never send the same one at the same time; a lease that outlives a
 * crashed instance simply expires) and sent with their deterministic idempotency
 * key until the wallet answers 2xx or a definitive 4xx, which is recorded.
 */
export function startRelay(options: RelayOptions) {
  const owner = options.owner ?? crypto.randomUUID();
  const batchSize = options.batchSize ?? 100;
  const leaseMs = options.walletTimeoutMs * 4 + 5_000;
  const random = options.random ?? Math.random;
  let stopped = false;

  async function deliver(): Promise<number> {
    const due = await options.outbox.lease({ owner, limit: batchSize, leaseMs });
    if (due.length === 0) return 0;
    // One wallet request for the whole lease (or a few, within the wallet's batch limits).
    const answers = await options.sender.creditMany(due, options.walletTimeoutMs);
    const results = due.map((row, i): DeliveryResult => {
      const answer = answers[i] as CreditResult;
      options.metrics.deliveries.inc({ result: answer.outcome });
      if (answer.outcome === "credited") return { id: row.id, redemptionId: row.redemptionId, outcome: "credited" };
      if (answer.outcome === "refused") {
        options.logger.error({ delivery: row.id, error: answer.error }, "wallet refused a credit for good");
        return { id: row.id, redemptionId: row.redemptionId, outcome: "refused", error: answer.error };
      }
      const retryAt = options.clock() + retryDelayMs(row.attempts + 1, random);
      return { id: row.id, redemptionId: row.redemptionId, outcome: "retry", error: answer.error, retryAt };
    });
    await Promise.all(results.map((r) => options.outbox.settle(r)));
    return due.length;
  }

  async function tick(): Promise<void> {
    try {
      while (!stopped && (await deliver()) === batchSize) {
        // a full batch: there may be more due right now
      }
      const [depth] = await options.store.db
        .select({ n: count() })
        .from(outbox)
        .where(and(eq(outbox.status, "pending")));
      options.metrics.outboxDepth.set({}, depth?.n ?? 0);
    } catch (error) {
      options.logger.warn({ err: error }, "outbox relay pass failed; will retry");
    }
  }

  const passes = every(options.intervalMs, tick);

  return {
    owner,
    /** Runs one pass now (tests use it). */
    runOnce: () => tick(),
    /** Stops scheduling; waits for the pass in hand to finish. */
    async stop() {
      stopped = true;
      await passes.stop();
    },
  };
}

export type Relay = ReturnType<typeof startRelay>;
