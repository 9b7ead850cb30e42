import { metricsListener } from "../http/metrics-endpoint";
import { recordSocketAddress } from "../http/socket-address";
import { escapedErrorAnswer } from "./escaped-error";
import { type BootedService, gracefulShutdown } from "./service";

/** The part of Deno's API an entry point uses, typed here because the workspace type-checks against Bun's types. */
interface DenoApi {
  serve(
    options: {
      port: number;
      hostname: string;
      cert?: string;
      key?: string;
      onListen(addr: { port: number }): void;
      onError(error: unknown): Response;
    },
    handler: (request: Request, info: { remoteAddr: { hostname: string } }) => Response | Promise<Response>,
  ): { shutdown(): Promise<void> };
  readTextFileSync(path: string): string;
  addSignalListener(signal: "SIGTERM" | "SIGINT", handler: () => void): void;
  exit(code: number): never;
}

/**
 * Serves a booted service with Deno.serve and the app's Web-standard fetch, and drains
 * it on SIGTERM or SIGINT. Elysia did not listen here, so its stop hooks run only
 * through the service's close(), which the shutdown calls after the server drained.
 * Deno.serve has no body size limit of its own: the HTTP kernel holds every body to
 * MAX_BODY_BYTES, declared or chunked.
 */
export function serveWithDeno(service: BootedService): void {
  const deno = (globalThis as unknown as { Deno: DenoApi }).Deno;
  const { config, logger, name } = service;
  const fetch = service.app.fetch;
  const tls = config.tls && {
    cert: deno.readTextFileSync(config.tls.cert),
    key: deno.readTextFileSync(config.tls.key),
  };
  const server = deno.serve(
    {
      port: config.port,
      hostname: service.hostname,
      ...tls,
      onListen: ({ port }) => logger.info({ port }, `${name} listening`),
      onError: escapedErrorAnswer(logger),
    },
    (request, info) => {
      // Routes find the client's address here: Elysia has no server object under Deno.
      recordSocketAddress(request, info.remoteAddr.hostname);
      return fetch(request);
    },
  );
  const metricsAt = config.metrics.listener;
  const metricsServer =
    metricsAt &&
    deno.serve(
      {
        port: metricsAt.port,
        hostname: metricsAt.host,
        onListen: ({ port }) => logger.info({ port, host: metricsAt.host }, `${name} metrics listening`),
        onError: escapedErrorAnswer(logger),
      },
      metricsListener(service.metrics),
    );
  const shutdown = gracefulShutdown(
    service,
    async () => {
      await Promise.all([server.shutdown(), metricsServer?.shutdown()]);
    },
    (code) => deno.exit(code),
  );
  deno.addSignalListener("SIGTERM", () => shutdown("SIGTERM"));
  deno.addSignalListener("SIGINT", () => shutdown("SIGINT"));
}
