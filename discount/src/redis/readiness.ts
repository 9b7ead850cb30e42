import { Cluster } from "ioredis";
import type { RedisConnection } from "./connection";

/** Every slot of a Redis Cluster. */
const SLOTS = 16_384;

/**
 * Every master the client knows says the cluster is healthy and all its slots are
 * served: one node answering a ping says nothing about the slots the others hold, and
 * a claim for a campaign on a failed slot range would fail.
 */
async function clusterReady(cluster: Cluster): Promise<void> {
  const masters = cluster.nodes("master");
  if (masters.length === 0) throw new Error("redis cluster: no master known yet");
  await Promise.all(
    masters.map(async (node) => {
      const info = String(await node.cluster("INFO"));
      const field = (name: string) => new RegExp(`^${name}:(\\S+)`, "m").exec(info)?.[1];
      if (field("cluster_state") !== "ok") throw new Error(`redis cluster: state ${field("cluster_state")}`);
      if (Number(field("cluster_slots_ok")) !== SLOTS) {
        throw new Error(`redis cluster: ${field("cluster_slots_ok")} of ${SLOTS} slots served`);
      }
    }),
  );
}

/**
 * /ready's Redis check: the gate can run its scripts. A single server answers a ping;
 * the server a Sentinel set named must still be the master (a demoted one refuses
 * writes); a Cluster must be whole.
 */
export async function redisReady(redis: RedisConnection, mode: "single" | "sentinel" | "cluster"): Promise<void> {
  if (redis instanceof Cluster) return clusterReady(redis);
  if (mode === "sentinel") {
    const [role] = (await redis.call("ROLE")) as [string];
    if (role !== "master") throw new Error(`redis: the sentinels' master answers as ${role}`);
    return;
  }
  await redis.ping();
}
