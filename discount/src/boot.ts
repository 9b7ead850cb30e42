import type { Env } from "@matchday/shared/config";
import { createLogger } from "@matchday/shared/logger";
import { Registry } from "@matchday/shared/metrics";
import { type BootedService, runStopHooks } from "@matchday/shared/runtime/service";
import { createApp, type DiscountApp } from "./app";
import { startBackground } from "./background";
import { loadDiscountConfig } from "./config";
import { openDiscountStore } from "./db/store";
import { connectRedis } from "./redis/connection";
import { wireDiscount } from "./wiring";

/**
 * The discount service built from its environment, whichever runtime serves it: config
 * parsed once (ConfigError names every problem), the store opened and migrated, Redis
 * connected, the parts wired, the app built and the process's background work started
 * (outbox relay, orphan sweep, archiving).
 */
export async function bootDiscount(env: Env): Promise<BootedService<DiscountApp>> {
  const config = loadDiscountConfig(env);
  const logger = createLogger({ level: config.logLevel, service: "discount" });
  const store = await openDiscountStore(config.databaseUrl, { authToken: config.databaseAuthToken });
  const redis = connectRedis(config.redis);
  redis.on("error", (err) => logger.warn({ err: err.message }, "redis connection problem"));
  const metrics = new Registry();
  const parts = wireDiscount({ config, store, redis, logger, registry: metrics });
  const app = createApp(parts);
  const background = startBackground(parts);
  return {
    name: "discount",
    config,
    hostname: config.host,
    logger,
    app,
    metrics,
    async close() {
      await background.stop(); // the relay finishes its batch in hand
      await runStopHooks(app); // the write queue drains
      await store.close();
      parts.notices.close();
      redis.disconnect();
    },
  };
}
