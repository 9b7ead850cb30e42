import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";
import type { AnyElysia } from "elysia";
import { ConfigError, type ServiceConfig } from "../config";
import { databaseRefusal } from "../db/target";
import type { Logger } from "../logger";
import type { Registry } from "../metrics";

/**
 * A service built from its environment, ready for any runtime to serve: the Bun and
 * Deno entry points differ only in how they listen and catch signals.
 */
export interface BootedService<App extends AnyElysia = AnyElysia> {
  name: string;
  config: Pick<ServiceConfig, "port" | "tls" | "maxBodyBytes" | "metrics">;
  hostname: string;
  logger: Logger;
  app: App;
  /** The app's metrics, which a METRICS_PORT listener serves beside it. */
  metrics: Registry;
  /**
   * Call once the server has answered its in-flight requests: stops the app's
   * background work (its stop hooks, awaited), then closes the DB and Redis.
   */
  close(): Promise<void>;
}

/** Starts a service, or ends the process naming every configuration problem (DESIGN §9). */
export async function bootOrExit<S>(name: string, boot: () => Promise<S>): Promise<S> {
  try {
    return await boot();
  } catch (error) {
    const refusal = databaseRefusal(error);
    if (!(error instanceof ConfigError) && !refusal) throw error;
    console.error(`${name}: ${refusal ? `cannot start: ${refusal}` : (error as Error).message}`);
    process.exit(1);
  }
}

/**
 * Runs the app's onStop hooks and waits for each. Elysia fires them only when its own
 * listen() served the app, and then without awaiting them, so a store closed right
 * after would be closed under the relay's batch in hand or a draining write queue.
 */
export async function runStopHooks(app: AnyElysia): Promise<void> {
  for (const hook of app.event.stop ?? []) await hook.fn(app);
}

/** An open event stream never finishes by itself: past this, shutdown goes on without it. */
export const DRAIN_DEADLINE_MS = 5_000;

/**
 * The one shutdown order, whichever runtime serves the app: stop accepting and let the
 * requests in flight finish, then stop background work and close the stores, then exit
 * (0, or 1 if closing failed). However many signals arrive, it runs once.
 */
export function gracefulShutdown(
  service: BootedService,
  stopServer: () => Promise<void>,
  exit: (code: number) => void,
) {
  const { logger, name } = service;
  let stopping = false;
  const run = async (signal: string) => {
    logger.info({ signal }, `${name} stopping: draining in-flight requests`);
    const deadline = new AbortController();
    const drained = await Promise.race([
      stopServer().then(() => true),
      sleep(DRAIN_DEADLINE_MS, false, { signal: deadline.signal }).catch(() => false),
    ]);
    deadline.abort();
    if (!drained) logger.warn({ deadlineMs: DRAIN_DEADLINE_MS }, `${name}: requests still open at the deadline`);
    // The requests answered last still have their after-response work queued for the next turn
    // (Elysia's onAfterResponse: the access log line and the request metrics). Shutdown can run
    // to exit in microtasks alone, which dropped it: one turn lets it run first.
    await nextTurn();
    await service.close();
    logger.info(`${name} stopped`);
  };
  return (signal: string): void => {
    if (stopping) return;
    stopping = true;
    run(signal).then(
      () => exit(0),
      (error) => {
        logger.error({ err: error }, `${name} did not stop cleanly`);
        exit(1);
      },
    );
  };
}
