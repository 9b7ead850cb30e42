import { type Env, type EnvReader, envReader, readServiceConfig, type ServiceConfig } from "@matchday/shared/config";
import { readDatabaseTarget } from "@matchday/shared/db";

const DEFAULT_DATABASE_URL = "file:data/discount.db";

export interface RedisNode {
  host: string;
  port: number;
}

/**
 * Where Redis is (DESIGN §10): one server (REDIS_URL), a Sentinel set that names the
 * master (REDIS_SENTINELS + REDIS_SENTINEL_MASTER), or a Cluster (REDIS_CLUSTER_NODES,
 * any few of its nodes as seeds). Sentinel and Cluster take the data nodes' password
 * from REDIS_PASSWORD; a single server's URL carries its own.
 */
export type RedisTopology =
  | { mode: "single"; url: string }
  | { mode: "sentinel"; sentinels: RedisNode[]; masterName: string; password?: string }
  | { mode: "cluster"; nodes: RedisNode[]; password?: string };

export interface DiscountConfig extends ServiceConfig {
  redis: RedisTopology;
  walletUrl: string;
  /**
   * TLS_CA: the CA certificates (PEM) trusted for the wallet's HTTPS certificate, for a wallet
   * whose certificate a private CA signed. Set, they replace the public roots for these calls.
   */
  walletCa?: string;
  /** Redeem without a token, phone in the body: demos only. */
  redeemAnonymous: boolean;
  rateLimits: {
    /** Redeem attempts per phone per minute. */
    perPhonePerMinute: number;
    /** Redeem attempts per client IP per minute (carriers put many users behind one IP). */
    perIpPerMinute: number;
    /** Coupon redeem attempts per client IP per minute: guessing codes must be slow. */
    couponPerIpPerMinute: number;
  };
  /** What POST /generate-coupon gives a coupon when the body does not say. */
  couponDefaults: { amount: number; ttlDays: number };
  /** How long the request path waits for the wallet before answering `pending`. */
  walletTimeoutMs: number;
  /** How often the outbox relay looks for credits to deliver. */
  relayIntervalMs: number;
  /** Orphaned gate slots (DESIGN §4): how often each instance looks, and how old one must be to be recorded. */
  orphanSweep: { intervalMs: number; graceMs: number };
  webhooks: WebhookConfig;
}

/** Signed webhooks: which destinations are allowed, and how deliveries are paced. */
export interface WebhookConfig {
  /** WEBHOOK_ALLOW_HTTP: plain http: destinations too (https: only by default). */
  allowHttp: boolean;
  /** WEBHOOK_ALLOW_PRIVATE: loopback, private and link-local destinations too (tests, closed networks). */
  allowPrivate: boolean;
  /** How long one delivery attempt may take before it counts as failed. */
  timeoutMs: number;
  /** How often the background loop looks for events to send. */
  intervalMs: number;
  /** The first retry's delay; each later one doubles it (with jitter), up to an hour. */
  retryBaseMs: number;
  /** How long a delivery is retried, and how long an endpoint may fail every attempt before it is disabled. */
  retryWindowMs: number;
}

const HOUR_MS = 3_600_000;

