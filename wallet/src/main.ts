import { ConfigError, createLogger } from "@matchday/shared";
import { createApp } from "./app";
import { loadWalletConfig } from "./config";
import { openWalletStore } from "./db/store";

/** Entry point: read env, open the store (migrating it), listen, and drain on SIGTERM. */
let config: ReturnType<typeof loadWalletConfig>;
try {
  config = loadWalletConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`wallet: ${error.message}`);
    process.exit(1);
  }
  throw error;
}

const logger = createLogger({ level: config.logLevel, service: "wallet" });
const store = await openWalletStore(config.databaseUrl);
const app = createApp({ config, store, logger }).listen({
  port: config.port,
  hostname: process.env.HOST ?? "0.0.0.0",
  maxRequestBodySize: config.maxBodyBytes,
  ...(config.tls ? { tls: { cert: Bun.file(config.tls.cert), key: Bun.file(config.tls.key) } } : {}),
});
logger.info({ port: app.server?.port }, "wallet listening");

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "wallet stopping: draining in-flight requests");
  await app.stop(false); // stop accepting; wait for in-flight requests
  await store.close(); // finish queued writes, then close the DB
  logger.info("wallet stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
