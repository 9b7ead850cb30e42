import { Registry } from "@matchday/shared";

/** The discount service's business metrics, on the same registry as the HTTP metrics. */
export function createDiscountMetrics(registry = new Registry()) {
  return {
    registry,
    claims: registry.counter("discount_claims_total", "Redeem attempts by campaign and outcome"),
    winners: registry.counter("discount_winners_total", "Winners recorded, by campaign"),
    gateSeconds: registry.histogram(
      "discount_gate_seconds",
      "Time spent at the Redis cap gate",
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    ),
    outboxDepth: registry.gauge("discount_outbox_pending", "Credits owed to the wallet and not yet delivered"),
    deliveries: registry.counter("discount_deliveries_total", "Wallet deliveries by the relay, by result"),
  };
}

export type DiscountMetrics = ReturnType<typeof createDiscountMetrics>;
