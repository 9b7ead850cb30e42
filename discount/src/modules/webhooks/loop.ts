import type { Clock } from "@matchday/shared/clock";
import type { Logger } from "@matchday/shared/logger";
import type { WebhookConfig } from "../../config";
import type { DiscountMetrics } from "../../metrics";
import { every } from "../../periodic";
import { retryDelayMs } from "../outbox/relay";
import type { AttemptResult, DeliveryLanes } from "./deliveries";
import type { Resolver } from "./destination";
import { sendDelivery } from "./send";

export interface WebhookLoopOptions {
  deliveries: DeliveryLanes;
  config: WebhookConfig;
  clock: Clock;
  logger: Logger;
  metrics: DiscountMetrics;
  /** Identifies this instance's leases. */
  owner?: string;
  batchSize?: number;
  random?: () => number;
  resolve?: Resolver;
}

/** Retries from `retryBaseMs`, doubling, at most an hour apart: a day's window holds a few dozen attempts. */
const MAX_DELAY_MS = 3_600_000;

/**
 * Sends webhooks in the background of every instance, never on a request's path: fans new
 * events out to their endpoints, then leases due deliveries (so two instances never send the
 * same one at once) and sends them, each with its own timeout, recording every attempt.
 * At least once: a delivery is retried until a 2xx or the end of the retry window.
 */
export function startWebhookLoop(options: WebhookLoopOptions) {
  const { config, clock, deliveries } = options;
  const owner = options.owner ?? crypto.randomUUID();
  const batchSize = options.batchSize ?? 50;
  // Long enough for the DNS check and the attempt; a lease that outlives a crashed instance expires.
  const leaseMs = config.timeoutMs * 2 + 5_000;
  const random = options.random ?? Math.random;
  const backoff = { baseMs: config.retryBaseMs, maxMs: Math.max(config.retryBaseMs, MAX_DELAY_MS) };
  let stopped = false;

  async function sendDue(): Promise<number> {
    const due = await deliveries.lease({ owner, limit: batchSize, leaseMs });
    const results = await Promise.all(
      due.map(async (delivery): Promise<AttemptResult> => {
        const attempt = await sendDelivery(delivery, {
          policy: config,
          timeoutMs: config.timeoutMs,
          clock,
          resolve: options.resolve,
        });
        options.metrics.webhookAttempts.inc({ result: attempt.ok ? "delivered" : "failed" });
        if (!attempt.ok) options.logger.warn({ delivery: delivery.id, error: attempt.error }, "webhook attempt failed");
        const retryAt = clock() + retryDelayMs(delivery.attempts + 1, random, backoff);
        return { deliveryId: delivery.id, endpointId: delivery.endpointId, owner, retryAt, ...attempt };
      }),
    );
    await Promise.all(results.map((r) => deliveries.settle(r)));
    return due.length;
  }

  async function tick(): Promise<void> {
    try {
      await deliveries.dispatch();
      while (!stopped && (await sendDue()) === batchSize) {
        // a full batch: there may be more due right now
      }
    } catch (error) {
      options.logger.warn({ err: error }, "webhook pass failed; will retry");
    }
  }

  const passes = every(config.intervalMs, tick);

  return {
    /** Stops scheduling; waits for the pass in hand to finish. */
    async stop() {
      stopped = true;
      await passes.stop();
    },
  };
}
