#!/usr/bin/env bun
/**
 * `bun start`: runs the whole system locally with embedded defaults (DESIGN §9).
 * Creates data/, a JWT secret shared by every service (and by `bun run token`),
 * finds or starts Redis, starts each service, waits for /health, and on Ctrl-C
 * stops the services first (they may drain into Redis) and Redis last.
 */
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { ensureLocalJwtSecret, LOCAL_SECRET_FILE } from "@matchday/shared/cli/local-secret";
import { RedisClient, type Subprocess } from "bun";

/** Adding a service is one line here. */
const SERVICES = [
  { name: "wallet", entry: "wallet/src/main.ts", portVar: "WALLET_PORT", defaultPort: 3001 },
  { name: "discount", entry: "discount/src/main.ts", portVar: "DISCOUNT_PORT", defaultPort: 3002 },
];

const DATA_DIR = "data";
const LOCAL_REDIS_PORT = 6379;
const HEALTH_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;

// Every path (data/, entries, the services' default `file:data/*.db`) is relative to the repo root.
process.chdir(join(import.meta.dir, ".."));

// Databases and the secret live in data/, which must not be world-readable.
mkdirSync(DATA_DIR, { recursive: true, mode: 0o700 });
chmodSync(DATA_DIR, 0o700);

function jwtSecret(): string {
  if (process.env.JWT_SECRET) return process.env.JWT_SECRET;
  const existed = existsSync(LOCAL_SECRET_FILE);
  const secret = ensureLocalJwtSecret();
  if (!existed) console.log(`start: generated a JWT secret in ${LOCAL_SECRET_FILE}`);
  return secret;
}

async function answersPing(url: string): Promise<boolean> {
  const client = new RedisClient(url, { connectionTimeout: 500, autoReconnect: false });
  try {
    return (await client.send("PING", [])) === "PONG";
  } catch {
    return false;
  } finally {
    client.close();
  }
}

async function waitUntil(probe: () => Promise<boolean>, alive: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && alive()) {
    if (await probe().catch(() => false)) return true;
    await Bun.sleep(100);
  }
  return false;
}

// Children run in their own process group (detached), so a Ctrl-C in the terminal reaches only
// this script, which then stops them in order: services first, then the Redis they use.
const services: { name: string; proc: Subprocess }[] = [];
let redis: Subprocess | undefined;
let stopping = false;

async function stopProc(proc: Subprocess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), STOP_GRACE_MS); // a hung drain must not hang us
  await proc.exited;
  clearTimeout(timer);
}

async function shutdown(code: number): Promise<never> {
  stopping = true;
  await Promise.all(services.map((s) => stopProc(s.proc)));
  if (redis) await stopProc(redis);
  process.exit(code);
}

function watch(name: string, proc: Subprocess): void {
  void proc.exited.then((exit) => {
    if (stopping) return;
    console.error(`start: ${name} exited unexpectedly (${proc.signalCode ?? `code ${exit}`}); stopping everything`);
    void shutdown(1);
  });
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    console.log(`\nstart: ${signal} received, stopping`);
    void shutdown(0);
  });
}

/** The Redis settings the services get: a Sentinel set or Cluster as given, else one server. */
async function redisEnv(): Promise<Record<string, string>> {
  // The operator named a topology: starting a local server too would give the service two.
  if (process.env.REDIS_SENTINELS || process.env.REDIS_CLUSTER_NODES) return {};
  return { REDIS_URL: await ensureRedis() };
}

async function ensureRedis(): Promise<string> {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  const url = `redis://127.0.0.1:${LOCAL_REDIS_PORT}`;
  if (await answersPing(url)) {
    console.log(`start: using the Redis already running at ${url}`);
    return url;
  }
  if (!Bun.which("redis-server")) {
    console.warn(
      "start: no Redis at 127.0.0.1:6379 and redis-server is not installed.\n" +
        "       The wallet runs without it; the discount service needs it. Install it with\n" +
        "         sudo apt-get install -y redis-server   (or set REDIS_URL)",
    );
    return url;
  }
  mkdirSync(join(DATA_DIR, "redis"), { recursive: true, mode: 0o700 });
  // Loopback only; AOF on as in docker-compose, so a restart keeps the gate state instead of rebuilding it.
  const args = ["--port", String(LOCAL_REDIS_PORT), "--bind", "127.0.0.1", "--dir", join(DATA_DIR, "redis")];
  const proc = Bun.spawn(["redis-server", ...args, "--appendonly", "yes", "--loglevel", "warning"], {
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
  });
  redis = proc; // known at once, so a Ctrl-C during the wait stops it too
  const alive = () => proc.exitCode === null && proc.signalCode === null;
  if (!(await waitUntil(() => answersPing(url), alive, 10_000))) {
    await stopProc(proc);
    redis = undefined;
    console.warn(`start: redis-server did not answer on ${url} (port taken, or a password set? then set REDIS_URL)`);
    return url;
  }
  watch("redis-server", proc);
  console.log(`start: started redis-server on ${url} (data in ${DATA_DIR}/redis)`);
  return url;
}

const env: Record<string, string | undefined> = {
  ...process.env,
  JWT_SECRET: jwtSecret(),
  ...(await redisEnv()),
};
// With TLS configured the services serve HTTPS, possibly with a self-signed certificate.
const scheme = env.TLS_CERT ? "https" : "http";
// Discount calls the wallet wherever this script starts it.
env.WALLET_URL ||= `${scheme}://127.0.0.1:${env.WALLET_PORT || 3001}`;
const urls: string[] = [];

for (const service of SERVICES) {
  const port = env[service.portVar] || String(service.defaultPort);
  const proc = Bun.spawn(["bun", service.entry], { env, stdio: ["ignore", "inherit", "inherit"], detached: true });
  services.push({ name: service.name, proc });
  watch(service.name, proc);
  const base = `${scheme}://127.0.0.1:${port}`;
  const healthy = () => fetch(`${base}/health`, { tls: { rejectUnauthorized: false } }).then((r) => r.ok);
  const ok = await waitUntil(healthy, () => !stopping && proc.exitCode === null, HEALTH_TIMEOUT_MS);
  if (stopping) break; // a signal or a crash: shutdown() is under way and will exit
  if (!ok) {
    console.error(`start: ${service.name} did not answer ${base}/health within ${HEALTH_TIMEOUT_MS / 1000} s`);
    await shutdown(1);
  }
  urls.push(`  ${service.name.padEnd(10)} ${base}   docs: ${base}/docs`);
  if (service.name === "discount") urls.push(`  ${"dashboard".padEnd(10)} ${base}/admin   (paste an admin token)`);
}

if (!stopping) {
  const token = "bun run token --role admin   (or --role service; --role user --sub 09121234567)";
  console.log(`\nMatchday is running:\n${urls.join("\n")}\n\nMint a token:  ${token}\nStop:          Ctrl-C\n`);
}
