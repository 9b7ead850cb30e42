import type { Client, InStatement, ResultSet } from "@libsql/client";
import { createApp, type DiscountApp } from "@matchday/discount/app";
import { startBackground } from "@matchday/discount/background";
import type { DiscountConfig } from "@matchday/discount/config";
import { DISCOUNT_MIGRATIONS, type DiscountStore, openDiscountStore } from "@matchday/discount/db/store";
import { connectRedis, type RedisConnection, whenConnected } from "@matchday/discount/redis/connection";
import { wireDiscount } from "@matchday/discount/wiring";
import { createLogger, type Logger } from "@matchday/shared/logger";
import { makeTempDatabase, type TempDatabase } from "./database";
import { listenInProcess, serviceTestConfig } from "./in-process";
import type { ServiceProcess } from "./processes/service-process";
import { startRedisAndWallet } from "./processes/services";
import { type RedisHandle, startRedis } from "./redis";

/** Where the app's Redis is: a single server's URL (what most tests have), or any topology (`redis`). */
export type DiscountOverrides = Partial<DiscountConfig> & { redisUrl?: string; walletUrl: string };

export function discountTestConfig({ redisUrl, ...overrides }: DiscountOverrides): DiscountConfig {
  const redis = overrides.redis ?? (redisUrl === undefined ? undefined : { mode: "single" as const, url: redisUrl });
  if (!redis) throw new Error("discountTestConfig: give redisUrl or redis");
  return {
    ...serviceTestConfig("file::memory:"),
    redeemAnonymous: false,
    rateLimits: { perPhonePerMinute: 1_000, perIpPerMinute: 1_000_000, couponPerIpPerMinute: 1_000_000 },
    couponDefaults: { amount: 50_000, ttlDays: 30 },
    walletTimeoutMs: 1_000,
    relayIntervalMs: 100,
    orphanSweep: { intervalMs: 100, graceMs: 500 },
    // Receivers in tests listen on loopback over plain HTTP, and retry within the test's time.
    webhooks: {
      allowHttp: true,
      allowPrivate: true,
      timeoutMs: 1_000,
      intervalMs: 50,
      retryBaseMs: 50,
      retryWindowMs: 24 * 3_600_000,
    },
    ...overrides,
    redis,
  };
}

export interface DiscountUnderTest {
  app: DiscountApp;
  url: string;
  store: DiscountStore;
  redis: RedisConnection;
  database: TempDatabase;
  dispose(): Promise<void>;
}

/**
 * Records the SQL of every statement run through the store's `client.execute` until `stop()`:
 * the real client still runs each one. That is every read and write outside a transaction; a
 * transaction's statements (the write queue's) go through the transaction and are not seen.
 * For tests of what a request costs the DB (no lookup, for some refusals).
 */
export function recordStatements(store: DiscountStore): { sql: string[]; stop(): void } {
  const { client } = store;
  const execute = client.execute;
  const sql: string[] = [];
  client.execute = ((stmt: InStatement | string, ...rest: unknown[]) => {
    sql.push(typeof stmt === "string" ? stmt : stmt.sql);
    return (execute as (...args: unknown[]) => Promise<ResultSet>).call(client, stmt, ...rest);
  }) as Client["execute"];
  return {
    sql,
    stop() {
      client.execute = execute;
    },
  };
}

export interface TempDiscountStore {
  store: DiscountStore;
  dispose(): Promise<void>;
}

/** The discount's store on a fresh migrated SQLite file, for tests of its reads and writes without the app. */
export async function startDiscountStore(): Promise<TempDiscountStore> {
  const database = await makeTempDatabase(DISCOUNT_MIGRATIONS);
  const store = await openDiscountStore(database.url, { migrate: false });
  return {
    store,
    async dispose() {
      await store.close();
      database.dispose();
    },
  };
}

/** The real discount app over a fresh migrated SQLite file and a real Redis, listening on a free port. */
export async function startDiscountInProcess(
  overrides: DiscountOverrides,
  options: { clock?: () => number; logger?: Logger } = {},
): Promise<DiscountUnderTest> {
  const database = await makeTempDatabase(DISCOUNT_MIGRATIONS);
  const store = await openDiscountStore(database.url, { migrate: false });
  const config = discountTestConfig({ ...overrides, databaseUrl: database.url });
  const redis = connectRedis(config.redis);
  await whenConnected(redis);
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
      parts.notices.close();
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
