import { scheduleArchiving } from "@matchday/shared/archive";
import { redemptionArchiveSource } from "./modules/archive/redemption-source";
import { startOrphanSweep } from "./modules/orphans/sweep";
import { startRelay } from "./modules/outbox/relay";
import { startReversalRelay } from "./modules/reversals/relay";
import { createDeliveryLanes } from "./modules/webhooks/deliveries";
import { startWebhookLoop } from "./modules/webhooks/loop";
import type { DiscountParts } from "./wiring";

/**
 * The process's timers, started by its entry (boot) and not by the app: the outbox relay,
 * the reversal relay, the orphan sweep, webhook deliveries and archiving. `stop` waits for each one's pass in hand.
 */
export function startBackground(parts: DiscountParts) {
  const { config, store, gate, records, clock, logger, metrics } = parts;
  const relay = startRelay({
    store,
    outbox: parts.outbox,
    sender: parts.sender,
    clock,
    logger,
    metrics,
    intervalMs: config.relayIntervalMs,
    walletTimeoutMs: config.walletTimeoutMs,
  });
  // Reversals the wallet has not confirmed yet, on the credits' relay's rhythm.
  const reversals = startReversalRelay(parts, { intervalMs: config.relayIntervalMs });
  const orphans = startOrphanSweep({ store, gate, records, clock, logger }, config.orphanSweep);
  const webhooks = startWebhookLoop({
    deliveries: createDeliveryLanes(store, clock, config.webhooks.retryWindowMs),
    config: config.webhooks,
    clock,
    logger,
    metrics,
  });
  const archiving = scheduleArchiving({
    config: config.archive,
    service: "discount",
    sources: [redemptionArchiveSource(store)],
    logger,
    clock,
  });
  return {
    async stop() {
      await Promise.all([relay.stop(), reversals.stop(), orphans.stop(), webhooks.stop(), archiving.stop()]);
    },
  };
}