/** Reads and checks the discount service's environment once; throws ConfigError naming every problem. */
export function loadDiscountConfig(env: Env): DiscountConfig {
  const read = envReader(env);
  const config: DiscountConfig = {
    ...readServiceConfig(
      read,
      { port: "DISCOUNT_PORT", databaseUrl: "DISCOUNT_DATABASE_URL" },
      { port: 3002, databaseUrl: DEFAULT_DATABASE_URL },
    ),
    redis: readRedisTopology(read),
    walletUrl: read.url("WALLET_URL", "http://127.0.0.1:3001", ["http:", "https:"]),
    walletCa: read.certificates("TLS_CA"),
    redeemAnonymous: read.bool("REDEEM_ANONYMOUS", false),
    rateLimits: {
      perPhonePerMinute: read.int("RATE_LIMIT_PHONE_PER_MINUTE", 10, 1, 1_000_000),
      perIpPerMinute: read.int("RATE_LIMIT_IP_PER_MINUTE", 600, 1, 10_000_000),
      couponPerIpPerMinute: read.int("RATE_LIMIT_COUPON_IP_PER_MINUTE", 5, 1, 1_000_000),
    },
    couponDefaults: readCouponDefaults(read),
    walletTimeoutMs: read.int("WALLET_TIMEOUT_MS", 1500, 50, 60_000),
    relayIntervalMs: read.int("RELAY_INTERVAL_MS", 500, 10, 60_000),
    orphanSweep: {
      intervalMs: read.int("ORPHAN_SWEEP_INTERVAL_MS", 1_000, 10, 60_000),
      graceMs: read.int("ORPHAN_GRACE_MS", 3_000, 100, 600_000),
    },
    webhooks: {
      allowHttp: read.bool("WEBHOOK_ALLOW_HTTP", false),
      allowPrivate: read.bool("WEBHOOK_ALLOW_PRIVATE", false),
      timeoutMs: read.int("WEBHOOK_TIMEOUT_MS", 5_000, 100, 60_000),
      intervalMs: read.int("WEBHOOK_INTERVAL_MS", 1_000, 10, 60_000),
      retryBaseMs: read.int("WEBHOOK_RETRY_BASE_MS", 5_000, 10, 600_000),
      // At least a day: a receiver down overnight still gets every event once it is back.
      retryWindowMs: read.int("WEBHOOK_RETRY_HOURS", 72, 24, 24 * 30) * HOUR_MS,
    },
  };
  read.done();
  return config;
}

/** `host:port,host:port`: the list must name at least one node, each with a port. */
function readNodes(read: EnvReader, name: string, value: string): RedisNode[] {
  const nodes = value.split(",").map((entry) => {
    // An IPv6 address is bracketed, as in a URL: [fd00::1]:7000. The client takes it bare.
    const match = /^\s*(?:([^\s:[\]]+)|\[([^\]]+)\]):(\d{1,5})\s*$/.exec(entry);
    const port = Number(match?.[3]);
    const host = match?.[1] ?? match?.[2];
    return host && port >= 1 && port <= 65_535 ? { host, port } : undefined;
  });
  if (nodes.some((node) => node === undefined)) read.problem(`${name} must be host:port,host:port,..., got "${value}"`);
  return nodes.filter((node) => node !== undefined);
}

/** Shared with the backup script, which resets the cap gates wherever they are. */
export function readRedisTopology(read: EnvReader): RedisTopology {
  const sentinels = read.optional("REDIS_SENTINELS");
  const clusterNodes = read.optional("REDIS_CLUSTER_NODES");
  const password = read.optional("REDIS_PASSWORD");
  const chosen = [
    read.optional("REDIS_URL") && "REDIS_URL",
    sentinels && "REDIS_SENTINELS",
    clusterNodes && "REDIS_CLUSTER_NODES",
  ];
  const set = chosen.filter(Boolean);
  if (set.length > 1)
    read.problem(`set only one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES; got ${set.join(", ")}`);
  if (sentinels) {
    const masterName = read.string("REDIS_SENTINEL_MASTER", "mymaster");
    return { mode: "sentinel", sentinels: readNodes(read, "REDIS_SENTINELS", sentinels), masterName, password };
  }
  if (clusterNodes) return { mode: "cluster", nodes: readNodes(read, "REDIS_CLUSTER_NODES", clusterNodes), password };
  return { mode: "single", url: read.url("REDIS_URL", "redis://127.0.0.1:6379", ["redis:", "rediss:"]) };
}

/** Shared with the coupon CLI, which needs no secret, port or Redis. */
export function readCouponDefaults(read: EnvReader): DiscountConfig["couponDefaults"] {
  return {
    amount: read.int("COUPON_DEFAULT_AMOUNT", 100_000, 1, 1_000_000_000_000),
    // 0: coupons never expire unless the request gives an expiry.
    ttlDays: read.int("COUPON_DEFAULT_TTL_DAYS", 30, 0, 3650),
  };
}

/** Where the discount database is, read as the service reads it. */
export const readDiscountDatabase = (read: EnvReader) =>
  readDatabaseTarget(read, "DISCOUNT_DATABASE_URL", DEFAULT_DATABASE_URL);
