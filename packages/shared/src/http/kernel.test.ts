import { expect, test } from "bun:test";
import { Elysia } from "elysia";
import { defineErrors } from "../errors";
import { createLogger } from "../logger";
import { Registry } from "../metrics";
import { createHttpKernel, refusalResponse } from "./kernel";

// A service's own code beside the generic ones, as a service's errors.ts defines it.
const { AppError } = defineErrors({
  CAMPAIGN_EXHAUSTED: { status: 409, title: "Sold out: every prize of this campaign has been claimed" },
});

function appWithCapturedLogs() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: "info",
    service: "test",
    destination: { write: (line: string) => lines.push(JSON.parse(line)) },
  });
  const metrics = new Registry();
  const app = new Elysia()
    .use(createHttpKernel({ logger, metrics, maxBodyBytes: 1024 }).plugin)
    .get("/v1/things/:phone", ({ params }) => ({ phone: params.phone }))
    .get("/refused", () => {
      throw new AppError("FORBIDDEN", "not you");
    })
    .get("/sold-out", ({ request }) => refusalResponse(request, new AppError("CAMPAIGN_EXHAUSTED"), { quiet: true }))
    .get("/limited", ({ request }) =>
      refusalResponse(request, new AppError("RATE_LIMITED", undefined, { retryAfterSeconds: 7 })),
    )
    .get("/boom", () => {
      throw new Error("SQLITE_CONSTRAINT: secret internals at db.ts:42");
    })
    .get("/db-down", () => {
      // What the libSQL client throws over HTTP when its server refuses the connection.
      throw Object.assign(new TypeError("Unable to connect. Is the computer able to access the url?"), {
        code: "ECONNREFUSED",
      });
    });
  return { app, lines, metrics };
}

/** Elysia runs after-response hooks once the response is handed over, on a later turn. */
async function get(app: { handle(r: Request): Promise<Response> }, path: string, headers: Record<string, string> = {}) {
  const res = await app.handle(new Request(`http://localhost${path}`, { headers }));
  await new Promise((resolve) => setImmediate(resolve));
  return res;
}

test("every request is logged once with its request id and the route pattern, never the raw path", async () => {
  const { app, lines } = appWithCapturedLogs();
  const res = await get(app, "/v1/things/+989121234567", { "x-request-id": "req-1" });
  expect(res.headers.get("x-request-id")).toBe("req-1");
  const access = lines.filter((l) => l.msg === "request");
  expect(access).toEqual([expect.objectContaining({ requestId: "req-1", route: "/v1/things/:phone", status: 200 })]);
  expect(JSON.stringify(lines)).not.toContain("9121234567");
});

test("an unexpected error is a generic 500 problem; the details go to the log only", async () => {
  const { app, lines } = appWithCapturedLogs();
  const res = await get(app, "/boom", { "x-request-id": "req-boom" });
  expect(res.status).toBe(500);
  const body = await res.text();
  expect(JSON.parse(body)).toMatchObject({ code: "INTERNAL", status: 500, requestId: "req-boom" });
  expect(body).not.toContain("SQLITE");
  expect(body).not.toContain("db.ts");
  const logged = lines.find((l) => l.msg === "unhandled error");
  expect(logged).toMatchObject({ requestId: "req-boom", level: 50 });
  expect(lines.find((l) => l.msg === "request")).toMatchObject({ requestId: "req-boom", status: 500 });
});

test("a libSQL server that cannot be reached is a 503 to retry, logged as a warning, not a 500", async () => {
  const { app, lines } = appWithCapturedLogs();
  const res = await get(app, "/db-down", { "x-request-id": "req-down" });
  expect(res.status).toBe(503);
  expect(res.headers.get("retry-after")).toBe("1");
  expect(await res.json()).toMatchObject({ code: "SERVICE_UNAVAILABLE", detail: "the database is unreachable" });
  expect(lines.find((l) => l.msg === "database unreachable")).toMatchObject({ requestId: "req-down", level: 40 });
  expect(lines.some((l) => l.msg === "unhandled error")).toBe(false);
});

test("request counts and latencies are recorded by route and status", async () => {
  const { app, metrics } = appWithCapturedLogs();
  await get(app, "/refused");
  await get(app, "/refused");
  await get(app, "/v1/things/x");
  await get(app, "/nowhere");
  const text = metrics.render();
  expect(text).toContain('http_requests_total{method="GET",route="/refused",status="403"} 2');
  expect(text).toContain('http_requests_total{method="GET",route="/v1/things/:phone",status="200"} 1');
  expect(text).toContain('http_requests_total{method="GET",route="unmatched",status="404"} 1');
  expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/refused",status="403"\} 2/);
});

test("a refusal returned as a value is the same problem+json, counted by status; a quiet one is not access-logged at info", async () => {
  const { app, lines, metrics } = appWithCapturedLogs();
  const soldOut = await get(app, "/sold-out", { "x-request-id": "req-full" });
  expect(soldOut.status).toBe(409);
  expect(soldOut.headers.get("content-type")).toBe("application/problem+json");
  expect(await soldOut.json()).toMatchObject({ code: "CAMPAIGN_EXHAUSTED", requestId: "req-full" });
  const limited = await get(app, "/limited", { "x-request-id": "req-slow" });
  expect([limited.status, limited.headers.get("retry-after")]).toEqual([429, "7"]);

  expect(lines.filter((l) => l.msg === "request").map((l) => [l.requestId, l.status])).toEqual([["req-slow", 429]]);
  expect(metrics.render()).toContain('http_requests_total{method="GET",route="/sold-out",status="409"} 1');
});

test("lines logged by domain code while serving a request carry that request's id", async () => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: "info",
    service: "test",
    destination: { write: (line: string) => lines.push(JSON.parse(line)) },
  });
  const app = new Elysia()
    .use(createHttpKernel({ logger, metrics: new Registry(), maxBodyBytes: 1024 }).plugin)
    .get("/work", async () => {
      await Bun.sleep(1);
      logger.warn("something noteworthy");
      return "ok";
    })
    .listen({ port: 0, hostname: "127.0.0.1" });
  try {
    await Promise.all(
      ["a", "b", "c"].map((id) =>
        fetch(`http://127.0.0.1:${app.server?.port}/work`, { headers: { "x-request-id": `req-${id}` } }),
      ),
    );
    const warned = lines.filter((l) => l.msg === "something noteworthy").map((l) => l.requestId);
    expect(warned.sort()).toEqual(["req-a", "req-b", "req-c"]);
  } finally {
    await app.stop(true);
  }
});
