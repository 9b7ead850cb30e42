import { Elysia, t } from "elysia";
import type { Registry } from "../metrics";

export type ReadinessCheck = () => Promise<void>;

/**
 * `/health` says the process is up; `/ready` that its dependencies answer (each
 * check named, failures reported without internals); `/metrics` is Prometheus text.
 */
export function systemRoutes(options: { service: string; checks: Record<string, ReadinessCheck>; metrics: Registry }) {
  return new Elysia({ name: "system-routes" })
    .get("/health", () => ({ status: "ok" as const, service: options.service }), {
      detail: { summary: "Liveness", tags: ["system"] },
      response: t.Object({ status: t.Literal("ok"), service: t.String() }),
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
          200: t.Object({ status: t.Literal("ready"), checks: t.Record(t.String(), t.String()) }),
          503: t.Object({ status: t.Literal("not-ready"), checks: t.Record(t.String(), t.String()) }),
        },
      },
    )
    .get(
      "/metrics",
      ({ set }) => {
        set.headers["content-type"] = "text/plain; version=0.0.4; charset=utf-8";
        return options.metrics.render();
      },
      { detail: { summary: "Prometheus metrics", tags: ["system"] } },
    );
}
