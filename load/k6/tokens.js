/**
 * The admin and service tokens a script runs with: given, or minted here from the
 * secret with k6's built-in crypto (no remote imports, no npm packages).
 */
import crypto from "k6/crypto";
import encoding from "k6/encoding";
import { env, envInt } from "./config.js";

const b64url = (text) => encoding.b64encode(text, "rawurl");

/**
 * An HS256 JWT as the services expect it (packages/shared/src/auth.ts): header
 * {alg:"HS256",typ:"JWT"}, claims {role, sub, iat, exp}, key = the secret's UTF-8 bytes.
 */
export function mintToken(secret, role, subject, ttlSeconds) {
  const iat = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const claims = b64url(JSON.stringify({ role, sub: subject, iat, exp: iat + ttlSeconds }));
  const signature = crypto.hmac("sha256", secret, `${header}.${claims}`, "base64rawurl");
  return `${header}.${claims}.${signature}`;
}

/**
 * The admin and service tokens: ADMIN_TOKEN and SERVICE_TOKEN when given (minted with
 * `bun run --silent token --role admin|service`), else minted here from JWT_SECRET.
 * Call it in setup() and hand the result to the VUs through setup's data.
 */
export function resolveTokens() {
  const secret = env("JWT_SECRET");
  const ttl = envInt("TOKEN_TTL", 4 * 3600, 60, 30 * 86400);
  const admin = env("ADMIN_TOKEN") || (secret && mintToken(secret, "admin", "k6-admin", ttl));
  const service = env("SERVICE_TOKEN") || (secret && mintToken(secret, "service", "k6-load", ttl));
  if (!admin || !service) {
    throw new Error(
      "no tokens: pass -e ADMIN_TOKEN=$(bun run --silent token --role admin) " +
        "-e SERVICE_TOKEN=$(bun run --silent token --role service --sub k6), or -e JWT_SECRET=... to mint them here",
    );
  }
  return { admin, service };
}
