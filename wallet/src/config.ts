import { type Env, envReader, readServiceConfig, type ServiceConfig } from "@matchday/shared/config";

export type WalletConfig = ServiceConfig;

/** Reads and checks the wallet's environment once; throws ConfigError naming every problem. */
export function loadWalletConfig(env: Env): WalletConfig {
  const read = envReader(env);
  const config = readServiceConfig(
    read,
    { port: "WALLET_PORT", databaseUrl: "WALLET_DATABASE_URL" },
    { port: 3001, databaseUrl: "file:data/wallet.db" },
  );
  read.done();
  return config;
}
