import {
  burstOrder,
  createCampaign,
  fireBurst,
  readFacts,
  seeded,
  violations,
  waitForOutboxDrained,
  waitForWinners,
} from "../burst";
import { makeTempDatabase } from "../database";
import { startDelayProxy } from "../processes/delay-proxy";
import { waitFor } from "../processes/ports";
import { startDiscountProcesses, startWalletProcess } from "../processes/services";
import { startRedis } from "../redis";
import { startRedisCluster } from "../redis-cluster";
import { startRedisSentinel } from "../redis-sentinel";
import { type Fault, inject, SEEDED_FAULTS, type Stage, type StageRedis, TOPOLOGY_OF, type Topology } from "./faults";

/**
 * The fault-injection harness of issue #8: real Redis (a single server, or a Cluster or
 * Sentinel set for the failover faults of issue 17), one wallet and two discount
 * processes on free ports and fresh temp databases, a burst with duplicates, and one
 * fault at a seeded moment. Everything random comes from the seed, so a failing run is
 * re-run with the seed it printed. Used by faults.test.ts and scripts/chaos.ts.
 */

export { FAULTS, type Fault, isFault, isTopology, TOPOLOGIES, type Topology } from "./faults";

export interface ChaosOptions {
  seed: number;
  /** The fault to inject; by default SEEDED_FAULTS[seed % 6], so consecutive seeds cover each of them. */
  fault?: Fault;
  /** Redis' topology: the fault's own (TOPOLOGY_OF), else a single server; refused when the fault needs another. */
  topology?: Topology;
  requests?: number;
  /** Distinct phones: each submits once, and the rest of the requests are their repeats. */
  phones?: number;
  cap?: number;
  /**
   * Every phone asks exactly once and never retries (`requests` is ignored): a slot the gate
   * handed to a request whose process then died is that phone's only chance, so only the
   * orphan sweep can keep the prize from being lost (DESIGN §3.6). A request that got no
   * answer stays status 0.
   */
  askOnce?: boolean;
  /** Where the seed line goes (console.log unless given). */
  log?: (line: string) => void;
}

export interface ChaosResult {
  seed: number;
  fault: Fault;
  topology: Topology;
  /** How many requests had been answered when the fault began. */
  injectedAt: number;
  /** What was done exactly (durations drawn from the seed). */
  injected: string;
  requests: number;
  /** Final answers per HTTP status (0: no answer at all, even after the client's retries). */
  statuses: Record<string, number>;
  /** Final answers outside ALLOWED_STATUSES (asking once, ALLOWED_ASKING_ONCE): a 500, or a retried request that never heard back. */
  unexpected: number;
  /** Wins answered "pending" (the wallet did not answer in time): shows a wallet fault reached the client. */
  pending: number;
  /** Redemption rows at the end: the cap, unless asking once left too few phones to reach the gate. */
  winners: number;
  violations: string[];
  seconds: number;
}

/** Won, won before, sold out, or "try again" (503 with Retry-After while the gate recovers). */
export const ALLOWED_STATUSES: ReadonlySet<number> = new Set([200, 201, 409, 503]);
/** Asking once, a request to a process that is down hears nothing, and nobody retries it. */
export const ALLOWED_ASKING_ONCE: ReadonlySet<number> = new Set([...ALLOWED_STATUSES, 0]);

const AMOUNT = 1_000_000;
/** The sweep's default grace (3 s) and a few of its passes; a run still short after this fails on its count. */
const ORPHAN_WAIT_MS = 10_000;
/** Time for the relay to deliver what faults left owed: its backoff reaches ~16 s after a 10 s outage. */
const DRAIN_TIMEOUT_MS = 120_000;

/**
 * When the fault starts, in answered requests: 1%..60% of the burst, weighted toward the
 * start (r²). With cap 1,000 the campaign sells out within the first ~6% of a 20,000 burst;
 * after that only the in-memory sold-out path and the relay run, so a uniform pick would
 * rarely hit the contested phase, where the cap and the ranks are decided.
 */
export function injectionPoint(requests: number, random: () => number): number {
  return Math.max(1, Math.floor(requests * (0.01 + 0.59 * random() ** 2)));
}

export const faultOfSeed = (seed: number): Fault =>
  SEEDED_FAULTS[((seed % SEEDED_FAULTS.length) + SEEDED_FAULTS.length) % SEEDED_FAULTS.length] as Fault;

/** The run's topology: the one asked for, which must be the one the fault acts on if it has one. */
export function topologyFor(fault: Fault, asked?: Topology): Topology {
  const needed = TOPOLOGY_OF[fault];
  if (asked && needed && asked !== needed) throw new Error(`${fault} needs the ${needed} topology, not ${asked}`);
  return asked ?? needed ?? "single";
}

/** What to stop when a run ends, in the order things were started. */
export type Teardown = (() => unknown)[];

/** Starts Redis in `topology`, with the discount processes' environment for it. */
async function startStageRedis(
  topology: Topology,
  teardown: Teardown,
): Promise<{ redis: StageRedis; env: Record<string, string> }> {
  switch (topology) {
    case "single": {
      const server = await startRedis();
      teardown.push(() => server.dispose());
      return { redis: { topology, server }, env: { REDIS_URL: server.url } };
    }
    case "cluster": {
      const cluster = await startRedisCluster();
      teardown.push(() => cluster.dispose());
      return { redis: { topology, cluster }, env: cluster.env };
    }
    case "sentinel": {
      const sentinel = await startRedisSentinel();
      teardown.push(() => sentinel.dispose());
      return { redis: { topology, sentinel }, env: sentinel.env };
    }
  }
}

