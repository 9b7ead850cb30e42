import { Registry } from "@matchday/shared/metrics";

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
    webhookAttempts: registry.counter("discount_webhook_attempts_total", "Webhook delivery attempts, by result"),
    couponsGenerated: registry.counter("discount_coupons_generated_total", "Single-use coupons generated"),
    couponsRedeemed: registry.counter("discount_coupons_redeemed_total", "Coupon redeem attempts by outcome"),
    couponsRateLimited: registry.counter(
      "discount_coupons_rate_limited_total",
      "Coupon redeems refused by the IP limit",
    ),
  };
}

/**
 * The `campaign` label of a campaign's metrics. A gift code is the secret the announcement
 * reveals, so until its campaign starts the series is labelled by row id (`id:17`), and by
 * the code, public by then, once it has started. Every coupon is "coupon": millions of codes
 * would explode the series, and a coupon code is a secret for good (DESIGN §3.7).
 */
export function campaignLabel(
  campaign: { id: number; kind: string; code: string; startsAt: number | null },
  now: number,
): string {
  if (campaign.kind === "coupon") return "coupon";
  return campaign.startsAt !== null && now < campaign.startsAt ? `id:${campaign.id}` : campaign.code;
}

export type DiscountMetrics = ReturnType<typeof createDiscountMetrics>;
