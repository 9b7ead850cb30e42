/**
 * For bench/sold-out-floor.ts: the discount booted whole, as its entry boots it (store, Redis,
 * wiring, app, background timers), with its listener's POST /v1/redeem answered by the bare
 * route's `answer` step instead of the sold-out fast path: the same refusal as the bare route,
 * from inside the service's process. Against the bare route it prices the process itself;
 * against the fast path, the checks the fast path makes before it may refuse.
 *
 *   (the discount's own environment) DISCOUNT_PORT=4000 bun bench/in-service-refusal.ts
 */
import { bootDiscount } from "@matchday/discount/boot";
import { serveWithBun } from "@matchday/shared/runtime/bun";
import { bootOrExit } from "@matchday/shared/runtime/service";
import { answer } from "./bare-route";

const booted = await bootOrExit("discount", () => bootDiscount(process.env));
// The listener's own routes (createApp's `serve`), read by the listen below.
const routes = booted.app.config.serve?.routes as Record<string, unknown>;
routes["/v1/redeem"] = { POST: (request: Request) => answer("answer", request) };
serveWithBun(booted);
