import type { Logger } from "@matchday/shared/logger";
import { Cluster } from "ioredis";
import type { RedisConnection } from "./connection";

/**
 * Every rebuild of a campaign's gate publishes the campaign's code here, in the rebuild's own
 * MULTI, so the notice leaves Redis together with the ready mark. PUBLISH names no key, so it
 * may ride in a transaction on any topology, and a Cluster passes it to every node.
 */
export const GATE_REBUILT_CHANNEL = "gate:rebuilt";

/**
 * Claimants on one instance waiting for a rebuild another instance holds the lock for. With a
 * poll alone they looked again every 25 ms, and claims that arrived after the rebuild, on the
 * instance that did it, were seated ahead of them; the notice wakes them as the gate is ready.
 */
export interface RebuildNotices {
  /**
   * Resolves true when a rebuild of `code` is announced, or false after `ms`, whichever comes
   * first (a notice lost to a reconnect costs one poll). Ask before the claim that may find the
   * gate not ready, so that a rebuild ending between that claim and the wait is not missed.
   */
  next(code: string, ms: number): Promise<boolean>;
  /** Settles once the subscription is in place (or has failed, and waits poll instead). */
  subscribed: Promise<void>;
  close(): void;
}

/** One subscriber connection per process, beside `redis`, with the same topology and credentials. */
export function listenForRebuilds(redis: RedisConnection, logger: Logger): RebuildNotices {
  // Its own connection: a subscribed client takes no other commands. It queues the SUBSCRIBE
  // until it is connected (the shared client refuses commands while down), and ioredis
  // subscribes again after every reconnect.
  const subscriber =
    redis instanceof Cluster
      ? redis.duplicate([], { enableOfflineQueue: true })
      : redis.duplicate({ enableOfflineQueue: true });
  subscriber.on("error", (err) => logger.debug({ err: err.message }, "rebuild notices: connection problem"));
  const waiting = new Map<string, Set<() => void>>();
  subscriber.on("message", (_channel: string, code: string) => {
    const wakers = waiting.get(code);
    if (!wakers) return;
    waiting.delete(code);
    for (const wake of wakers) wake();
  });
  const subscribed = subscriber.subscribe(GATE_REBUILT_CHANNEL).then(
    () => undefined,
    (err) => logger.warn({ err }, "rebuild notices not heard; claimants waiting on another instance poll instead"),
  );

  return {
    subscribed,
    next(code, ms) {
      return new Promise<boolean>((resolve) => {
        const own = waiting.get(code) ?? new Set<() => void>();
        waiting.set(code, own);
        const timer = setTimeout(() => {
          own.delete(wake);
          if (own.size === 0 && waiting.get(code) === own) waiting.delete(code);
          resolve(false);
        }, ms);
        const wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
        own.add(wake);
      });
    },
    close() {
      subscriber.disconnect();
    },
  };
}
