import {
  apiDocs,
  createTokenVerifier,
  httpKernel,
  type Logger,
  scheduleArchiving,
  systemRoutes,
  type TokenVerifier,
} from "@matchday/shared";
import { Elysia } from "elysia";
import type { WalletConfig } from "./config";
import type { WalletStore } from "./db/store";
import { createWalletMetrics } from "./metrics";
import { ledgerArchiveSource } from "./modules/archive/ledger-source";
import { walletRoutes } from "./modules/wallets";
import type { Clock } from "./modules/wallets/service";

export interface WalletDeps {
  config: WalletConfig;
  store: WalletStore;
  logger: Logger;
  clock?: Clock;
  verifyToken?: TokenVerifier;
}

/** The wallet's composition root: every feature module wired to real dependencies. */
export function createApp({ config, store, logger, clock = Date.now, verifyToken }: WalletDeps) {
  const metrics = createWalletMetrics();
  const archiving = scheduleArchiving({
    config: config.archive,
    service: "wallet",
    sources: [ledgerArchiveSource(store)],
    logger,
    clock,
  });
  return new Elysia({ name: "wallet", normalize: false })
    .use(
      httpKernel({
        logger,
        metrics: metrics.registry,
        maxBodyBytes: config.maxBodyBytes,
        hsts: config.tls !== undefined,
      }),
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
        checks: { database: () => store.client.execute("SELECT 1").then(() => undefined) },
      }),
    )
    .use(
      walletRoutes({ store, clock, metrics, verifyToken: verifyToken ?? createTokenVerifier(config.jwtSecret, clock) }),
    )
    .onStop(() => archiving.stop());
}

export type WalletApp = ReturnType<typeof createApp>;
