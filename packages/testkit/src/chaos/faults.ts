import { hang } from "../burst";
import type { DelayProxy } from "../processes/delay-proxy";
import { waitFor } from "../processes/ports";
import type { ServiceProcess } from "../processes/service-process";
import type { RedisHandle } from "../redis";
import { masterServing, nodeClient, type RedisClusterHandle, type RedisNodeAddress } from "../redis-cluster";
import type { RedisSentinelHandle } from "../redis-sentinel";

/**
 * The faults the chaos harness injects, one per run. Without --fault a seed picks one of
 * the first six (FAULTS[seed % 6]), so the seeds of earlier runs still replay the same fault;
 * the last two need a replicated topology (TOPOLOGY_OF) and are asked for by name.
 */
export const FAULTS = [
  "kill-wallet",
  "kill-discount",
  "redis-restart",
  "redis-unreachable",
  "wallet-unreachable",
  "slow-wallet",
  "cluster-master-kill",
  "sentinel-failover",
] as const;
export type Fault = (typeof FAULTS)[number];
/** The faults a seed picks from when none is named. */
export const SEEDED_FAULTS = FAULTS.slice(0, 6) as readonly Fault[];

export const isFault = (name: string): name is Fault => (FAULTS as readonly string[]).includes(name);

export const TOPOLOGIES = ["single", "cluster", "sentinel"] as const;
export type Topology = (typeof TOPOLOGIES)[number];
export const isTopology = (name: string): name is Topology => (TOPOLOGIES as readonly string[]).includes(name);

/** The topology a fault acts on; the others (wallet and discount faults) run on any. */
export const TOPOLOGY_OF: Partial<Record<Fault, Topology>> = {
  "redis-restart": "single",
  "redis-unreachable": "single",
  "cluster-master-kill": "cluster",
  "sentinel-failover": "sentinel",
};

/** The Redis of one run, as its topology started it. */
export type StageRedis =
  | { topology: "single"; server: RedisHandle }
  | { topology: "cluster"; cluster: RedisClusterHandle }
  | { topology: "sentinel"; sentinel: RedisSentinelHandle };

/** What a fault acts on: the real processes of one chaos run. */
export interface Stage {
  redis: StageRedis;
  wallet: ServiceProcess;
  discounts: ServiceProcess[];
  /** In front of the wallet for the discount processes (only for `slow-wallet`). */
  proxy?: DelayProxy;
  /** The campaign under the burst: a cluster fault kills the master of its hash slot. */
  code: string;
}

/** How long a failed-over topology may take until every discount process is ready again. */
const FAILOVER_TIMEOUT_MS = 30_000;

/** How long the wallet is unreachable: the brief of issue #8. */
export const WALLET_UNREACHABLE_MS = 10_000;

/** SIGSTOP/SIGCONT on a process by id: it keeps its sockets open but answers nothing, like a hung host. */
function freeze(pid: number | undefined, frozen: boolean): void {
  if (pid === undefined) throw new Error("no process to freeze (a shared REDIS_URL server cannot be)");
  process.kill(pid, frozen ? "SIGSTOP" : "SIGCONT");
}

function singleServer(stage: Stage): RedisHandle {
  if (stage.redis.topology !== "single") throw new Error("this fault acts on a single Redis server");
  return stage.redis.server;
}

/**
 * Kills `master` `lagMs` after cutting its replicas off: each replica frozen (SIGSTOP, so
 * it cannot reconnect and catch up from the backlog) and its link closed by the master,
 * then thawed after the kill. What the master acknowledged in between no replica holds,
 * the writes a failover loses by design; on a loopback the stream is otherwise copied
 * within a millisecond and a failover would lose nothing.
 */
async function killUnreplicated(
  master: RedisNodeAddress,
  replicaPids: (number | undefined)[],
  lagMs: number,
  kill: () => Promise<void>,
): Promise<void> {
  for (const pid of replicaPids) freeze(pid, true);
  try {
    const client = nodeClient(master);
    try {
      await client.send("CLIENT", ["KILL", "TYPE", "replica"]);
    } finally {
      client.close();
    }
    await Bun.sleep(lagMs);
    await kill();
  } finally {
    for (const pid of replicaPids) freeze(pid, false);
  }
}

/** Over once every discount process can run the gate's scripts again (/ready checks Redis). */
async function allReady(stage: Stage): Promise<void> {
  await Promise.all(
    stage.discounts.map((d) =>
      waitFor(`${d.url}/ready after the failover`, async () => (await fetch(`${d.url}/ready`)).ok, FAILOVER_TIMEOUT_MS),
    ),
  );
}

