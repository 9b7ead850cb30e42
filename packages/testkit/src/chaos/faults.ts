import { hang } from "../burst";
import type { DelayProxy } from "../processes/delay-proxy";
import type { ServiceProcess } from "../processes/service-process";
import type { RedisHandle } from "../redis";

/** The faults the chaos harness injects, one per run. */
export const FAULTS = [
  "kill-wallet",
  "kill-discount",
  "redis-restart",
  "redis-unreachable",
  "wallet-unreachable",
  "slow-wallet",
] as const;
export type Fault = (typeof FAULTS)[number];

export const isFault = (name: string): name is Fault => (FAULTS as readonly string[]).includes(name);

/** What a fault acts on: the real processes of one chaos run. */
export interface Stage {
  redis: RedisHandle;
  wallet: ServiceProcess;
  discounts: ServiceProcess[];
  /** In front of the wallet for the discount processes (only for `slow-wallet`). */
  proxy?: DelayProxy;
}

/** How long the wallet is unreachable: the brief of issue #8. */
export const WALLET_UNREACHABLE_MS = 10_000;

/** SIGSTOP/SIGCONT on a process by id: it keeps its sockets open but answers nothing, like a hung host. */
function freeze(pid: number | undefined, frozen: boolean): void {
  if (pid === undefined) throw new Error("no process to freeze (a shared REDIS_URL server cannot be)");
  process.kill(pid, frozen ? "SIGSTOP" : "SIGCONT");
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
      await stage.redis.stop({ hard: true });
      await Bun.sleep(downMs);
      await stage.redis.start(); // no persistence: it comes back empty
      return `Redis SIGKILLed, back empty after ${downMs} ms`;
    }
    case "redis-unreachable": {
      // SIGSTOP rather than stop+start: the data stays, connections stay open and commands
      // hang unanswered (no refusal for the client to fail fast on), the nastier case.
      const frozenMs = between(2_000, 5_000);
      const pid = stage.redis.pid();
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
  }
}
