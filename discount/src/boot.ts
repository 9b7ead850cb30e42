import type { Env } from "@matchday/shared/config";
import { createLogger } from "@matchday/shared/logger";
import { Registry } from "@matchday/shared/metrics";
import { type BootedService, runStopHooks } from "@matchday/shared/runtime/service";
import { createApp, type DiscountApp } from "./app";
import { loadDiscountConfig } from "./config";
import { openDiscountStore } from "./db/store";
import { connectRedis } from "./redis/connection";

/**
 * The discount service built from its environment, whichever runtime serves it: config
 * parsed once (ConfigError names every problem), the store opened and migrated, Redis
 * connected, the app wired (which starts the outbox relay).
 */
export async function bootDiscount(env: Env): Promise<BootedService<DiscountApp>> {
  const config = loadDiscountConfig(env);
  const logger = createLogger({ level: config.logLevel, service: "discount" });
  const store = await openDiscountStore(config.databaseUrl);
  const redis = connectRedis(config.redisUrl);
  redis.on("error", (err) => logger.warn({ err: err.message }, "redis connection problem"));
  const metrics = new Registry();
  const app = createApp({ config, store, redis, logger, registry: metrics });
  return {
    name: "discount",
    config,
    hostname: config.host,
    logger,
    app,
    metrics,
    async close() {
      await runStopHooks(app); // the relay finishes its batch in hand; the write queue drains
      await store.close();
      redis.disconnect();
    },
  };
}
