import { errors, jwtVerify, SignJWT } from "jose";

/** The services' tokens: HS256 with the shared secret, `exp` required, `role` and `sub` claims. */
const ALGORITHM = "HS256";
const SERVICE_TOKEN_TTL_SECONDS = 3600;
/** Re-minted this long before it expires, so no request goes out with one about to lapse in flight. */
const REFRESH_MARGIN_MS = 5 * 60_000;
const BEARER = /^Bearer ([A-Za-z0-9_\-.]{1,4096})$/i;

/** A signed-in user, or why the request has none (the code is the services' own for the same case). */
export type SignedIn =
  | { user: { phone: string; token: string } }
  | { refused: { status: 401 | 403; code: "UNAUTHENTICATED" | "INVALID_TOKEN" | "TOKEN_EXPIRED" | "FORBIDDEN" } };

/** Verifies the user's bearer token as the services do; only a `user` token is a signed-in user. */
export type UserVerifier = (authorization: string | null) => Promise<SignedIn>;

export function userVerifier(secret: string): UserVerifier {
  const key = new TextEncoder().encode(secret);
  return async (authorization) => {
    if (!authorization) return { refused: { status: 401, code: "UNAUTHENTICATED" } };
    const token = BEARER.exec(authorization)?.[1];
    if (!token) return { refused: { status: 401, code: "INVALID_TOKEN" } };
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: [ALGORITHM], requiredClaims: ["exp", "sub"] });
      if (payload.role !== "user" || !payload.sub) return { refused: { status: 403, code: "FORBIDDEN" } };
      // The services mint a user token's subject as the canonical phone; they check it again on every call.
      return { user: { phone: payload.sub, token } };
    } catch (error) {
      return { refused: { status: 401, code: error instanceof errors.JWTExpired ? "TOKEN_EXPIRED" : "INVALID_TOKEN" } };
    }
  };
}

/** The BFF's own service token, as a client's token provider: minted once, and again before it expires. */
export function serviceTokenSource(secret: string, subject: string): () => Promise<string> {
  const key = new TextEncoder().encode(secret);
  let current: { value: string; expiresAtMs: number } | undefined;
  return async () => {
    if (!current || current.expiresAtMs - Date.now() < REFRESH_MARGIN_MS) {
      const iat = Math.floor(Date.now() / 1000);
      const value = await new SignJWT({ role: "service" })
        .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
        .setSubject(subject)
        .setIssuedAt(iat)
        .setExpirationTime(iat + SERVICE_TOKEN_TTL_SECONDS)
        .sign(key);
      current = { value, expiresAtMs: (iat + SERVICE_TOKEN_TTL_SECONDS) * 1000 };
    }
    return current.value;
  };
}
