/**
 * For bench/sold-out-floor.ts: a bare Bun server (no Elysia, no kernel, no Redis) whose
 * POST /v1/redeem stops at one step of what any sold-out answer must do, and answers
 * 409 there. Each step adds one piece, so the bench can price them one by one:
 *
 *   static   answer without reading the request body
 *   body     read the body
 *   checked  + parse it and check it against the route's own schema
 *   answer   + answer as this API answers every refusal, through the kernel's own
 *            directRefusal (what the fast path uses): the problem+json body with a
 *            request id, x-request-id and the security headers, the request metrics,
 *            and the access log line skipped at info level
 *   logged   + the access log line a non-quiet answer writes at info (a winner's
 *            repeat, a balance read): the floor analyses of those rows need its price
 *
 *   BARE_STEP=answer BARE_PORT=4000 bun bench/bare-route.ts
 */

import { AppError } from "@matchday/discount/errors";
import { redeemBodyCheck } from "@matchday/discount/redeem/model";
import { createHttpKernel } from "@matchday/shared/http";
import { createLogger, unredacted } from "@matchday/shared/logger";
import { Registry } from "@matchday/shared/metrics";

export const BARE_STEPS = ["static", "body", "checked", "answer", "logged"] as const;
export type Step = (typeof BARE_STEPS)[number];

const logger = createLogger({ level: "info", service: "bare-route" });
const accessLog = unredacted(logger);
const refuse = createHttpKernel({
  logger,
  metrics: new Registry(),
  maxBodyBytes: 16_384,
}).directRefusal("/v1/redeem", "POST", new AppError("CAMPAIGN_EXHAUSTED"));
const tiny = () => new Response("sold out", { status: 409 });

export async function answer(step: Step, request: Request): Promise<Response> {
  const text = await request.text();
  if (step === "body") return tiny();
  const valid = redeemBodyCheck.Check(JSON.parse(text));
  if (step === "checked" || !valid) return tiny();
  const response = refuse(request);
  if (step === "logged") {
    // The kernel's line for an answer that is not quiet, as its logAnswer writes it.
    const requestId = response.headers.get("x-request-id");
    accessLog.info({ requestId, method: "POST", route: "/v1/redeem", status: response.status, ms: 0 }, "request");
  }
  return response;
}

/** Serves the step named by BARE_STEP on BARE_PORT until SIGTERM. */
function serve(): void {
  const step = process.env.BARE_STEP as Step;
  const port = Number(process.env.BARE_PORT ?? "0");
  if (!BARE_STEPS.includes(step) || !Number.isSafeInteger(port)) {
    console.error(`bare-route: BARE_STEP must be one of ${BARE_STEPS.join(", ")}, BARE_PORT a port`);
    process.exit(1);
  }
  const server = Bun.serve({
    port,
    hostname: "127.0.0.1",
    routes: {
      "/health": new Response("ok"),
      "/v1/redeem": { POST: step === "static" ? tiny : (request: Request) => answer(step, request) },
    },
    fetch: () => new Response("not found", { status: 404 }),
  });
  console.log(`bare route (${step}) listening on ${server.port}`);
  process.on("SIGTERM", () => {
    server.stop(true);
    process.exit(0);
  });
}

// The bench imports the list of steps; only a process started on this file serves.
if (import.meta.main) serve();
