import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { RedisClient } from "bun";
import { makeTempDatabase, type TempDatabase } from "./database";
import { bearer } from "./http/tokens";
import { freePort, waitFor } from "./processes/ports";
import { REPO_ROOT, type ServiceProcess } from "./processes/service-process";
import { startDiscountProcesses, startWalletProcess } from "./processes/services";
import { startRedis } from "./redis";
import { nodeClient, startRedisCluster } from "./redis-cluster";

/** The shipped example: the tests run this file, not a copy of it. */
const TEMPLATE = join(REPO_ROOT, "deploy/haproxy.cfg");
const SERVER_TEMPLATE_LINE = /^([ \t]*)server-template .*$/m;

/**
 * deploy/haproxy.cfg with its one `server-template` line (DNS-discovered replicas, as in
 * compose) replaced by a `server` line per given instance: everything else, health
 * checks, timeouts, balancing and X-Forwarded-For, is the shipped configuration.
 */
export function haproxyConfig(template: string, backends: string[]): string {
  const match = template.match(SERVER_TEMPLATE_LINE);
  if (!match || template.match(new RegExp(SERVER_TEMPLATE_LINE, "gm"))?.length !== 1) {
    throw new Error("deploy/haproxy.cfg must have exactly one server-template line for the instances");
  }
  const indent = match[1] ?? "";
  const servers = backends.map((url, i) => `${indent}server discount-${i + 1} ${new URL(url).host}`);
  return template.replace(SERVER_TEMPLATE_LINE, servers.join("\n"));
}

/** The haproxy binary: on the PATH, or in /usr/sbin where Debian puts it (not on every user's PATH). */
export function haproxyBinary(): string {
  const found = Bun.which("haproxy") ?? Bun.which("haproxy", { PATH: "/usr/sbin:/sbin" });
  if (!found) throw new Error("no haproxy binary: apt-get install haproxy (.ci/run installs it)");
  return found;
}

/** The shipped deploy/haproxy.cfg, as compose mounts it. */
export const shippedHaproxyConfig = () => readFileSync(TEMPLATE, "utf8");

export interface Haproxy {
  /** Where clients connect. */
  url: string;
  /** The stats frontend: `/stats;csv` and the Prometheus `/metrics`. */
  statsUrl: string;
  output(): string;
  stop(): Promise<void>;
}

/** A real haproxy (the Debian package) on free ports in front of `backends`, ready once it has answered /ready through itself. */
export async function startHaproxy({ backends }: { backends: string[] }): Promise<Haproxy> {
  const haproxy = haproxyBinary();
  const dir = mkdtempSync(join(tmpdir(), "matchday-haproxy-"));
  const file = join(dir, "haproxy.cfg");
  writeFileSync(file, haproxyConfig(shippedHaproxyConfig(), backends));
  const port = freePort();
  const statsPort = freePort();
  let log = "";
  const proc = Bun.spawn([haproxy, "-db", "-f", file], {
    env: { ...process.env, HAPROXY_BIND: `127.0.0.1:${port}`, HAPROXY_STATS_BIND: `127.0.0.1:${statsPort}` },
    stdout: "pipe",
    stderr: "pipe",
  });
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) log = (log + decoder.decode(chunk)).slice(-20_000);
  };
  void pump(proc.stdout);
  void pump(proc.stderr);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    proc.kill("SIGTERM");
    await proc.exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(`haproxy on port ${port}`, async () => {
      if (proc.exitCode !== null) throw new Error(`haproxy exited early:\n${log}`);
      return (await fetch(`${url}/ready`)).ok;
    });
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${log}`);
  }
  return { url, statsUrl: `http://127.0.0.1:${statsPort}`, output: () => log, stop };
}

/** The Redis every process of a stack shares: the env that points a process at it, and its keys for checks. */
export interface SharedRedis {
  env: Record<string, string>;
  /** Every key matching `pattern`, on every node that holds data. */
  keys(pattern: string): Promise<string[]>;
  dispose(): Promise<void>;
}

