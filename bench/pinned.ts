/**
 * Pinned CPU per answer, for the floor benches: a server on core 0, wrk (-t1 -c32) on core 1,
 * and the CPU time of the server's processes (/proc/<pid>/stat) over the requests it answered.
 * On this 2-core machine throughput drifts by a third from one minute to the next, CPU per
 * request far less. Targets alternate within each round; medians over the rounds.
 */
import { makeTempDatabase } from "@matchday/testkit/database";
import { discountEnv, type ServiceProcess, startService, startWalletProcess } from "@matchday/testkit/processes";
import { startRedis } from "@matchday/testkit/redis";
import { cpuMicros, pinToCore } from "./proc";
import { median } from "./table";
import { type Load, wrk } from "./wrk";

export const SERVER_CORE = 0;
const CLIENT_CORE = 1;

export interface Target {
  name: string;
  server: ServiceProcess;
  /** Every process whose CPU the answer costs (the server, and any it calls); the server when absent. */
  processes?: ServiceProcess[];
  /** The statuses every answer must have. */
  expect: string[];
  /** What wrk sends; a function gives each run its own (e.g. new idempotency keys). */
  load: Load | (() => Load);
  samples: { micros: number; rate: number }[];
}

async function measureOnce(target: Target, seconds: number): Promise<void> {
  const pids = (target.processes ?? [target.server]).map((p) => p.pid() as number);
  const before = pids.map(cpuMicros);
  const load = typeof target.load === "function" ? target.load() : target.load;
  const result = await wrk(target.server.url, load, { seconds, threads: 1, connections: 32, core: CLIENT_CORE });
  const used = pids.reduce((sum, pid, i) => sum + cpuMicros(pid) - (before[i] as number), 0);
  const wrong = Object.keys(result.statuses).filter((status) => !target.expect.includes(status));
  if (wrong.length > 0 || result.errors > 0) {
    throw new Error(`${target.name}: statuses ${JSON.stringify(result.statuses)}, ${result.errors} socket errors`);
  }
  target.samples.push({ micros: used / result.requests, rate: result.requests / result.seconds });
}

/** A warm-up of 2 s per target, then `rounds` rounds of `seconds` each, targets alternating. */
export async function measureRounds(targets: Target[], rounds: number, seconds: number): Promise<void> {
  for (const target of targets) await measureOnce(target, 2); // JIT, caches, a campaign found full
  for (const target of targets) target.samples.length = 0;
  for (let round = 1; round <= rounds; round++) {
    for (const target of targets) await measureOnce(target, seconds);
    console.error(`round ${round}/${rounds} done`);
  }
}

/** Median CPU µs per answer of a measured target. */
export const microsOf = (target: Target) => median(target.samples.map((s) => s.micros));

/** One line per target: CPU µs per answer, pinned rate, and the baseline's µs over the target's. */
export function printTable(targets: Target[], baseline: Target): void {
  const base = microsOf(baseline);
  const width = Math.max(...targets.map((t) => t.name.length));
  console.log(`${"target".padEnd(width)}  CPU µs/request  requests/s (pinned)  baseline µs ÷ target µs`);
  for (const t of targets) {
    const rate = median(t.samples.map((s) => s.rate));
    console.log(
      `${t.name.padEnd(width)}  ${microsOf(t).toFixed(2).padStart(14)}  ${rate.toFixed(0).padStart(19)}  ${(base / microsOf(t)).toFixed(2).padStart(22)}x`,
    );
  }
}

/** What a pinned bench measures against: the bare Elysia baseline and both services, pinned. */
export interface PinnedStack {
  baseline: ServiceProcess;
  wallet: ServiceProcess;
  discount: ServiceProcess;
  /** The discount's environment: another process started with it shares its database and Redis. */
  discountEnv: Record<string, string>;
  /** Starts another server, pinned like the rest and stopped with them. */
  start(server: Promise<ServiceProcess>): Promise<ServiceProcess>;
}

/**
 * Runs `work` against a fresh stack (its own Redis and temp databases, both services at info
 * as deployed), then stops it all; 1 after printing the servers' output when anything failed.
 */
export async function runPinned(work: (stack: PinnedStack) => Promise<void>): Promise<number> {
  const redis = await startRedis();
  const walletDb = await makeTempDatabase(undefined, "wallet.db");
  const discountDb = await makeTempDatabase(undefined, "discount.db");
  const servers: ServiceProcess[] = [];
  const start = async (starting: Promise<ServiceProcess>) => {
    const server = await starting;
    servers.push(server);
    await pinToCore(server.pid(), SERVER_CORE);
    return server;
  };
  try {
    const info = { LOG_LEVEL: "info" };
    const baseline = await start(
      startService({ entry: "bench/baseline-server.ts", portVar: "BASELINE_PORT", env: {} }),
    );
    const wallet = await start(startWalletProcess(walletDb, info));
    // The relay at its deployed interval, as in bench/http.ts: the test helpers' 100 ms
    // polls cost the idle discount ~17 ms of CPU a second more, which a pinned flood pays.
    const env = discountEnv(discountDb, { redisUrl: redis.url, wallet }, { ...info, RELAY_INTERVAL_MS: "500" });
    const discount = await start(startService({ entry: "discount/src/main.ts", portVar: "DISCOUNT_PORT", env }));
    await work({ baseline, wallet, discount, discountEnv: env, start });
    return 0;
  } catch (error) {
    console.error("error: benchmark failed:", error);
    for (const server of servers) console.error(`process output (tail):\n${server.output().slice(-2000)}`);
    return 1;
  } finally {
    for (const server of servers) await server.stop();
    await redis.dispose();
    walletDb.dispose();
    discountDb.dispose();
  }
}
