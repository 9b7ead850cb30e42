import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { BoundedMap } from "./bounded-map";
import { AppError } from "./errors";
import { normalizePhone } from "./phone";

export const ROLES = ["user", "admin", "service"] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, after the token was verified. `phone` is set for users only. */
export type Principal = { role: "user"; phone: string } | { role: "admin" | "service"; subject: string };

const ALGORITHM = "HS256";
/** The longest lifetime (`exp - iat`) a token may have: what the token CLI may mint at most. */
export const MAX_TOKEN_TTL_SECONDS = 30 * 86400;
// Clocks of the minting host and ours may disagree a little; more than this is a forged or broken iat.
const ISSUED_AT_SKEW_SECONDS = 60;
const CACHE_LIMIT = 10_000;

function keyOf(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export interface MintOptions {
  role: Role;
  /** The phone for a user token; a name for an admin or service token. */
  subject: string;
  ttlSeconds: number;
  notBeforeSeconds?: number;
}

export async function mintToken(secret: string, options: MintOptions, now = Date.now()): Promise<string> {
  const subject = options.role === "user" ? normalizePhone(options.subject) : options.subject;
  if (!subject) throw new AppError("INVALID_PHONE", `"${options.subject}" is not an Iranian mobile number`);
  const iat = Math.floor(now / 1000);
  const jwt = new SignJWT({ role: options.role })
    .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
    .setSubject(subject)
    .setIssuedAt(iat)
    .setExpirationTime(iat + options.ttlSeconds);
  if (options.notBeforeSeconds !== undefined) jwt.setNotBefore(iat + options.notBeforeSeconds);
  return jwt.sign(keyOf(secret));
}

const SERVICE_TOKEN_TTL_SECONDS = 3600;
const SERVICE_TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * A service token this process signs for itself, handed to a client as its token provider:
 * minted once and again some minutes before it expires, so no request goes out with one
 * about to lapse in flight.
 */
export function serviceTokenSource(secret: string, subject: string, now: () => number = Date.now) {
  let token: { value: string; expiresAtMs: number } | undefined;
  return async (): Promise<string> => {
    if (!token || token.expiresAtMs - now() < SERVICE_TOKEN_REFRESH_MARGIN_MS) {
      const value = await mintToken(secret, { role: "service", subject, ttlSeconds: SERVICE_TOKEN_TTL_SECONDS }, now());
      token = { value, expiresAtMs: now() + SERVICE_TOKEN_TTL_SECONDS * 1000 };
    }
    return token.value;
  };
}

function principalFrom(payload: { sub?: unknown; role?: unknown }): Principal {
  const { sub, role } = payload;
  if (typeof sub !== "string" || sub === "") throw new AppError("INVALID_TOKEN", "The token has no subject");
  if (role === "user") {
    const phone = normalizePhone(sub);
    if (!phone) throw new AppError("INVALID_TOKEN", "A user token's subject must be a phone number");
    return { role, phone };
  }
  if (role === "admin" || role === "service") return { role, subject: sub };
  throw new AppError("INVALID_TOKEN", "The token has no known role");
}

/**
 * A leaked signing key should not mint tokens that outlive its rotation by years, nor
 * tokens dated ahead to dodge a later revocation; so a token may live no longer than the
 * CLI mints, and may not claim to be issued later than now (give or take clock skew).
 */
function checkLifetime(iat: number, exp: number, nowMs: number): void {
  if (iat > nowMs / 1000 + ISSUED_AT_SKEW_SECONDS)
    throw new AppError("INVALID_TOKEN", "The token is issued in the future");
  if (exp - iat > MAX_TOKEN_TTL_SECONDS) throw new AppError("INVALID_TOKEN", "The token lives longer than allowed");
}

export interface TokenVerifier {
  (authorization: string | null | undefined): Promise<Principal>;
  /**
   * The principal of a token this verifier already verified and that has not expired,
   * without any crypto; undefined for anything else. Lets a hot path act on a proven
   * caller at once and hand every other caller to the full verification.
   */
  cached?: (authorization: string | null | undefined) => Principal | undefined;
}

/** The auth scheme is case-insensitive (RFC 7235 §2.1); the token's own characters are both cases anyway. */
const BEARER = /^Bearer ([A-Za-z0-9_\-.]{1,4096})$/i;

/**
 * Verifies `Authorization: Bearer <jwt>` with HS256 pinned and `exp` required.
 * A verified token is cached until it expires: callers such as a BFF send the
 * same token on every request, and verifying it each time is measurably costly.
 */
export function createTokenVerifier(secret: string, now: () => number = Date.now): TokenVerifier {
  const key = keyOf(secret);
  // Keyed by the whole header a verification accepted, so a hit skips parsing the scheme too.
  // At the bound the older half goes, not all of it: a flood of new users' tokens does not
  // send every caller seen a moment ago back to HS256 at once.
  const cache = new BoundedMap<string, { principal: Principal; expiresAtMs: number }>(CACHE_LIMIT);
  const cachedPrincipal = (authorization: string): Principal | undefined => {
    const hit = cache.get(authorization);
    if (!hit) return undefined;
    if (hit.expiresAtMs > now()) return hit.principal;
    cache.delete(authorization);
    return undefined;
  };

  const verify: TokenVerifier = async (authorization) => {
    if (!authorization) throw new AppError("UNAUTHENTICATED", "Send an Authorization: Bearer <token> header");
    const cached = cachedPrincipal(authorization);
    if (cached) return cached;
    const token = BEARER.exec(authorization)?.[1];
    if (!token) throw new AppError("INVALID_TOKEN", "The Authorization header must be 'Bearer <token>'");

    let payload: { sub?: unknown; role?: unknown; exp?: number; iat?: number };
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: [ALGORITHM],
        requiredClaims: ["exp", "iat"],
        currentDate: new Date(now()),
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new AppError("TOKEN_EXPIRED", "The token has expired");
      throw new AppError("INVALID_TOKEN", "The token could not be verified");
    }
    checkLifetime(payload.iat ?? 0, payload.exp ?? 0, now());
    const principal = principalFrom(payload);
    cache.set(authorization, { principal, expiresAtMs: (payload.exp ?? 0) * 1000 });
    return principal;
  };
  verify.cached = (authorization) => (authorization ? cachedPrincipal(authorization) : undefined);
  return verify;
}

/** Throws FORBIDDEN unless the principal has one of the roles. */
export function requireRole(principal: Principal, roles: readonly Role[]): void {
  if (!roles.includes(principal.role)) {
    throw new AppError("FORBIDDEN", `This needs one of the roles: ${roles.join(", ")}`);
  }
}

/** Users may act only on their own phone; admins and services on any. */
export function requireSelfOrRole(principal: Principal, phone: string, roles: readonly Role[]): void {
  if (principal.role === "user" && principal.phone === phone) return;
  if (principal.role !== "user" && roles.includes(principal.role)) return;
  throw new AppError("FORBIDDEN", "This token may not act on this phone");
}
