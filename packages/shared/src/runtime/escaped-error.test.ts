import { expect, test } from "bun:test";
import { Elysia } from "elysia";
import { createLogger } from "../logger";
import { bunListenerOptions } from "./escaped-error";

/** An app whose listener-served route throws outside Elysia, as the sold-out fast path once did. */
function throwingApp() {
  const routes = {
    "/boom": {
      GET: (): Response => {
        throw new TypeError("boom at /work/secret/path.ts:12");
      },
    },
  };
  return new Elysia({ serve: { routes } }).get("/ok", () => "ok");
}

test("an error that escapes the app is answered with a generic problem+json 500 carrying a request id, and logged, never Bun's error page", async () => {
  const lines: string[] = [];
  const logger = createLogger({ level: "info", service: "test", destination: { write: (l: string) => lines.push(l) } });
  const app = throwingApp().listen({ ...bunListenerOptions(logger), port: 0, hostname: "127.0.0.1" });
  try {
    const res = await fetch(`http://127.0.0.1:${app.server?.port}/boom`);
    const text = await res.text();
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const problem = JSON.parse(text) as { code: string; requestId: string };
    expect(problem.code).toBe("INTERNAL");
    expect(res.headers.get("x-request-id")).toBe(problem.requestId);
    expect(text).not.toContain("boom");
    expect(text).not.toContain("/work/");
    const logged = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "unhandled error outside the app");
    expect(logged).toMatchObject({
      level: 50,
      requestId: problem.requestId,
      err: { message: expect.stringContaining("boom") },
    });
  } finally {
    await app.stop(true);
  }
});
