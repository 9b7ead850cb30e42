import { scheduleArchiving } from "@matchday/shared/archive";
import { createTokenVerifier, type TokenVerifier } from "@matchday/shared/auth";
import type { Clock } from "@matchday/shared/clock";
import { apiDocs, createHttpKernel, metricsAccess, systemRoutes } from "@matchday/shared/http";
import type { Logger } from "@matchday/shared/logger";
import type { Registry } from "@matchday/shared/metrics";
import type { Server } from "bun";
import { Elysia } from "elysia";
import type Redis from "ioredis";
import type { DiscountConfig } from "./config";
import type { DiscountStore } from "./db/store";
import { createDiscountMetrics } from "./metrics";
import { redemptionArchiveSource } from "./modules/archive/redemption-source";
import { campaignRoutes } from "./modules/campaigns";
import { CampaignCache } from "./modules/campaigns/service";
import { couponRoutes } from "./modules/coupons";
import { createCouponWriter } from "./modules/coupons/batches";
import { dashboardRoutes } from "./modules/dashboard";
import { startOrphanSweep } from "./modules/orphans/sweep";
import { startRelay } from "./modules/outbox/relay";
import { redeemRoutes } from "./modules/redeem";
import { createRecords, fullCampaignWinners } from "./modules/redeem/records";
import { SettledAnswers } from "./modules/redeem/settled-answers";
import { SoldOutBook } from "./modules/redeem/sold-out";
import { REDEEM_ROUTE, soldOutFastPath } from "./modules/redeem/sold-out-fast-path";
import { createWalletClient, type WalletClient } from "./modules/redeem/wallet-client";
import { reportRoutes } from "./modules/report";
import { createGate } from "./redis/gate";
import { createRateLimiter } from "./redis/rate-limit";

export interface DiscountDeps {
  config: DiscountConfig;
  store: DiscountStore;
  redis: Redis;
  logger: Logger;
  clock?: Clock;
  verifyToken?: TokenVerifier;
  wallet?: WalletClient;
  /** Where the metrics go: boot passes the one its METRICS_PORT listener serves. */
  registry?: Registry;
}

/** The discount service's composition root: every feature module wired to real dependencies. */
export function createApp({
  config,
  store,
  redis,
  logger,
  clock = Date.now,
  verifyToken,
  wallet,
  registry,
}: DiscountDeps) {
  const metrics = createDiscountMetrics(registry);
  const verify = verifyToken ?? createTokenVerifier(config.jwtSecret, clock);
  const gate = createGate(redis);
  const campaigns = new CampaignCache(store, clock);
  const walletClient =
    wallet ??
    createWalletClient({ baseUrl: config.walletUrl, jwtSecret: config.jwtSecret, ca: config.walletCa, now: clock });
  // The relay steps in once the request path's own attempt has had its chance.
  const records = createRecords(store, clock, config.walletTimeoutMs * 2);
  const relay = startRelay({
    store,
    records,
    wallet: walletClient,
    clock,
    logger,
    metrics,
    intervalMs: config.relayIntervalMs,
    walletTimeoutMs: config.walletTimeoutMs,
  });
  const orphans = startOrphanSweep({ store, gate, records, clock, logger }, config.orphanSweep);
  const archiving = scheduleArchiving({
    config: config.archive,
    service: "discount",
    sources: [redemptionArchiveSource(store)],
    logger,
    clock,
  });
  const { rateLimits } = config;
  const limits = {
    perPhone: createRateLimiter(redis, {
      prefix: "rl:redeem:phone",
      limit: rateLimits.perPhonePerMinute,
      windowSeconds: 60,
    }),
    perIp: createRateLimiter(redis, { prefix: "rl:redeem:ip", limit: rateLimits.perIpPerMinute, windowSeconds: 60 }),
  };

  // One engine for gift codes and coupons: a coupon is a campaign whose cap is 1.
  const redeemDeps = {
    store,
    gate,
    records,
    wallet: walletClient,
    soldOut: new SoldOutBook((campaign) => fullCampaignWinners(store, campaign)),
    answers: new SettledAnswers(),
    limits,
    walletTimeoutMs: config.walletTimeoutMs,
    clock,
    logger,
    metrics,
    campaigns,
    verifyToken: verify,
    redeemAnonymous: config.redeemAnonymous,
    trustProxy: config.trustProxy,
  };

  const kernel = createHttpKernel({
    logger,
    metrics: metrics.registry,
    maxBodyBytes: config.maxBodyBytes,
    hsts: config.tls !== undefined,
  });
  const fastPath = soldOutFastPath({
    campaigns,
    soldOut: redeemDeps.soldOut,
    metrics,
    kernel,
    maxBodyBytes: config.maxBodyBytes,
    redeemAnonymous: config.redeemAnonymous,
    verifyToken: verify,
    clock,
  });
  // The listener (Bun's routes) sends POST /v1/redeem to the sold-out fast path first; whatever it
  // does not answer goes through the app's router like every other request.
  const serve = {
    routes: {
      [REDEEM_ROUTE]: {
        POST: (request: Request, server: Server<unknown>): Promise<Response> =>
          fastPath(
            request,
            () => server.requestIP(request)?.address,
            (forwarded): Response | Promise<Response> => app.fetch(forwarded),
          ),
      },
    },
  };

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
        authorizeMetrics: metricsAccess({ token: config.metrics.token, verifyToken: verify }),
        checks: {
          database: () => store.client.execute("SELECT 1").then(() => undefined),
          redis: () => redis.ping().then(() => undefined),
        },
      }),
    )
    .use(campaignRoutes({ store, campaigns, verifyToken: verify, clock }))
    .use(reportRoutes({ store, campaigns, verifyToken: verify }))
    .use(dashboardRoutes())
    .use(redeemRoutes(redeemDeps))
    .use(
      couponRoutes({
        ...redeemDeps,
        couponLimiter: createRateLimiter(redis, {
          prefix: "rl:coupon:ip",
          limit: rateLimits.couponPerIpPerMinute,
          windowSeconds: 60,
        }),
        couponDefaults: config.couponDefaults,
        writer: createCouponWriter(store),
      }),
    )
    .onStop(async () => {
      await Promise.all([relay.stop(), orphans.stop(), archiving.stop()]);
      await store.writes.drain();
    });
  return app;
}

export type DiscountApp = ReturnType<typeof createApp>;