/** One private Redis server. */
export async function singleRedis(): Promise<SharedRedis> {
  const redis = await startRedis();
  return {
    env: { REDIS_URL: redis.url },
    keys: (pattern) => keysOn(new RedisClient(redis.url), pattern),
    dispose: () => redis.dispose(),
  };
}

/** A real Redis Cluster (3 masters, a replica each). */
export async function clusterRedis(): Promise<SharedRedis> {
  const cluster = await startRedisCluster();
  return {
    env: cluster.env,
    keys: async (pattern) =>
      (await Promise.all(cluster.masters.map((node) => keysOn(nodeClient(node), pattern)))).flat(),
    dispose: () => cluster.dispose(),
  };
}

async function keysOn(client: RedisClient, pattern: string): Promise<string[]> {
  try {
    return (await client.send("KEYS", [pattern])) as string[];
  } finally {
    client.close();
  }
}

export interface BalancedStack {
  redis: SharedRedis;
  walletDb: TempDatabase;
  wallet: ServiceProcess;
  /** The one database file every discount instance shares. */
  db: TempDatabase;
  instances: ServiceProcess[];
  balancer: Haproxy;
  dispose(): Promise<void>;
}

/**
 * Redis, the wallet, `instances` discount processes on one database file, HAProxy in
 * front (deploy/haproxy.cfg) and the instances trusting it as their one proxy hop.
 * `redis` starts the Redis they share: a single private server unless given (`clusterRedis`).
 */
export async function startBalancedStack(options: {
  instances: number;
  redis?: () => Promise<SharedRedis>;
  env?: Record<string, string>;
}): Promise<BalancedStack> {
  // Undone in reverse order by dispose(), or at once when a later part fails to start.
  const undo: (() => unknown)[] = [];
  const dispose = async () => {
    for (const step of undo.reverse()) await step();
  };
  try {
    const redis = await (options.redis ?? singleRedis)();
    undo.push(() => redis.dispose());
    const walletDb = await makeTempDatabase();
    undo.push(() => walletDb.dispose());
    const wallet = await startWalletProcess(walletDb);
    undo.push(() => wallet.stop());
    const db = await makeTempDatabase();
    undo.push(() => db.dispose());
    const deps = { redisEnv: redis.env, wallet };
    const env = { TRUST_PROXY: "1", ...options.env };
    const instances = await startDiscountProcesses(db, deps, options.instances, env);
    undo.push(() => Promise.all(instances.map((i) => i.stop())));
    const balancer = await startHaproxy({ backends: instances.map((i) => i.url) });
    undo.push(() => balancer.stop());
    return { redis, walletDb, wallet, db, instances, balancer, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** How many POST /v1/redeem requests this instance answered, from its own /metrics: what the balancer sent it. */
export async function redeemsServed(instanceUrl: string): Promise<number> {
  const text = await (await fetch(`${instanceUrl}/metrics`, { headers: await bearer("admin") })).text();
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("http_requests_total{") && line.includes('route="/v1/redeem"')) {
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return total;
}

/** The campaign's report as one instance answers it: its numbers and the first `limit` winners as "rank:phone". */
export async function reportOf(instanceUrl: string, code: string, limit: number) {
  const res = await fetch(`${instanceUrl}/v1/campaigns/${code}/report?limit=${limit}`, {
    headers: await bearer("admin"),
  });
  if (res.status !== 200) throw new Error(`report of ${code} from ${instanceUrl}: ${res.status} ${await res.text()}`);
  const { winners, ...numbers } = (await res.json()) as { winners: { rank: number; phone: string }[] };
  return { numbers, winners: winners.map((w) => `${w.rank}:${w.phone}`) };
}

/** The code of the one campaign in a fresh discount database, e.g. the one a k6 script's setup() created. */
export async function onlyCampaignCode(discountDbUrl: string): Promise<string> {
  const db = createClient({ url: discountDbUrl });
  try {
    const { rows } = await db.execute("SELECT code FROM campaigns");
    if (rows.length !== 1) throw new Error(`expected one campaign, found ${rows.length}`);
    return String(rows[0]?.code);
  } finally {
    db.close();
  }
}
