import { createTokenVerifier, type TokenVerifier } from "@matchday/shared/auth";
import type { Clock } from "@matchday/shared/clock";
import { apiDocs, createHttpKernel, metricsAccess, systemRoutes } from "@matchday/shared/http";
import type { Logger } from "@matchday/shared/logger";
import type { Registry } from "@matchday/shared/metrics";
import { Elysia } from "elysia";
import type { WalletConfig } from "./config";
import type { WalletStore } from "./db/store";
import { createWalletMetrics } from "./metrics";
import { creditBatchRoutes } from "./modules/credit-batches";
import { walletRoutes } from "./modules/wallets";
import { createLedgerWriter } from "./modules/wallets/ledger-batch";

export interface WalletDeps {
  config: WalletConfig;
  store: WalletStore;
  logger: Logger;
  clock?: Clock;
  verifyToken?: TokenVerifier;
  /** Where the metrics go: boot passes the one its METRICS_PORT listener serves. */
  registry?: Registry;
}

/** The wallet's composition root: every feature module wired to real dependencies; it starts no timers (boot does). */
export function createApp({ config, store, logger, clock = Date.now, verifyToken, registry }: WalletDeps) {
  const metrics = createWalletMetrics(registry);
  const verify = verifyToken ?? createTokenVerifier(config.jwtSecret, clock);
  const writer = createLedgerWriter(store, clock);
  return new Elysia({ name: "wallet", normalize: false })
    .use(
      createHttpKernel({
        logger,
        metrics: metrics.registry,
        maxBodyBytes: config.maxBodyBytes,
        hsts: config.tls !== undefined,
      }).plugin,
    )
    .use(
      apiDocs({
        title: "Matchday Wallet",
        version: "1.0.0",
        description: "Balances and an append-only ledger in integer Tomans (IRT). Credits and debits are idempotent.",
      }),
    )
    .use(
      systemRoutes({
        service: "wallet",
        metrics: metrics.registry,
        authorizeMetrics: metricsAccess({ token: config.metrics.token, verifyToken: verify }),
        checks: { database: () => store.client.execute("SELECT 1").then(() => undefined) },
      }),
    )
    .use(walletRoutes({ store, writer, metrics, verifyToken: verify }))
    .use(creditBatchRoutes({ writer, metrics, verifyToken: verify }));
}

export type WalletApp = ReturnType<typeof createApp>;
