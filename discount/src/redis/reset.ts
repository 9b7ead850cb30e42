import { Cluster } from "ioredis";
import type { RedisConnection } from "./connection";

/** Keys scanned per SCAN call, and so deleted per pipeline. */
const SCAN_BATCH = 1_000;

/**
 * Drops every gift campaign's gate "ready" mark, so the next claim rebuilds that gate
 * from the database (after a restore: the gate still holds winners the backup does not).
 * SCAN sees one server's keys, so a Cluster is scanned master by master; each key is
 * deleted on its own, since the marks of different campaigns live in different slots
 * and a Cluster refuses a DEL across slots. Returns how many marks were dropped.
 */
export async function resetCapGates(redis: RedisConnection): Promise<number> {
  const servers = redis instanceof Cluster ? redis.nodes("master") : [redis];
  let dropped = 0;
  for (const server of servers) {
    let cursor = "0";
    do {
      const [next, keys] = await server.scan(cursor, "MATCH", "{gift:*}:ready", "COUNT", SCAN_BATCH);
      const pipeline = server.pipeline();
      for (const key of keys) pipeline.del(key);
      for (const [error, count] of (await pipeline.exec()) ?? []) {
        if (error) throw error;
        dropped += Number(count);
      }
      cursor = next;
    } while (cursor !== "0");
  }
  return dropped;
}
