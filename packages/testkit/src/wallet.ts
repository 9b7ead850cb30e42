import { createTokenVerifier } from "@matchday/shared/auth";
import { createLogger, type Logger } from "@matchday/shared/logger";
import { createApp, type WalletApp } from "@matchday/wallet/app";
import { startBackground } from "@matchday/wallet/background";
import type { WalletConfig } from "@matchday/wallet/config";
import { openWalletStore, WALLET_MIGRATIONS, type WalletStore } from "@matchday/wallet/db/store";
import { makeTempDatabase, type TempDatabase } from "./database";
import { bearer } from "./http/tokens";
import { listenInProcess, serviceTestConfig } from "./in-process";

export function walletTestConfig(databaseUrl: string): WalletConfig {
  return serviceTestConfig(databaseUrl);
}

export interface WalletUnderTest {
  app: WalletApp;
  /** Base URL of the app listening on a real port. */
  url: string;
  store: WalletStore;
  database: TempDatabase;
  logger: Logger;
  dispose(): Promise<void>;
}

/**
 * The real wallet app over a fresh migrated SQLite file, listening on a free port.
 * `clock` dates ledger entries (archiving tests write months of history in a
 * moment); tokens are still checked against the real time they were minted in.
 */
export async function startWalletInProcess(options: { clock?: () => number } = {}): Promise<WalletUnderTest> {
  const database = await makeTempDatabase(WALLET_MIGRATIONS);
  const store = await openWalletStore(database.url, { migrate: false });
  const logger = createLogger({ level: "silent", service: "wallet" });
  const config = walletTestConfig(database.url);
  const verifyToken = createTokenVerifier(config.jwtSecret);
  // As boot does: the app starts nothing; the process's timers start beside it.
  const background = startBackground({ config, store, logger, clock: options.clock });
  const { app, url, stop } = listenInProcess(
    createApp({ config, store, logger, clock: options.clock, verifyToken }),
    logger,
    background,
  );
  return {
    app,
    url,
    store,
    database,
    logger,
    async dispose() {
      await stop();
      await store.close();
      database.dispose();
    },
  };
}

/** Balance and ledger sum straight from the DB, for invariant checks. */
export async function ledgerTotals(store: WalletStore, phone: string) {
  const { rows } = await store.client.execute({
    sql: `SELECT (SELECT balance FROM wallets WHERE phone = ?1) AS balance,
                 (SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE phone = ?1) AS ledgerSum,
                 (SELECT COUNT(*) FROM ledger WHERE phone = ?1) AS entries`,
    args: [phone],
  });
  const row = rows[0] as unknown as { balance: number | null; ledgerSum: number; entries: number };
  return { balance: row.balance ?? 0, ledgerSum: Number(row.ledgerSum), entries: Number(row.entries) };
}

/** Requests a wallet (in process or not) has answered on these routes so far, any method and status, from its metrics. */
export async function walletRequestsTo(walletUrl: string, routes: string[]): Promise<number> {
  const res = await fetch(`${walletUrl}/metrics`, { headers: await bearer("admin") });
  let total = 0;
  for (const [, route, n] of (await res.text()).matchAll(/^http_requests_total\{[^}]*route="([^"]+)"[^}]*\} (\d+)$/gm))
    if (routes.includes(route as string)) total += Number(n);
  return total;
}
