import { type Env, envReader } from "@matchday/shared/config";

export interface BffConfig {
  port: number;
  host: string;
  /** Verifies the users' tokens and signs the BFF's own service token: the services share it. */
  jwtSecret: string;
  walletUrl: string;
  discountUrl: string;
  /** PEM CA certificates for HTTPS services with a private CA. */
  ca: string | undefined;
  /** How long a call to either service may take before the user hears 504. */
  timeoutMs: number;
}

/** Reads and checks the BFF's environment once; throws ConfigError naming every problem. */
export function loadBffConfig(env: Env): BffConfig {
  const read = envReader(env);
  const web = ["http:", "https:"];
  const config = {
    port: read.port("BFF_PORT", 3000),
    host: read.string("HOST", "0.0.0.0"),
    jwtSecret: read.secret("JWT_SECRET", 32),
    walletUrl: read.url("WALLET_URL", "http://127.0.0.1:3001", web),
    discountUrl: read.url("DISCOUNT_URL", "http://127.0.0.1:3002", web),
    ca: read.certificates("TLS_CA"),
    timeoutMs: read.int("BFF_TIMEOUT_MS", 3_000, 100, 60_000),
  };
  read.done();
  return config;
}
