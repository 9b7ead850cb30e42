import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";

/**
 * The docs UI (Scalar's standalone browser bundle, pinned in package.json), served by the
 * service itself: /docs shares its origin with /admin, whose admin token sits in the tab's
 * sessionStorage, so a script from a CDN there could read it; and the docs must work on a
 * network that cannot reach a CDN.
 */
const SCALAR_BUNDLE = fileURLToPath(
  new URL("../../node_modules/@scalar/api-reference/dist/browser/standalone.js", import.meta.url),
);

/**
 * Only this origin's own scripts run and only this origin is called (the "try it" requests
 * go to the same service). Styles may be inline: the bundle injects its stylesheet and sets
 * style attributes, which cannot run code.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

// Scalar's own fonts, telemetry and AI agent would call its servers; the system fonts do.
const SCALAR_CONFIGURATION = {
  url: "/docs/json",
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  showDeveloperTools: "never",
};

const START_SCRIPT = `Scalar.createApiReference("#app", ${JSON.stringify(SCALAR_CONFIGURATION)});\n`;

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

const page = (title: string) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escapeHtml(title)}</title>
  </head>
  <body>
    <div id="app"></div>
    <script src="/docs/assets/scalar.js"></script>
    <script src="/docs/assets/docs.js"></script>
  </body>
</html>
`;

const JAVASCRIPT = "text/javascript; charset=utf-8";
// The bundle's name carries no version, so a browser asks again after a day (an upgrade shows up by then).
const BUNDLE_CACHE = "public, max-age=86400";

let bundle: Uint8Array<ArrayBuffer> | undefined;
/** Read on first use, not at start-up: 5 MB that most processes never serve. */
function scalarBundle(): Uint8Array<ArrayBuffer> {
  bundle ??= new Uint8Array(readFileSync(SCALAR_BUNDLE));
  return bundle;
}

/** The OpenAPI document at `/docs/json` and its UI at `/docs`, with bearer auth declared. */
export function apiDocs(info: { title: string; version: string; description: string }) {
  const html = page(info.title);
  const hidden = { detail: { hide: true } };
  return new Elysia({ name: "api-docs", seed: info.title })
    .use(
      openapi({
        path: "/docs",
        specPath: "/docs/json",
        provider: null,
        documentation: {
          info,
          components: {
            securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
          },
          security: [{ bearer: [] }],
        },
      }),
    )
    .get(
      "/docs",
      () =>
        new Response(html, {
          headers: { "content-type": "text/html; charset=utf-8", "content-security-policy": CONTENT_SECURITY_POLICY },
        }),
      hidden,
    )
    .get(
      "/docs/assets/scalar.js",
      () => new Response(scalarBundle(), { headers: { "content-type": JAVASCRIPT, "cache-control": BUNDLE_CACHE } }),
      hidden,
    )
    .get("/docs/assets/docs.js", () => new Response(START_SCRIPT, { headers: { "content-type": JAVASCRIPT } }), hidden);
}
