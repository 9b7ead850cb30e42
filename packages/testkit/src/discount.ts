import { createApp, type DiscountApp } from "@matchday/discount/app";
import { startBackground } from "@matchday/discount/background";
import type { DiscountConfig } from "@matchday/discount/config";
import { DISCOUNT_MIGRATIONS, type DiscountStore, openDiscountStore } from "@matchday/discount/db/store";
import { connectRedis } from "@matchday/discount/redis/connection";
import { wireDiscount } from "@matchday/discount/wiring";
import { createLogger, type Logger } from "@matchday/shared/logger";
import type Redis from "ioredis";
import { makeTempDatabase, type TempDatabase } from "./database";
import { listenInProcess, serviceTestConfig } from "./in-process";
import type { ServiceProcess } from "./processes/service-process";
import { startRedisAndWallet } from "./processes/services";
import { type RedisHandle, startRedis } from "./redis";

export function discountTestConfig(
  overrides: Partial<DiscountConfig> & { redisUrl: string; walletUrl: string },
): DiscountConfig {
  return {
    ...serviceTestConfig("file::memory:"),
    redeemAnonymous: false,
    rateLimits: { perPhonePerMinute: 1_000, perIpPerMinute: 1_000_000, couponPerIpPerMinute: 1_000_000 },
    couponDefaults: { amount: 50_000, ttlDays: 30 },
    walletTimeoutMs: 1_000,
    relayIntervalMs: 100,
    orphanSweep: { intervalMs: 100, graceMs: 500 },
    ...overrides,
  };
}

export interface DiscountUnderTest {
  app: DiscountApp;
  url: string;
  store: DiscountStore;
  redis: Redis;
  database: TempDatabase;
  dispose(): Promise<void>;
}

/** The real discount app over a fresh migrated SQLite file and a real Redis, listening on a free port. */
export async function startDiscountInProcess(
  overrides: Partial<DiscountConfig> & { redisUrl: string; walletUrl: string },
  options: { clock?: () => number; logger?: Logger } = {},
): Promise<DiscountUnderTest> {
  const database = await makeTempDatabase(DISCOUNT_MIGRATIONS);
  const store = await openDiscountStore(database.url, { migrate: false });
  const redis = connectRedis(overrides.redisUrl);
  await new Promise((resolve) => (redis.status === "ready" ? resolve(undefined) : redis.once("ready", resolve)));
  const config = discountTestConfig({ ...overrides, databaseUrl: database.url });
  const logger = options.logger ?? createLogger({ level: "silent", service: "discount" });
  const parts = wireDiscount({ config, store, redis, logger, clock: options.clock });
  // As boot does: the app starts nothing; the process's timers start beside it.
  const { app, url, stop } = listenInProcess(createApp(parts), logger, startBackground(parts));
  return {
    app,
    url,
    store,
    redis,
    database,
    async dispose() {
      await stop();
      await store.close();
      redis.disconnect();
      database.dispose();
    },
  };
}

/** For tests that never credit (creating campaigns, batches): the app on its own Redis, with no wallet. */
export async function startDiscountWithoutWallet(): Promise<DiscountUnderTest> {
  const redis = await startRedis();
  const discount = await startDiscountInProcess({ redisUrl: redis.url, walletUrl: "http://127.0.0.1:9" });
  return {
    ...discount,
    async dispose() {
      await discount.dispose();
      await redis.dispose();
    },
  };
}

export interface DiscountStack {
  redis: RedisHandle;
  wallet: ServiceProcess;
  discount: DiscountUnderTest;
  dispose(): Promise<void>;
}

/** What most discount tests need: their own Redis, the real wallet as a process, the discount app in-process. */
export async function startDiscountStack(overrides: Partial<DiscountConfig> = {}): Promise<DiscountStack> {
  const base = await startRedisAndWallet();
  const { redis, wallet } = base;
  const discount = await startDiscountInProcess({ redisUrl: redis.url, walletUrl: wallet.url, ...overrides });
  return {
    redis,
    wallet,
    discount,
    async dispose() {
      await discount.dispose();
      await base.dispose();
    },
  };
}
