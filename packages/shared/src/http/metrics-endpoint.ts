import { createHash, timingSafeEqual } from "node:crypto";
import { requireRole, type TokenVerifier } from "../auth";

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
