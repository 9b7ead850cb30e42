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
    couponsGenerated: registry.counter("discount_coupons_generated_total", "Single-use coupons generated"),
    couponsRedeemed: registry.counter("discount_coupons_redeemed_total", "Coupon redeem attempts by outcome"),
    couponsRateLimited: registry.counter(
      "discount_coupons_rate_limited_total",
      "Coupon redeems refused by the IP limit",
    ),
  };
}

/**
 * The `campaign` label of a campaign's metrics: its code for a gift campaign, "coupon"
 * for every coupon (millions of codes would explode the series, and a code is a secret).
 */
export const campaignLabel = (campaign: { kind: string; code: string }) =>
  campaign.kind === "coupon" ? "coupon" : campaign.code;

export type DiscountMetrics = ReturnType<typeof createDiscountMetrics>;
