import { createHash, timingSafeEqual } from "node:crypto";
import { requireRole, type TokenVerifier } from "../auth";
import { AppError } from "../errors";
import type { Registry } from "../metrics";
import { problemResponse } from "./problem";
import { requestIdFrom } from "./request-state";

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * Who may read /metrics on the service's own port: Prometheus with the bearer METRICS_TOKEN,
 * or an admin or service token. Labels name campaigns, so the text is not public (DESIGN §7).
 * The token is compared as SHA-256 digests: timingSafeEqual needs equal lengths, and the
 * comparison must not tell a prober how much of a guess was right.
 */
export function metricsAccess(options: { token: string | undefined; verifyToken: TokenVerifier }) {
  const expected = options.token === undefined ? undefined : digest(options.token);
  return async (authorization: string | null): Promise<void> => {
    const presented = /^bearer +(\S+)$/i.exec(authorization ?? "")?.[1];
    if (expected && presented !== undefined && timingSafeEqual(digest(presented), expected)) return;
    requireRole(await options.verifyToken(authorization), ["admin", "service"]);
  };
}

/**
 * The internal METRICS_PORT listener's whole API: GET /metrics without a token, anything
 * else 404. Whoever can reach its address (loopback unless METRICS_HOST says otherwise) may read.
 */
export function metricsListener(registry: Registry): (request: Request) => Response {
  return (request) => {
    if (request.method === "GET" && URL.parse(request.url)?.pathname === "/metrics") {
      return new Response(registry.render(), { headers: { "content-type": METRICS_CONTENT_TYPE } });
    }
    return problemResponse(new AppError("ROUTE_NOT_FOUND"), requestIdFrom(request.headers.get("x-request-id")));
  };
}
