import { expect, test } from "bun:test";
import { Elysia } from "elysia";
import { createHttpKernel } from "../http/kernel";
import { createLogger } from "../logger";
import { Registry } from "../metrics";
import { type BootedService, gracefulShutdown } from "./service";

test("a request answered just before SIGTERM still gets its access log line and metric before the process exits", async () => {
  const lines: string[] = [];
  const logger = createLogger({
    level: "info",
    service: "probe",
    destination: { write: (l: string) => lines.push(l) },
  });
  const metrics = new Registry();
  const kernel = createHttpKernel({ logger, metrics, maxBodyBytes: 1_024 });
  const app = new Elysia().use(kernel.plugin).get("/answered", () => "ok");
  const service: BootedService = {
    name: "probe",
    config: { port: 0, maxBodyBytes: 1_024, metrics: {} } as BootedService["config"],
    hostname: "127.0.0.1",
    logger,
    app,
    metrics,
    close: async () => {},
  };
  const exited = Promise.withResolvers<{ code: number; lines: string[]; metrics: string }>();
  const shutdown = gracefulShutdown(
    service,
    async () => {},
    (code) => exited.resolve({ code, lines: [...lines], metrics: metrics.render() }),
  );

  const response = await app.handle(new Request("http://probe/answered"));
  expect(response.status).toBe(200);
  shutdown("SIGTERM"); // in the same turn as the answer, as a signal can land

  const atExit = await exited.promise;
  expect(atExit.code).toBe(0);
  const answered = atExit.lines.map((l) => JSON.parse(l)).filter((l) => l.route === "/answered");
  expect(answered).toMatchObject([{ msg: "request", status: 200, method: "GET" }]);
  expect(atExit.metrics).toContain('route="/answered"');
});
