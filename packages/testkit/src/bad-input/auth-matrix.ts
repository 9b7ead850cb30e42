import { MAX_TOKEN_TTL_SECONDS, mintToken } from "@matchday/shared/auth";
import { SignJWT } from "jose";
import { TEST_JWT_SECRET } from "../http/tokens";

/**
 * Who may call a route: anyone; the user whose phone is in the path, or staff;
 * admins and services only; admins only; or any verified caller (the route itself
 * then decides whose phone it is).
 */
export type Access = "public" | "self-or-staff" | "staff" | "admin" | "any-caller";

export interface Caller {
  name: string;
  authorization?: string;
  /** Expected status family for each access rule: 200 means "let through". */
  expect: Record<Exclude<Access, "public">, 200 | 401 | 403>;
  /** The problem code of a 401. */
  refusal?: "UNAUTHENTICATED" | "TOKEN_EXPIRED" | "INVALID_TOKEN";
}

const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString("base64url");
const key = new TextEncoder().encode(TEST_JWT_SECRET);

/**
 * Every kind of caller an auth matrix must try, for a route whose phone is `owner`:
 * missing, malformed, expired, not yet valid, wrongly signed, `alg: none` and
 * other-algorithm tokens, another user, the owner, a service and an admin.
 */
export async function authCallers(owner: string): Promise<Caller[]> {
  const now = Math.floor(Date.now() / 1000);
  const mint = (role: "user" | "admin" | "service", subject: string) =>
    mintToken(TEST_JWT_SECRET, { role, subject, ttlSeconds: 300 });
  const refused = { "self-or-staff": 401, staff: 401, admin: 401, "any-caller": 401 } as const;
  return [
    { name: "no token", expect: refused, refusal: "UNAUTHENTICATED" },
    { name: "malformed header", authorization: "Bearer", expect: refused, refusal: "INVALID_TOKEN" },
    { name: "garbage token", authorization: "Bearer abc.def.ghi", expect: refused, refusal: "INVALID_TOKEN" },
    {
      name: "expired",
      authorization: `Bearer ${await mintToken(TEST_JWT_SECRET, { role: "admin", subject: "a", ttlSeconds: 1 }, Date.now() - 60_000)}`,
      expect: refused,
      refusal: "TOKEN_EXPIRED",
    },
    {
      name: "not yet valid",
      authorization: `Bearer ${await mintToken(TEST_JWT_SECRET, { role: "admin", subject: "a", ttlSeconds: 600, notBeforeSeconds: 120 })}`,
      expect: refused,
      refusal: "INVALID_TOKEN",
    },
    {
      name: "issued in the future",
      authorization: `Bearer ${await mintToken(TEST_JWT_SECRET, { role: "admin", subject: "a", ttlSeconds: 600 }, Date.now() + 600_000)}`,
      expect: refused,
      refusal: "INVALID_TOKEN",
    },
    {
      name: "lifetime beyond the longest the CLI mints",
      authorization: `Bearer ${await mintToken(TEST_JWT_SECRET, { role: "admin", subject: "a", ttlSeconds: MAX_TOKEN_TTL_SECONDS + 1 })}`,
      expect: refused,
      refusal: "INVALID_TOKEN",
    },
    {
      name: "wrong signature",
      authorization: `Bearer ${await mintToken(`${TEST_JWT_SECRET}x`, { role: "admin", subject: "a", ttlSeconds: 60 })}`,
      expect: refused,
      refusal: "INVALID_TOKEN",
    },
    {
      name: "alg none",
      authorization: `Bearer ${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: "a", role: "admin", exp: now + 60 })}.`,
      expect: refused,
      refusal: "INVALID_TOKEN",
    },
    {
      name: "other algorithm (HS384)",
      authorization: `Bearer ${await new SignJWT({ role: "admin", exp: now + 60 }).setProtectedHeader({ alg: "HS384" }).setSubject("a").sign(key)}`,
      expect: refused,
      refusal: "INVALID_TOKEN",
    },
    {
      name: "another user",
      authorization: `Bearer ${await mint("user", "09122222222")}`,
      expect: { "self-or-staff": 403, staff: 403, admin: 403, "any-caller": 200 },
    },
    {
      name: "the user themself",
      authorization: `Bearer ${await mint("user", owner)}`,
      expect: { "self-or-staff": 200, staff: 403, admin: 403, "any-caller": 200 },
    },
    {
      name: "service",
      authorization: `Bearer ${await mint("service", "bff")}`,
      expect: { "self-or-staff": 200, staff: 200, admin: 403, "any-caller": 200 },
    },
    {
      name: "admin",
      authorization: `Bearer ${await mint("admin", "ops")}`,
      expect: { "self-or-staff": 200, staff: 200, admin: 200, "any-caller": 200 },
    },
    {
      name: "admin with a lower-case scheme",
      authorization: `bearer ${await mint("admin", "ops")}`,
      expect: { "self-or-staff": 200, staff: 200, admin: 200, "any-caller": 200 },
    },
  ];
}
