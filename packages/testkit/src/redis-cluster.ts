import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RedisClient } from "bun";
import { freePort, waitFor } from "./processes/ports";
import { redisNodeProcesses, spawnRedisServer } from "./redis";

export interface RedisNodeAddress {
  host: string;
  port: number;
}

export interface RedisClusterHandle {
  /** Every node, masters first: any of them is a seed for a cluster client. */
  nodes: RedisNodeAddress[];
  /**
   * The discount service's environment for this cluster (REDIS_CLUSTER_NODES), with REDIS_URL
   * emptied: one inherited from the shell would be a second topology, which the service refuses.
   */
  env: Record<string, string>;
  /** The nodes that serve slots, as the cluster was created (before any failover). */
  masters: RedisNodeAddress[];
  /** The process id of one node (undefined once killed): to freeze it with SIGSTOP. */
  pid(node: RedisNodeAddress): number | undefined;
  /** SIGKILLs one node: with no replica to take over, its slots are lost and the cluster fails. */
  kill(node: RedisNodeAddress): Promise<void>;
  /** Stops every node and removes their files. */
  dispose(): Promise<void>;
}

const HOST = "127.0.0.1";

/** A client of one node, with the password when the nodes require one. */
export function nodeClient(node: RedisNodeAddress, password?: string): RedisClient {
  const auth = password ? `:${encodeURIComponent(password)}@` : "";
  return new RedisClient(`redis://${auth}${node.host}:${node.port}`, { connectionTimeout: 500, autoReconnect: false });
}

/** The raw reply of CLUSTER INFO on one node, or "" when it does not answer. */
export async function clusterInfo(node: RedisNodeAddress, password?: string): Promise<string> {
  const client = nodeClient(node, password);
  try {
    return String(await client.send("CLUSTER", ["INFO"]));
  } catch {
    return "";
  } finally {
    client.close();
  }
}

/** The masters as one node sees them (CLUSTER NODES): redis-cli chose which addresses they are. */
async function mastersOf(node: RedisNodeAddress, password?: string): Promise<RedisNodeAddress[]> {
  const client = nodeClient(node, password);
  try {
    const lines = String(await client.send("CLUSTER", ["NODES"]))
      .trim()
      .split("\n");
    return lines
      .map((line) => line.split(" "))
      .filter((fields) => fields[2]?.split(",").includes("master"))
      .map((fields) => ({ host: HOST, port: Number(fields[1]?.split(/[:@]/)[1]) }));
  } finally {
    client.close();
  }
}

/**
 * The master now serving `key`'s hash slot, as `node` sees it (CLUSTER KEYSLOT, then the
 * slot ranges of CLUSTER NODES): what a test kills to fail over the keys it is using.
 */
export async function masterServing(node: RedisNodeAddress, key: string, password?: string): Promise<RedisNodeAddress> {
  const client = nodeClient(node, password);
  try {
    const slot = Number(await client.send("CLUSTER", ["KEYSLOT", key]));
    const lines = String(await client.send("CLUSTER", ["NODES"]))
      .trim()
      .split("\n");
    for (const fields of lines.map((line) => line.split(" "))) {
      const flags = fields[2]?.split(",") ?? [];
      if (!flags.includes("master") || flags.includes("fail")) continue;
      // Fields 8 on are slot ranges ("0-5460" or "42"); "[...]" entries are slots in migration.
      const serves = fields.slice(8).some((range) => {
        if (range.startsWith("[")) return false;
        const [from, to = from] = range.split("-").map(Number);
        return slot >= (from as number) && slot <= (to as number);
      });
      if (serves) return { host: HOST, port: Number(fields[1]?.split(/[:@]/)[1]) };
    }
    throw new Error(`no master serves slot ${slot} of ${key}`);
  } finally {
    client.close();
  }
}

/**
 * A real Redis Cluster on free ports, private to the calling test file: `masters` nodes
 * sharing the 16,384 slots, each with `replicas` replicas (3 + 3 by default), made by
 * `redis-cli --cluster create` as an operator would. A short node timeout (1 s) makes a
 * killed node count as failed quickly, so tests of a broken cluster stay fast; it returns
 * once every replica has synced, so a master killed at once is failed over. With a
 * `password`, every node requires it (replicas use it to sync) and `env` carries it.
 */
export async function startRedisCluster(
  options: { masters?: number; replicas?: number; password?: string } = {},
): Promise<RedisClusterHandle> {
  const { masters: masterCount = 3, replicas = 1, password } = options;
  const auth = password ? ["--requirepass", password, "--masterauth", password] : [];
  const root = mkdtempSync(join(tmpdir(), "matchday-redis-cluster-"));
  const nodes = Array.from({ length: masterCount * (1 + replicas) }, () => ({ host: HOST, port: freePort() }));
  let masters: RedisNodeAddress[] = [];
  const procs = redisNodeProcesses();
  const stopAll = async () => {
    await procs.stopAll();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (const node of nodes) {
      const dir = join(root, String(node.port));
      mkdirSync(dir);
      const clusterArgs = ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"];
      // No 5 s wait before a replica's first sync (diskless sync's default): a replica that
      // never synced refuses to take over, so a test killing a master early would see no failover.
      const args = [...clusterArgs, "--cluster-node-timeout", "1000", "--repl-diskless-sync-delay", "0", ...auth];
      procs.add(node.port, spawnRedisServer(node.port, dir, args));
    }
    await Promise.all(
      nodes.map((node) => waitFor(`cluster node ${node.port}`, async () => (await clusterInfo(node, password)) !== "")),
    );
    const create = Bun.spawn(
      [
        "redis-cli",
        "--cluster",
        "create",
        ...nodes.map((n) => `${n.host}:${n.port}`),
        "--cluster-replicas",
        String(replicas),
        "--cluster-yes",
        ...(password ? ["-a", password, "--no-auth-warning"] : []),
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    if ((await create.exited) !== 0) {
      throw new Error(`redis-cli --cluster create failed: ${await new Response(create.stderr).text()}`);
    }
    await Promise.all(
      nodes.map((node) =>
        waitFor(`cluster_state:ok on ${node.port}`, async () =>
          (await clusterInfo(node, password)).includes("cluster_state:ok"),
        ),
      ),
    );
    masters = await mastersOf(nodes[0] as RedisNodeAddress, password);
    const replicaNodes = nodes.filter((node) => !masters.some((m) => m.port === node.port));
    await Promise.all(
      replicaNodes.map((node) =>
        waitFor(`replica ${node.port} in sync`, async () => {
          const client = nodeClient(node, password);
          try {
            return String(await client.send("INFO", ["replication"])).includes("master_link_status:up");
          } finally {
            client.close();
          }
        }),
      ),
    );
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    nodes,
    env: {
      REDIS_URL: "",
      REDIS_CLUSTER_NODES: nodes.map((n) => `${n.host}:${n.port}`).join(","),
      ...(password ? { REDIS_PASSWORD: password } : {}),
    },
    masters,
    pid: procs.pid,
    kill: procs.kill,
    dispose: stopAll,
  };
}
