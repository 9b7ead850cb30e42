import Redis from "ioredis";

/**
 * One ioredis connection per process, with auto-pipelining: commands issued in the
 * same tick (the gate, two rate-limit checks) share one round trip. Commands fail
 * fast while Redis is down instead of queueing behind a reconnect, so a claim hears
 * 503 at once rather than hanging.
 */
export function connectRedis(url: string): Redis {
  return new Redis(url, {
    enableAutoPipelining: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
    lazyConnect: false,
  });
}
