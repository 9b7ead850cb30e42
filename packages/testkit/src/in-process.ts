import type { ServiceConfig } from "@matchday/shared/config";
import { NO_PROXY } from "@matchday/shared/http";
import type { Logger } from "@matchday/shared/logger";
import { bunListenerOptions } from "@matchday/shared/runtime/escaped-error";
import { runStopHooks } from "@matchday/shared/runtime/service";
import type { AnyElysia } from "elysia";
import { TEST_JWT_SECRET, TEST_METRICS_TOKEN } from "./http/tokens";

/** A service's app listening on a free loopback port, stopped the way its boot's close stops it. */
export function listenInProcess<App extends AnyElysia>(
  app: App,
  logger: Logger,
  background: { stop(): Promise<void> },
): { app: App; url: string; stop(): Promise<void> } {
  app.listen({ ...bunListenerOptions(logger), port: 0, hostname: "127.0.0.1" });
  return {
    app,
    url: `http://127.0.0.1:${app.server?.port}`,
    async stop() {
      await app.stop(true);
      await background.stop();
      await runStopHooks(app); // app.stop fires them without waiting
    },
  };
}

/** What every service under test is configured with: quiet, no proxies, no TLS, archiving run by the tests themselves. */
export function serviceTestConfig(databaseUrl: string): ServiceConfig {
  return {
    port: 0,
    host: "127.0.0.1",
    databaseUrl,
    databaseAuthToken: undefined,
    jwtSecret: TEST_JWT_SECRET,
    logLevel: "silent",
    trustProxy: NO_PROXY,
    tls: undefined,
    archive: { dir: "data/archive", afterMonths: 6, retainMonths: 24, intervalHours: 0 }, // archiving tests run it themselves
    maxBodyBytes: 16 * 1024,
    metrics: { token: TEST_METRICS_TOKEN, listener: undefined },
  };
}
