import { openapi } from "@elysiajs/openapi";

/** The OpenAPI document at `/docs/json` and its UI at `/docs`, with bearer auth declared. */
export function apiDocs(info: { title: string; version: string; description: string }) {
  return openapi({
    path: "/docs",
    specPath: "/docs/json",
    documentation: {
      info,
      components: {
        securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      },
      security: [{ bearer: [] }],
    },
  });
}
