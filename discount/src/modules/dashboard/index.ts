import { readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Elysia } from "elysia";
import { AppError } from "../../errors";

/** The admin page's files, next to the services in the repository (DESIGN §2). */
export const DASHBOARD_DIR = fileURLToPath(new URL("../../../../admin-dashboard/", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/**
 * The page talks only to this origin and runs only its own files: a script injected
 * through a campaign name or a phone could not load or send anything anywhere else.
 */
const HEADERS = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

interface Asset {
  body: Uint8Array<ArrayBuffer>;
  type: string;
}

/**
 * Reads the page's files once, at start-up. Only names found in the folder then are
 * ever served, so no path a client sends can reach another file.
 */
function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type) assets.set(name, { body: new Uint8Array(readFileSync(join(dir, name))), type });
  }
  return assets;
}

/** Serves the admin dashboard at /admin. The page itself is public; every API call it makes needs an admin token. */
export function dashboardRoutes(dir = DASHBOARD_DIR) {
  const assets = loadAssets(dir);
  const serve = (name: string) => {
    const asset = assets.get(name);
    if (!asset) throw new AppError("ROUTE_NOT_FOUND");
    return new Response(asset.body, { headers: { ...HEADERS, "content-type": asset.type } });
  };
  return new Elysia({ name: "dashboard" })
    .get("/admin", () => serve("index.html"), { detail: { hide: true } })
    .get("/admin/:file", ({ params }) => serve(params.file), { detail: { hide: true } });
}