/**
 * Injects `fault` and resolves once it is over and every process answers again. Its
 * durations come from `random` (the run's seeded source), so a seed replays the same fault.
 */
export async function inject(fault: Fault, stage: Stage, random: () => number): Promise<string> {
  const between = (min: number, max: number) => Math.round(min + random() * (max - min));
  switch (fault) {
    case "kill-wallet": {
      const downMs = between(300, 2_000);
      await stage.wallet.kill();
      await Bun.sleep(downMs);
      await stage.wallet.start();
      return `wallet SIGKILLed, restarted after ${downMs} ms`;
    }
    case "kill-discount": {
      const which = Math.floor(random() * stage.discounts.length);
      const victim = stage.discounts[which] as ServiceProcess;
      const downMs = between(100, 1_000);
      await victim.kill();
      await Bun.sleep(downMs);
      await victim.start();
      return `discount #${which} SIGKILLed, restarted after ${downMs} ms`;
    }
    case "redis-restart": {
      const downMs = between(100, 1_000);
      const server = singleServer(stage);
      await server.stop({ hard: true });
      await Bun.sleep(downMs);
      await server.start(); // no persistence: it comes back empty
      return `Redis SIGKILLed, back empty after ${downMs} ms`;
    }
    case "redis-unreachable": {
      // SIGSTOP rather than stop+start: the data stays, connections stay open and commands
      // hang unanswered (no refusal for the client to fail fast on), the nastier case.
      const frozenMs = between(2_000, 5_000);
      const pid = singleServer(stage).pid();
      freeze(pid, true);
      try {
        await Bun.sleep(frozenMs);
      } finally {
        freeze(pid, false);
      }
      return `Redis SIGSTOPped for ${frozenMs} ms`;
    }
    case "wallet-unreachable": {
      hang(stage.wallet, true);
      try {
        await Bun.sleep(WALLET_UNREACHABLE_MS);
      } finally {
        hang(stage.wallet, false);
      }
      return `wallet SIGSTOPped for ${WALLET_UNREACHABLE_MS} ms`;
    }
    case "slow-wallet": {
      const proxy = stage.proxy;
      if (!proxy) throw new Error("slow-wallet needs the delay proxy in front of the wallet");
      // Around the discount's 1.5 s wallet timeout: some answers arrive late but in time, some too late.
      const delayMs = between(500, 3_000);
      const forMs = between(4_000, 10_000);
      proxy.delayMs = delayMs;
      try {
        await Bun.sleep(forMs);
      } finally {
        proxy.delayMs = 0;
      }
      return `wallet answers delayed ${delayMs} ms for ${forMs} ms`;
    }
    case "cluster-master-kill": {
      if (stage.redis.topology !== "cluster") throw new Error("cluster-master-kill needs the cluster topology");
      const { cluster } = stage.redis;
      const key = `{gift:${stage.code}}`;
      const master = await masterServing(cluster.masters[0] as RedisNodeAddress, key);
      const survivor = cluster.nodes.find((node) => node.port !== master.port) as RedisNodeAddress;
      const lagMs = between(100, 900);
      const replicas = cluster.nodes.filter((node) => !cluster.masters.some((m) => m.port === node.port));
      const started = performance.now();
      await killUnreplicated(master, replicas.map(cluster.pid), lagMs, () => cluster.kill(master));
      // /ready may pass before the cluster has even noticed; over once the replica serves the slot.
      await waitFor(
        "the replica to take over the campaign's slot",
        async () => (await masterServing(survivor, key)).port !== master.port,
        FAILOVER_TIMEOUT_MS,
      );
      await allReady(stage);
      return `the campaign's master :${master.port} SIGKILLed ${lagMs} ms after its replicas were cut off, all ready ${Math.round(performance.now() - started)} ms after the cut`;
    }
    case "sentinel-failover": {
      if (stage.redis.topology !== "sentinel") throw new Error("sentinel-failover needs the sentinel topology");
      const { sentinel } = stage.redis;
      const master = await sentinel.currentMaster();
      const lagMs = between(100, 900);
      const replica = [sentinel.master, sentinel.replica].find((node) => node.port !== master.port) as RedisNodeAddress;
      const started = performance.now();
      await killUnreplicated(master, [sentinel.pid(replica)], lagMs, () => sentinel.kill(master));
      await waitFor(
        "the sentinels to promote the replica",
        async () => (await sentinel.currentMaster()).port !== master.port,
        FAILOVER_TIMEOUT_MS,
      );
      await allReady(stage);
      return `master :${master.port} SIGKILLed ${lagMs} ms after its replica was cut off, all ready ${Math.round(performance.now() - started)} ms after the cut`;
    }
  }
}
