import { metricsListener } from "../http/metrics-endpoint";
import { bunListenerOptions } from "./escaped-error";
import { type BootedService, gracefulShutdown } from "./service";

const BUN_LIMIT_HEADROOM = 16;

/**
 * How often a running service runs a full collection. Under steady traffic Bun's own
 * pacing let the discount's resident memory creep up ~2 MB a minute (+15-20 % in 10-15
 * minutes) while its live heap after a full collection stayed at ~15 MB: garbage and
 * freed pages held, not a leak. The asynchronous Bun.gc(false) did not stop it; a full
 * collection a minute did (docs/RELIABILITY.md). It pauses the process for a few ms
 * (logged at debug), once a minute; it also has mimalloc return fragmented pages.
 */
const HOUSEKEEPING_GC_MS = 60_000;

/**
 * Serves a booted service with Bun (Elysia's own listen, so routes get Bun's server
 * for socket addresses and stream timeouts) and drains it on SIGTERM or SIGINT.
 */
export function serveWithBun(service: BootedService): void {
  const { config, logger, name } = service;
  const app = service.app.listen({
    ...bunListenerOptions(logger),
    port: config.port,
    hostname: service.hostname,
    // Bun answers a body past its own limit with a bare 413; with headroom the kernel's
    // problem+json 413 comes first, and Bun's limit only stops the absurd.
    maxRequestBodySize: config.maxBodyBytes * BUN_LIMIT_HEADROOM,
    ...(config.tls ? { tls: { cert: Bun.file(config.tls.cert), key: Bun.file(config.tls.key) } } : {}),
  });
  logger.info({ port: app.server?.port }, `${name} listening`);
  const metricsAt = config.metrics.listener;
  // Plain HTTP on an internal address, started and stopped with the service.
  const metricsServer =
    metricsAt &&
    Bun.serve({
      ...bunListenerOptions(logger),
      port: metricsAt.port,
      hostname: metricsAt.host,
      fetch: metricsListener(service.metrics),
    });
  if (metricsAt) logger.info(metricsAt, `${name} metrics listening`);
  setInterval(() => {
    const startedAt = performance.now();
    Bun.gc(true);
    logger.debug({ ms: Math.round(performance.now() - startedAt) }, "housekeeping collection");
  }, HOUSEKEEPING_GC_MS).unref();

  // The server itself, not app.stop(): that fires the stop hooks unawaited, and close() awaits them.
  const shutdown = gracefulShutdown(
    service,
    async () => {
      await Promise.all([app.server?.stop(false), metricsServer?.stop(true)]);
    },
    (code) => process.exit(code),
  );
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}
