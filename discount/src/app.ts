import { apiDocs, createHttpKernel, metricsAccess, systemRoutes } from "@matchday/shared/http";
import { Elysia } from "elysia";
import { campaignRoutes } from "./modules/campaigns";
import { prepareGate } from "./modules/claims/gate";
import { couponRoutes } from "./modules/coupons";
import { createCouponWriter } from "./modules/coupons/batches";
import { dashboardRoutes } from "./modules/dashboard";
import { redeemRoutes } from "./modules/redeem";
import { reportRoutes } from "./modules/report";
import { reversalRoutes } from "./modules/reversals";
import { webhookRoutes } from "./modules/webhooks";
import { redisReady } from "./redis/readiness";
import type { DiscountParts } from "./wiring";

/**
 * The discount service's HTTP app: every feature module on the parts wireDiscount built.
 * It starts nothing: the process's timers are startBackground's.
 */
export function createApp(parts: DiscountParts) {
  const { config, store, redis, logger, metrics, campaigns, verifyToken, clock } = parts;
  const kernel = createHttpKernel({
    logger,
    metrics: metrics.registry,
    maxBodyBytes: config.maxBodyBytes,
    hsts: config.tls !== undefined,
  });
  const redeem = redeemRoutes({ ...parts, kernel });
  // The listener (Bun's routes) sends POST /v1/redeem to the sold-out fast path first; whatever it
  // does not answer goes through the app's router like every other request.
  const serve = { routes: redeem.listenerRoutes((request): Response | Promise<Response> => app.fetch(request)) };

  const app = new Elysia({ name: "discount", normalize: false, serve })
    .use(kernel.plugin)
    .use(
      apiDocs({
        title: "Matchday Discount",
        version: "1.0.0",
        description:
          "Gift campaigns with a hard cap, redeemed in arrival order and credited to the wallet exactly once.",
      }),
    )
    .use(
      systemRoutes({
        service: "discount",
        metrics: metrics.registry,
        authorizeMetrics: metricsAccess({ token: config.metrics.token, verifyToken }),
        checks: {
          database: () => store.client.execute("SELECT 1").then(() => undefined),
          redis: () => redisReady(redis, config.redis.mode),
        },
      }),
    )
    .use(campaignRoutes({ store, campaigns, verifyToken, clock, prepareGate: (row) => prepareGate(parts, row) }))
    .use(reportRoutes({ store, campaigns, verifyToken }))
    .use(dashboardRoutes())
    .use(redeem.routes)
    .use(couponRoutes({ ...parts, couponDefaults: config.couponDefaults, writer: createCouponWriter(store) }))
    .use(webhookRoutes({ store, verifyToken, clock, policy: config.webhooks }))
    .use(reversalRoutes(parts))
    // Writes the requests queued (e.g. a wallet answer's note) commit before the store closes.
    .onStop(() => store.writes.drain());
  return app;
}

export type DiscountApp = ReturnType<typeof createApp>;
