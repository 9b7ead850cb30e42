import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RedisClient } from "bun";
import { freePort, waitFor } from "./processes/ports";

export interface RedisHandle {
  url: string;
  /** True when this handle started the server (and so may stop or restart it). */
  owned: boolean;
  /** The server's process id while it runs (none for a shared REDIS_URL server): fault tests SIGSTOP it. */
  pid(): number | undefined;
  /** Stops the server (SIGKILL when hard), keeping its port for a later start(). */
  stop(options?: { hard?: boolean }): Promise<void>;
  /** Starts it again on the same port. Without persistence it comes back empty. */
  start(): Promise<void>;
  /** Stops the server for good and removes its files. */
  dispose(): Promise<void>;
}

/**
 * A redis-server on 127.0.0.1:`port` keeping nothing on disk but what `extra` asks for
 * (a cluster's nodes.conf): the topologies' helpers start theirs the same way.
 */
export function spawnRedisServer(port: number, dir: string, extra: string[] = []) {
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir];
  return Bun.spawn(["redis-server", ...args, ...extra], { stdout: "ignore", stderr: "inherit" });
}

/**
 * The redis-server processes of a multi-node setup (a cluster, a Sentinel set), by port:
 * started one by one, each killable alone (a failover test), all stopped at the end.
 */
export function redisNodeProcesses() {
  const procs = new Map<number, ReturnType<typeof Bun.spawn>>();
  return {
    add(port: number, proc: ReturnType<typeof Bun.spawn>) {
      procs.set(port, proc);
    },
    pid: (node: { port: number }) => procs.get(node.port)?.pid,
    /** SIGKILLs one node, as a crash would. */
    async kill(node: { port: number }) {
      const proc = procs.get(node.port);
      if (!proc) return;
      proc.kill("SIGKILL");
      await proc.exited;
      procs.delete(node.port);
    },
    async stopAll() {
      for (const proc of procs.values()) proc.kill("SIGKILL");
      await Promise.all([...procs.values()].map((proc) => proc.exited));
      procs.clear();
    },
  };
}

async function answersPing(url: string): Promise<boolean> {
  const client = new RedisClient(url, { connectionTimeout: 500, autoReconnect: false });
  try {
    return (await client.send("PING", [])) === "PONG";
  } finally {
    client.close();
  }
}

/**
 * A real redis-server on a free port, private to the calling test file, so tests
 * can kill and restart it; with a password, it refuses clients without it (and
 * `url` carries it). With REDIS_URL set, that server is used instead and
 * stop/start are refused (it is not ours to kill).
 */
export async function startRedis(options: { password?: string } = {}): Promise<RedisHandle> {
  const external = process.env.REDIS_URL;
  if (external && options.password) {
    throw new Error("REDIS_URL points at a shared server; a password test needs its own (unset REDIS_URL)");
  }
  if (external) {
    const refuse = async () => {
      throw new Error("REDIS_URL points at a shared server; this test needs its own (unset REDIS_URL)");
    };
    return { url: external, owned: false, pid: () => undefined, stop: refuse, start: refuse, dispose: async () => {} };
  }

  const port = freePort();
  const dir = mkdtempSync(join(tmpdir(), "matchday-redis-"));
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : "";
  const url = `redis://${auth}127.0.0.1:${port}`;
  const requirePass = options.password ? ["--requirepass", options.password] : [];
  let proc: ReturnType<typeof Bun.spawn> | undefined;

  const handle: RedisHandle = {
    url,
    owned: true,
    pid: () => proc?.pid,
    async start() {
      proc = spawnRedisServer(port, dir, requirePass);
      await waitFor(`redis-server on port ${port}`, () => answersPing(url));
    },
    async stop(options = {}) {
      if (!proc) return;
      proc.kill(options.hard ? "SIGKILL" : "SIGTERM");
      await proc.exited;
      proc = undefined;
    },
    async dispose() {
      await handle.stop({ hard: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await handle.start();
  return handle;
}
