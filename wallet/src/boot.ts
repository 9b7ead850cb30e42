import type { Env } from "@matchday/shared/config";
import { createLogger } from "@matchday/shared/logger";
import { Registry } from "@matchday/shared/metrics";
import { type BootedService, runStopHooks } from "@matchday/shared/runtime/service";
import { createApp, type WalletApp } from "./app";
import { startBackground } from "./background";
import { loadWalletConfig } from "./config";
import { openWalletStore } from "./db/store";

/**
 * The wallet built from its environment, whichever runtime serves it: config parsed
 * once (ConfigError names every problem), the store opened and migrated, the app wired
 * and the process's background work (archiving) started.
 */
export async function bootWallet(env: Env): Promise<BootedService<WalletApp>> {
  const config = loadWalletConfig(env);
  const logger = createLogger({ level: config.logLevel, service: "wallet" });
  const store = await openWalletStore(config.databaseUrl, { authToken: config.databaseAuthToken });
  const metrics = new Registry();
  const app = createApp({ config, store, logger, registry: metrics });
  const background = startBackground({ config, store, logger });
  return {
    name: "wallet",
    config,
    hostname: config.host,
    logger,
    app,
    metrics,
    async close() {
      await background.stop(); // an archive run in hand finishes
      await runStopHooks(app); // the ledger writer finishes its batch in hand
      await store.close();
    },
  };
}
