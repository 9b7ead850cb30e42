import { Type as T } from "@sinclair/typebox";
import { Elysia } from "elysia";
import type { Registry } from "../metrics";
import { METRICS_CONTENT_TYPE } from "./metrics-endpoint";

export type ReadinessCheck = () => Promise<void>;

/**
 * `/health` says the process is up; `/ready` that its dependencies answer (each
 * check named, failures reported without internals); `/metrics` is Prometheus text for
 * the callers `authorizeMetrics` lets through (metricsAccess).
 */
export function systemRoutes(options: {
  service: string;
  checks: Record<string, ReadinessCheck>;
  metrics: Registry;
  authorizeMetrics: (authorization: string | null) => Promise<void>;
}) {
  return new Elysia({ name: "system-routes" })
    .get("/health", () => ({ status: "ok" as const, service: options.service }), {
      detail: { summary: "Liveness", tags: ["system"] },
      response: T.Object({ status: T.Literal("ok"), service: T.String() }),
    })
    .get(
      "/ready",
      async ({ set }) => {
        const checks: Record<string, "ok" | "failing"> = {};
        await Promise.all(
          Object.entries(options.checks).map(async ([name, check]) => {
            checks[name] = await check().then(
              () => "ok" as const,
              () => "failing" as const,
            );
          }),
        );
        const ready = Object.values(checks).every((c) => c === "ok");
        if (!ready) set.status = 503;
        return { status: ready ? ("ready" as const) : ("not-ready" as const), checks };
      },
      {
        detail: { summary: "Readiness: every dependency answers", tags: ["system"] },
        response: {
          200: T.Object({ status: T.Literal("ready"), checks: T.Record(T.String(), T.String()) }),
          503: T.Object({ status: T.Literal("not-ready"), checks: T.Record(T.String(), T.String()) }),
        },
      },
    )
    .get(
      "/metrics",
      async ({ request, set }) => {
        await options.authorizeMetrics(request.headers.get("authorization"));
        set.headers["content-type"] = METRICS_CONTENT_TYPE;
        return options.metrics.render();
      },
      {
        detail: {
          summary: "Prometheus metrics",
          description:
            "Bearer METRICS_TOKEN, or an admin or service token: 401 without a valid one, 403 for a user token. " +
            "Problems are application/problem+json.",
          tags: ["system"],
        },
      },
    );
}
