import { ConfigError, createLogger } from "@matchday/shared";
import { createApp } from "./app";
import { type DiscountConfig, loadDiscountConfig } from "./config";
import { openDiscountStore } from "./db/store";
import { connectRedis } from "./redis/connection";

/** Entry point: read env, open the store (migrating it) and Redis, listen, and drain on SIGTERM. */
let config: DiscountConfig;
try {
  config = loadDiscountConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`discount: ${error.message}`);
    process.exit(1);
  }
  throw error;
}

const logger = createLogger({ level: config.logLevel, service: "discount" });
const store = await openDiscountStore(config.databaseUrl);
const redis = connectRedis(config.redisUrl);
redis.on("error", (err) => logger.warn({ err: err.message }, "redis connection problem"));

const app = createApp({ config, store, redis, logger }).listen({
  port: config.port,
  hostname: process.env.HOST ?? "0.0.0.0",
  maxRequestBodySize: config.maxBodyBytes,
  ...(config.tls ? { tls: { cert: Bun.file(config.tls.cert), key: Bun.file(config.tls.key) } } : {}),
});
logger.info({ port: app.server?.port }, "discount listening");

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "discount stopping: draining in-flight requests and the outbox batch in hand");
  await app.stop(false);
  await store.close();
  redis.disconnect();
  logger.info("discount stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
