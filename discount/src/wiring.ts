import { createTokenVerifier, type TokenVerifier } from "@matchday/shared/auth";
import type { Clock } from "@matchday/shared/clock";
import type { Logger } from "@matchday/shared/logger";
import type { Registry } from "@matchday/shared/metrics";
import type { DiscountConfig } from "./config";
import type { DiscountStore } from "./db/store";
import { createDiscountMetrics } from "./metrics";
import { CampaignCache } from "./modules/campaigns/service";
import { gateRebuilds } from "./modules/claims/gate";
import { ClaimMemory, SettledAnswers, SoldOutBook } from "./modules/claims/memory";
import { createWinnerRecords } from "./modules/claims/record";
import { fullCampaignWinners } from "./modules/claims/winners";
import { batchingSender } from "./modules/outbox/batcher";
import { type CreditSender, createCreditSender } from "./modules/outbox/credit-sender";
import { createOutboxLanes } from "./modules/outbox/lanes";
import { createReversalLanes } from "./modules/reversals/lanes";
import { createRevocationLane } from "./modules/reversals/revoke";
import type { RedisConnection } from "./redis/connection";
import { createGate } from "./redis/gate";
import { createLimitPair } from "./redis/limit-pair";
import { createRateLimiter } from "./redis/rate-limit";
import { listenForRebuilds } from "./redis/rebuild-notices";

export interface DiscountDeps {
  config: DiscountConfig;
  store: DiscountStore;
  redis: RedisConnection;
  logger: Logger;
  clock?: Clock;
  verifyToken?: TokenVerifier;
  sender?: CreditSender;
  /** Where the metrics go: boot passes the one its METRICS_PORT listener serves. */
  registry?: Registry;
}

/**
 * The discount service's parts, built once per process from real dependencies and shared
 * by the app (createApp) and the process's background work (startBackground): one memory
 * of claims, one set of write lanes, one wallet sender, one set of metrics.
 */
export function wireDiscount({
  config,
  store,
  redis,
  logger,
  clock = Date.now,
  verifyToken,
  sender,
  registry,
}: DiscountDeps) {
  const { rateLimits } = config;
  const limiter = (prefix: string, limit: number) =>
    createRateLimiter(redis, { prefix, limit, windowSeconds: 60, clock });
  return {
    config,
    store,
    redis,
    logger,
    clock,
    metrics: createDiscountMetrics(registry),
    verifyToken: verifyToken ?? createTokenVerifier(config.jwtSecret, clock),
    gate: createGate(redis),
    rebuilds: gateRebuilds(),
    notices: listenForRebuilds(redis, logger),
    campaigns: new CampaignCache(store, clock),
    // Winners recorded together are credited together: one wallet request per turn, not per winner.
    sender: batchingSender(
      sender ??
        createCreditSender({ baseUrl: config.walletUrl, jwtSecret: config.jwtSecret, ca: config.walletCa, now: clock }),
    ),
    // The relay steps in once the request path's own attempt has had its chance.
    records: createWinnerRecords(store, clock, config.walletTimeoutMs * 2),
    outbox: createOutboxLanes(store, clock),
    reversals: createReversalLanes(store, clock),
    recordRevocation: createRevocationLane(store),
    memory: new ClaimMemory(
      new SoldOutBook((campaign) => fullCampaignWinners(store, campaign), undefined, clock),
      new SettledAnswers(undefined, clock),
    ),
    limits: createLimitPair(
      redis,
      { prefix: "rl:redeem:phone", limit: rateLimits.perPhonePerMinute, windowSeconds: 60, clock },
      { prefix: "rl:redeem:ip", limit: rateLimits.perIpPerMinute, windowSeconds: 60, clock },
    ),
    couponLimiter: limiter("rl:coupon:ip", rateLimits.couponPerIpPerMinute),
    walletTimeoutMs: config.walletTimeoutMs,
    maxBodyBytes: config.maxBodyBytes,
    redeemAnonymous: config.redeemAnonymous,
    trustProxy: config.trustProxy,
  };
}

export type DiscountParts = ReturnType<typeof wireDiscount>;
