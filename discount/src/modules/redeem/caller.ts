import {
  AppError,
  clientAddress,
  normalizePhone,
  type Principal,
  recordedSocketAddress,
  requirePhone,
  type TokenVerifier,
  type TrustProxy,
} from "@matchday/shared";

/**
 * Whose phone a redeem is for. A user redeems for the phone in their token (a
 * different phone in the body is refused); a service or admin names the phone in
 * the body; without a token only when anonymous redeem is switched on (demos).
 */
export async function callerPhone(
  verify: TokenVerifier,
  authorization: string | null,
  bodyPhone: string | undefined,
  anonymousAllowed: boolean,
): Promise<string> {
  if (!authorization && anonymousAllowed) return phoneFromBody(bodyPhone);
  const principal: Principal = await verify(authorization);
  if (principal.role !== "user") return phoneFromBody(bodyPhone);
  if (bodyPhone !== undefined && requirePhone(bodyPhone, "body.phone") !== principal.phone) {
    throw new AppError("FORBIDDEN", "A user token may only redeem for its own phone");
  }
  return principal.phone;
}

function phoneFromBody(bodyPhone: string | undefined): string {
  if (bodyPhone === undefined) {
    throw new AppError("VALIDATION_FAILED", "body.phone is required with this token", {
      errors: [{ field: "body.phone", message: "is required" }],
    });
  }
  return requirePhone(bodyPhone, "body.phone");
}

/**
 * The phone a request claims to be for, before any token is verified. Used only to
 * answer "sold out" to a non-winner cheaply: that answer is public knowledge, so
 * trusting an unverified claim for it reveals nothing. Everything else verifies.
 */
export function claimedPhone(authorization: string | null, bodyPhone: string | undefined): string | null {
  if (bodyPhone !== undefined) return normalizePhone(bodyPhone);
  const payload = authorization?.split(".")[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { sub?: unknown };
    return normalizePhone(claims.sub);
  } catch {
    return null;
  }
}

/**
 * The client's address: the socket's, or the X-Forwarded-For hop just before our trusted proxies.
 * Bun's server gives the socket's address to the route; under Deno the entry recorded it.
 */
export function clientIpOf(request: Request, socketIp: string | undefined, trust: TrustProxy): string {
  const socket = socketIp ?? recordedSocketAddress(request) ?? "unknown";
  return clientAddress(socket, request.headers.get("x-forwarded-for"), trust);
}