/** Starts the processes, registering each one's teardown as soon as it exists. */
export async function startStage(
  fault: Fault,
  topology: Topology,
  teardown: Teardown,
): Promise<Omit<Stage, "code"> & { discountDbUrl: string; walletDbUrl: string }> {
  const { redis, env } = await startStageRedis(topology, teardown);
  const walletDb = await makeTempDatabase();
  teardown.push(() => walletDb.dispose());
  const wallet = await startWalletProcess(walletDb);
  teardown.push(() => wallet.kill());
  const proxy = fault === "slow-wallet" ? startDelayProxy(wallet.url) : undefined;
  if (proxy) teardown.push(() => proxy.stop());
  const discountDb = await makeTempDatabase();
  teardown.push(() => discountDb.dispose());
  const deps = { redisEnv: env, wallet: proxy?.url ?? wallet };
  const discounts = await startDiscountProcesses(discountDb, deps, 2);
  teardown.push(() => Promise.all(discounts.map((discount) => discount.kill())));
  // /health answers before a cluster or sentinel client has connected; the burst must not start before.
  await Promise.all(
    discounts.map((discount) =>
      waitFor(`${discount.url}/ready`, async () => (await fetch(`${discount.url}/ready`)).ok),
    ),
  );
  return { redis, wallet, proxy, discounts, discountDbUrl: discountDb.url, walletDbUrl: walletDb.url };
}

/** Runs one seeded chaos run and tears everything down, also when it fails. */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const { seed, phones = 5_000, cap = 1_000, askOnce = false } = options;
  const requests = askOnce ? phones : (options.requests ?? 20_000);
  const allowed = askOnce ? ALLOWED_ASKING_ONCE : ALLOWED_STATUSES;
  const fault = options.fault ?? faultOfSeed(seed);
  const topology = topologyFor(fault, options.topology);
  // Its own stream, apart from the burst order's: forcing a fault leaves the same burst.
  const random = seeded(seed ^ 0x5eed);
  const injectedAt = injectionPoint(requests, random);
  const log = options.log ?? console.log;
  log(
    `chaos seed=${seed} fault=${fault} topology=${topology} at=${injectedAt}/${requests} phones=${phones} cap=${cap}` +
      ` (re-run: bun scripts/chaos.ts --seed ${seed} --runs 1 --fault ${fault} --requests ${requests} --phones ${phones}` +
      `${options.topology ? ` --topology ${topology}` : ""}${askOnce ? " --ask-once" : ""})`,
  );
  const started = performance.now();
  const teardown: Teardown = [];
  try {
    const processes = await startStage(fault, topology, teardown);
    const urls = processes.discounts.map((d) => d.url);
    const code = await createCampaign(urls[0] as string, {
      name: `chaos ${seed}`,
      amount: AMOUNT,
      maxRedemptions: cap,
    });
    const stage = { ...processes, code };
    let injection: Promise<{ detail: string } | { error: unknown }> | undefined;
    const answers = await fireBurst(urls, code, burstOrder(requests, phones, seeded(seed)), {
      concurrency: 64,
      retries: askOnce ? 0 : undefined,
      onProgress: (done) => {
        if (done !== injectedAt) return;
        // Settled into a value here: a failing fault is reported after the burst, not as an unhandled rejection.
        injection = inject(fault, stage, random).then(
          (detail) => ({ detail }),
          (error: unknown) => ({ error }),
        );
      },
    });
    const outcome = await injection;
    if (!outcome) throw new Error(`the burst ended before ${injectedAt} answers`);
    if ("error" in outcome) throw outcome.error;

    // Orphaned slots are recorded by the sweep after its grace period, and then owe credits too.
    await waitForWinners(stage.discountDbUrl, code, Math.min(cap, phones), ORPHAN_WAIT_MS);
    await waitForOutboxDrained(stage.discountDbUrl, DRAIN_TIMEOUT_MS);
    const facts = await readFacts(stage.discountDbUrl, stage.walletDbUrl, code);
    const statuses: Record<string, number> = {};
    let unexpected = 0;
    let pending = 0;
    for (const a of answers) {
      if (a.status === 201 && a.body.status === "pending") pending++;
      statuses[a.status] = (statuses[a.status] ?? 0) + 1;
      if (!allowed.has(a.status)) unexpected++;
    }
    return {
      seed,
      fault,
      topology,
      injectedAt,
      injected: outcome.detail,
      requests,
      statuses,
      unexpected,
      pending,
      winners: facts.winners.length,
      violations: violations(facts, answers, {
        cap,
        amount: AMOUNT,
        distinctPhones: phones,
        askedOnce: askOnce,
      }),
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
  } finally {
    // Last started, first stopped; one failing step must not leave the others running.
    for (const step of teardown.reverse()) {
      await Promise.resolve()
        .then(step)
        .catch((error: unknown) => log(`chaos teardown: ${String(error)}`));
    }
  }
}
