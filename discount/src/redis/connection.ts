import Redis, { Cluster, type RedisOptions } from "ioredis";
import type { RedisTopology } from "../config";

/**
 * What the gate, the rate limiter and /ready use: a client of one server (single,
 * or the master a Sentinel set names) or of a Cluster. Every multi-key command and
 * script they send names keys of one hash slot (`{gift:CODE}`, one limiter key), so
 * the same calls work on all three.
 */
export type RedisConnection = Redis | Cluster;

/**
 * Commands fail fast while Redis is down instead of queueing behind a reconnect, so a
 * claim hears 503 at once rather than hanging. Auto-pipelining: commands issued in the
 * same tick (the gate, two rate-limit checks) share one round trip (per node, on a Cluster).
 */
const COMMON: RedisOptions = {
  maxRetriesPerRequest: 1,
  enableOfflineQueue: false,
  connectTimeout: 2_000,
  retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
  lazyConnect: false,
};

type ClusterTopology = Extract<RedisTopology, { mode: "cluster" }>;

/** One connection per process, to wherever the config says Redis is. */
export function connectRedis(topology: ClusterTopology): Cluster;
export function connectRedis(topology: Exclude<RedisTopology, ClusterTopology>): Redis;
export function connectRedis(topology: RedisTopology): RedisConnection;
export function connectRedis(topology: RedisTopology): RedisConnection {
  switch (topology.mode) {
    case "single":
      return new Redis(topology.url, { ...COMMON, enableAutoPipelining: true });
    case "sentinel":
      // ioredis asks the sentinels for the master, and asks again after a failover.
      return new Redis({
        ...COMMON,
        enableAutoPipelining: true,
        sentinels: topology.sentinels,
        name: topology.masterName,
        password: topology.password,
      });
    case "cluster":
      return new Cluster(topology.nodes, {
        enableAutoPipelining: true,
        enableOfflineQueue: false,
        // A MOVED or a failover refreshes the slot map; a command is re-sent this many times.
        maxRedirections: 16,
        clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
        redisOptions: { ...COMMON, password: topology.password },
      });
  }
}

/** Resolves once the client can take commands (it refuses them before, having no offline queue). */
export function whenConnected(redis: RedisConnection, timeoutMs = 10_000): Promise<void> {
  if (redis.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis did not connect within ${timeoutMs} ms`)), timeoutMs);
    redis.once("ready", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
