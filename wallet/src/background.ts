import { scheduleArchiving } from "@matchday/shared/archive";
import type { Clock } from "@matchday/shared/clock";
import type { Logger } from "@matchday/shared/logger";
import type { WalletConfig } from "./config";
import type { WalletStore } from "./db/store";
import { ledgerArchiveSource } from "./modules/archive/ledger-source";

/**
 * The process's timers, started by its entry (boot) and not by the app, as in the
 * discount service: today only archiving. `stop` waits for a run in hand.
 */
export function startBackground(parts: { config: WalletConfig; store: WalletStore; logger: Logger; clock?: Clock }) {
  const { config, store, logger, clock = Date.now } = parts;
  return scheduleArchiving({
    config: config.archive,
    service: "wallet",
    sources: [ledgerArchiveSource(store)],
    logger,
    clock,
  });
}
