import type { Logger } from "@matchday/shared/logger";
import { bunListenerOptions } from "@matchday/shared/runtime/escaped-error";
import { runStopHooks } from "@matchday/shared/runtime/service";
import type { AnyElysia } from "elysia";

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
