import { type BootedService, gracefulShutdown } from "./service";

const BUN_LIMIT_HEADROOM = 16;

/**
 * Serves a booted service with Bun (Elysia's own listen, so routes get Bun's server
 * for socket addresses and stream timeouts) and drains it on SIGTERM or SIGINT.
 */
export function serveWithBun(service: BootedService): void {
  const { config, logger, name } = service;
  const app = service.app.listen({
    port: config.port,
    hostname: service.hostname,
    // Bun answers a body past its own limit with a bare 413; with headroom the kernel's
    // problem+json 413 comes first, and Bun's limit only stops the absurd.
    maxRequestBodySize: config.maxBodyBytes * BUN_LIMIT_HEADROOM,
    ...(config.tls ? { tls: { cert: Bun.file(config.tls.cert), key: Bun.file(config.tls.key) } } : {}),
  });
  logger.info({ port: app.server?.port }, `${name} listening`);

  // The server itself, not app.stop(): that fires the stop hooks unawaited, and close() awaits them.
  const shutdown = gracefulShutdown(
    service,
    async () => {
      await app.server?.stop(false);
    },
    (code) => process.exit(code),
  );
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}
