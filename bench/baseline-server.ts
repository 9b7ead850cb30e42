/**
 * The baseline for bench/http.ts: a bare Elysia server with one validated JSON POST,
 * the same route and body schema as the redeem endpoint and nothing else (no kernel,
 * no auth, no Redis, no database). Run as its own `bun` process, like the service,
 * so it gets a core of its own.
 *
 *   BASELINE_PORT=4000 bun bench/baseline-server.ts
 */
// The root package pins the same elysia as discount, so the baseline runs the same version.

import { SECURITY_HEADERS } from "@matchday/shared/http";
import { Elysia, t } from "elysia";

const port = Number(process.env.BASELINE_PORT ?? "0");
if (!Number.isSafeInteger(port) || port < 0 || port > 65_535) {
  console.error("baseline-server: BASELINE_PORT must be a port number");
  process.exit(1);
}

const RedeemBody = t.Object(
  {
    code: t.String({ minLength: 1, maxLength: 64 }),
    phone: t.Optional(t.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

// BASELINE_API_HEADERS=1: the same, answering with the headers every answer of this API
// carries (security headers, a request id), to show what those cost on their own.
const apiHeaders = process.env.BASELINE_API_HEADERS === "1";

const app = new Elysia()
  .headers(apiHeaders ? SECURITY_HEADERS : {})
  .get("/health", () => ({ status: "ok" }))
  .post(
    "/v1/redeem",
    ({ body, set }) => {
      if (apiHeaders) set.headers["x-request-id"] = crypto.randomUUID();
      return { status: "received", code: body.code, phone: body.phone ?? null };
    },
    { parse: "json", body: RedeemBody },
  )
  .listen({ port, hostname: process.env.HOST ?? "127.0.0.1" });

console.log(`baseline listening on ${app.server?.port}`);

const stop = async () => {
  await app.stop();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
