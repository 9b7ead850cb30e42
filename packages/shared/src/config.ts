import { type ArchiveConfig, readArchiveConfig } from "./archive/schedule";
import { readDatabaseTarget } from "./db/target";
import { type EnvReader, LOG_LEVELS, type LogLevel } from "./env";
import { NO_PROXY, parseTrustProxy, type TrustProxy } from "./http/trusted-proxies";

// The env reader lives in its own module so archive/schedule and the logger can use it without importing this one back.
export { ConfigError, type Env, type EnvReader, envReader, LOG_LEVELS, type LogLevel } from "./env";

/** What every HTTP service reads the same way. */
export interface ServiceConfig {
  port: number;
  /** The address to listen on. */
  host: string;
  databaseUrl: string;
  /** `<SERVICE>_DATABASE_AUTH_TOKEN`, for a libSQL server that asks for one. */
  databaseAuthToken: string | undefined;
  jwtSecret: string;
  logLevel: LogLevel;
  /** Whose X-Forwarded-For entries are believed: see trusted-proxies.ts. */
  trustProxy: TrustProxy;
  /** Paths of the certificate chain and key this service serves HTTPS with. */
  tls: { cert: string; key: string } | undefined;
  archive: ArchiveConfig;
  maxBodyBytes: number;
  metrics: MetricsConfig;
}

/**
 * Who may read /metrics (DESIGN §7): on the service's port, a bearer METRICS_TOKEN or an
 * admin/service token; with METRICS_PORT, also anyone who can reach that internal listener.
 */
export interface MetricsConfig {
  /** What Prometheus sends as its bearer token (bearer_token_file). */
  token: string | undefined;
  /** A second listener that serves only /metrics, without a token, on an internal address. */
  listener: { port: number; host: string } | undefined;
}

export const JWT_SECRET_MIN_BYTES = 32;
export const METRICS_TOKEN_MIN_BYTES = 32;

export function readServiceConfig(
  read: EnvReader,
  names: { port: string; databaseUrl: string },
  defaults: { port: number; databaseUrl: string },
): ServiceConfig {
  // Read now so a wrong path is a clear message here, not a stack trace when the server starts.
  const cert = read.file("TLS_CERT")?.path;
  const key = read.file("TLS_KEY")?.path;
  if (Boolean(read.optional("TLS_CERT")) !== Boolean(read.optional("TLS_KEY"))) {
    read.problem("TLS_CERT and TLS_KEY must be set together");
  }
  const port = read.port(names.port, defaults.port);
  const database = readDatabaseTarget(read, names.databaseUrl, defaults.databaseUrl);
  return {
    port,
    host: read.string("HOST", "0.0.0.0"),
    databaseUrl: database.url,
    databaseAuthToken: database.authToken,
    jwtSecret: read.secret("JWT_SECRET", JWT_SECRET_MIN_BYTES),
    logLevel: read.oneOf("LOG_LEVEL", LOG_LEVELS, "info"),
    trustProxy: readTrustProxy(read),
    tls: cert && key ? { cert, key } : undefined,
    archive: readArchiveConfig(read),
    maxBodyBytes: read.int("MAX_BODY_BYTES", 16 * 1024, 1024, 10 * 1024 * 1024),
    metrics: readMetricsConfig(read, { name: names.port, port }),
  };
}

function readMetricsConfig(read: EnvReader, service: { name: string; port: number }): MetricsConfig {
  const token = read.optionalSecret("METRICS_TOKEN", METRICS_TOKEN_MIN_BYTES);
  if (read.optional("METRICS_PORT") === undefined) {
    if (read.optional("METRICS_HOST") !== undefined) read.problem("METRICS_HOST is only used with METRICS_PORT");
    return { token, listener: undefined };
  }
  const port = read.int("METRICS_PORT", 0, 1, 65535);
  if (port === service.port) read.problem(`METRICS_PORT must differ from ${service.name} (${port})`);
  // Loopback by default: the tokenless listener must not face the network unless an operator says so.
  return { token, listener: { port, host: read.string("METRICS_HOST", "127.0.0.1") } };
}

function readTrustProxy(read: EnvReader): TrustProxy {
  const trust = parseTrustProxy(read.optional("TRUST_PROXY"));
  if ("problem" in trust) {
    read.problem(trust.problem);
    return NO_PROXY;
  }
  return trust;
}
