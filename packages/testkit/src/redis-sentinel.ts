import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "./processes/ports";
import { redisNodeProcesses, spawnRedisServer } from "./redis";
import { nodeClient, type RedisNodeAddress } from "./redis-cluster";

export interface RedisSentinelHandle {
  /** The name the sentinels monitor the master by. */
  masterName: string;
  master: RedisNodeAddress;
  replica: RedisNodeAddress;
  sentinels: RedisNodeAddress[];
  /** The discount service's environment for this set (REDIS_SENTINELS, REDIS_SENTINEL_MASTER), REDIS_URL emptied as for a cluster. */
  env: Record<string, string>;
  /** The process id of one node (undefined once killed): to freeze it with SIGSTOP. */
  pid(node: RedisNodeAddress): number | undefined;
  /** SIGKILLs one server (the master, to make the sentinels fail over to the replica). */
  kill(node: RedisNodeAddress): Promise<void>;
  /** The master's address as the sentinels now give it. */
  currentMaster(): Promise<RedisNodeAddress>;
  /** Stops every server and sentinel and removes their files. */
  dispose(): Promise<void>;
}

const HOST = "127.0.0.1";
const MASTER_NAME = "matchday";

async function ask(node: RedisNodeAddress, command: string, args: string[], password?: string): Promise<unknown> {
  const client = nodeClient(node, password);
  try {
    return await client.send(command, args);
  } finally {
    client.close();
  }
}

/**
 * A real Sentinel set on free ports, private to the calling test file: a master, one
 * replica of it and 3 sentinels (quorum 2) watching them. A master is down after 1 s
 * without answering, so a failover takes ~2 s, not half a minute; the start (~2 s) waits until
 * the sentinels know the replica and each other, so a test may kill the master at once.
 * With a `password`, both servers require it (the sentinels know it; they need none
 * themselves) and `env` carries it.
 */
export async function startRedisSentinel(options: { password?: string } = {}): Promise<RedisSentinelHandle> {
  const { password } = options;
  // Either server may be the master after a failover: both require and present the password.
  const auth = password ? ["--requirepass", password, "--masterauth", password] : [];
  const root = mkdtempSync(join(tmpdir(), "matchday-redis-sentinel-"));
  const master = { host: HOST, port: freePort() };
  const replica = { host: HOST, port: freePort() };
  const sentinels = Array.from({ length: 3 }, () => ({ host: HOST, port: freePort() }));
  const procs = redisNodeProcesses();
  const dirOf = (node: RedisNodeAddress) => {
    const dir = join(root, String(node.port));
    mkdirSync(dir);
    return dir;
  };
  const stopAll = async () => {
    await procs.stopAll();
    rmSync(root, { recursive: true, force: true });
  };
  const currentMaster = async (): Promise<RedisNodeAddress> => {
    const sentinel = sentinels[0] as RedisNodeAddress;
    const reply = (await ask(sentinel, "SENTINEL", ["get-master-addr-by-name", MASTER_NAME])) as string[] | null;
    if (!reply) throw new Error(`the sentinels do not know ${MASTER_NAME}`);
    return { host: String(reply[0]), port: Number(reply[1]) };
  };
  try {
    // No 5 s wait for more replicas before the first sync (diskless sync's default).
    procs.add(master.port, spawnRedisServer(master.port, dirOf(master), ["--repl-diskless-sync-delay", "0", ...auth]));
    procs.add(
      replica.port,
      spawnRedisServer(replica.port, dirOf(replica), ["--replicaof", HOST, String(master.port), ...auth]),
    );
    // Synced before the sentinels start: their first INFO of the master then lists the
    // replica, where one arriving later is only seen at the next INFO, 10 s on.
    await waitFor("the replica in sync", async () =>
      String(await ask(replica, "INFO", ["replication"], password)).includes("master_link_status:up"),
    );
    for (const sentinel of sentinels) {
      // A sentinel rewrites its config file as it learns the set, so each gets its own.
      const dir = dirOf(sentinel);
      const conf = join(dir, "sentinel.conf");
      writeFileSync(
        conf,
        [
          `port ${sentinel.port}`,
          `bind ${HOST}`,
          `dir ${dir}`,
          `sentinel monitor ${MASTER_NAME} ${HOST} ${master.port} 2`,
          `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
          `sentinel failover-timeout ${MASTER_NAME} 5000`,
          ...(password ? [`sentinel auth-pass ${MASTER_NAME} ${password}`] : []),
          "",
        ].join("\n"),
      );
      procs.add(
        sentinel.port,
        Bun.spawn(["redis-server", conf, "--sentinel"], { stdout: "ignore", stderr: "inherit" }),
      );
    }
    // Ready for a failover: each sentinel sees the replica and the two other sentinels
    // (they find each other through hello messages on the master, every 2 s).
    await Promise.all(
      sentinels.map((sentinel) =>
        waitFor(`sentinel ${sentinel.port}`, async () => {
          const state = (await ask(sentinel, "SENTINEL", ["master", MASTER_NAME])) as Record<string, string>;
          return state["num-slaves"] === "1" && state["num-other-sentinels"] === "2";
        }),
      ),
    );
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    masterName: MASTER_NAME,
    master,
    replica,
    sentinels,
    env: {
      REDIS_URL: "",
      REDIS_SENTINELS: sentinels.map((s) => `${s.host}:${s.port}`).join(","),
      REDIS_SENTINEL_MASTER: MASTER_NAME,
      ...(password ? { REDIS_PASSWORD: password } : {}),
    },
    pid: procs.pid,
    kill: procs.kill,
    currentMaster,
    dispose: stopAll,
  };
}
