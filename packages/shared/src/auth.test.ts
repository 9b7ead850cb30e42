import { describe, expect, test } from "bun:test";
import { SignJWT } from "jose";
import { createTokenVerifier, MAX_TOKEN_TTL_SECONDS, mintToken, serviceTokenSource } from "./auth";
import { AppError } from "./errors";

const SECRET = "a-test-secret-that-is-at-least-32-bytes-long";
const key = new TextEncoder().encode(SECRET);
const verify = createTokenVerifier(SECRET);

async function codeOf(authorization: string | undefined): Promise<string> {
  try {
    await verify(authorization);
    return "OK";
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe("token verification", () => {
  test("a minted user token yields the canonical phone; admin and service tokens their role", async () => {
    const user = await mintToken(SECRET, { role: "user", subject: "۰۹۱۲۱۲۳۴۵۶۷", ttlSeconds: 60 });
    expect(await verify(`Bearer ${user}`)).toEqual({ role: "user", phone: "+989121234567" });
    const admin = await mintToken(SECRET, { role: "admin", subject: "ops", ttlSeconds: 60 });
    expect(await verify(`Bearer ${admin}`)).toEqual({ role: "admin", subject: "ops" });
  });

  test("a missing header is UNAUTHENTICATED; a malformed one INVALID_TOKEN", async () => {
    expect(await codeOf(undefined)).toBe("UNAUTHENTICATED");
    expect(await codeOf("Basic abc")).toBe("INVALID_TOKEN");
    expect(await codeOf("Bearer not-a-jwt")).toBe("INVALID_TOKEN");
  });

  test("an expired token is TOKEN_EXPIRED", async () => {
    const token = await mintToken(SECRET, { role: "admin", subject: "ops", ttlSeconds: 60 }, Date.now() - 120_000);
    expect(await codeOf(`Bearer ${token}`)).toBe("TOKEN_EXPIRED");
  });

  test("a token without exp, with a future nbf, or with another key is refused", async () => {
    const noExp = await new SignJWT({ role: "admin" }).setProtectedHeader({ alg: "HS256" }).setSubject("x").sign(key);
    const notYet = await mintToken(SECRET, { role: "admin", subject: "ops", ttlSeconds: 600, notBeforeSeconds: 300 });
    const otherKey = await mintToken(`${SECRET}-other`, { role: "admin", subject: "ops", ttlSeconds: 60 });
    for (const token of [noExp, notYet, otherKey]) expect(await codeOf(`Bearer ${token}`)).toBe("INVALID_TOKEN");
  });

  test("alg none and other algorithms are refused even with valid claims", async () => {
    const claims = { sub: "ops", role: "admin", exp: nowSeconds() + 60 };
    const none = `${base64url({ alg: "none", typ: "JWT" })}.${base64url(claims)}.`;
    const hs512 = await new SignJWT(claims).setProtectedHeader({ alg: "HS512" }).sign(key);
    expect(await codeOf(`Bearer ${none}`)).toBe("INVALID_TOKEN");
    expect(await codeOf(`Bearer ${hs512}`)).toBe("INVALID_TOKEN");
  });

  test("unknown roles and user tokens whose subject is not a phone are refused", async () => {
    const exp = nowSeconds() + 60;
    const root = await new SignJWT({ role: "root", exp })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("x")
      .sign(key);
    const user = await new SignJWT({ role: "user", exp })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("bob")
      .sign(key);
    expect(await codeOf(`Bearer ${root}`)).toBe("INVALID_TOKEN");
    expect(await codeOf(`Bearer ${user}`)).toBe("INVALID_TOKEN");
  });

  test("a token living longer than the longest the token CLI mints is refused", async () => {
    const longest = await mintToken(SECRET, { role: "admin", subject: "ops", ttlSeconds: MAX_TOKEN_TTL_SECONDS });
    const longer = await mintToken(SECRET, { role: "admin", subject: "ops", ttlSeconds: MAX_TOKEN_TTL_SECONDS + 1 });
    const forever = await new SignJWT({ role: "admin" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("ops")
      .setIssuedAt(nowSeconds())
      .setExpirationTime(nowSeconds() + 10 * 365 * 86400)
      .sign(key);
    expect(await codeOf(`Bearer ${longest}`)).toBe("OK");
    expect(await codeOf(`Bearer ${longer}`)).toBe("INVALID_TOKEN");
    expect(await codeOf(`Bearer ${forever}`)).toBe("INVALID_TOKEN");
  });

  test("a token issued in the future beyond a minute of clock skew is refused", async () => {
    const skewed = await mintToken(SECRET, { role: "admin", subject: "ops", ttlSeconds: 600 }, Date.now() + 30_000);
    const future = await mintToken(SECRET, { role: "admin", subject: "ops", ttlSeconds: 600 }, Date.now() + 120_000);
    expect(await codeOf(`Bearer ${skewed}`)).toBe("OK");
    expect(await codeOf(`Bearer ${future}`)).toBe("INVALID_TOKEN");
  });

  test("a token without iat is refused, as everything we mint carries one", async () => {
    const noIat = await new SignJWT({ role: "admin" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("ops")
      .setExpirationTime(nowSeconds() + 60)
      .sign(key);
    expect(await codeOf(`Bearer ${noIat}`)).toBe("INVALID_TOKEN");
  });

  test("the Bearer scheme is matched case-insensitively (RFC 7235)", async () => {
    const token = await mintToken(SECRET, { role: "admin", subject: "ops", ttlSeconds: 60 });
    for (const scheme of ["bearer", "BEARER", "bEaReR"]) expect(await codeOf(`${scheme} ${token}`)).toBe("OK");
    expect(await codeOf(`Bearerx ${token}`)).toBe("INVALID_TOKEN");
  });

  test("a cached token is refused once it expires", async () => {
    let now = Date.now();
    const clockVerify = createTokenVerifier(SECRET, () => now);
    const token = await mintToken(SECRET, { role: "service", subject: "discount", ttlSeconds: 5 }, now);
    expect((await clockVerify(`Bearer ${token}`)).role).toBe("service");
    now += 6_000;
    await expect(clockVerify(`Bearer ${token}`)).rejects.toMatchObject({ code: "TOKEN_EXPIRED" });
  });

  test("past its bound the cache keeps the callers seen last and forgets the earliest", async () => {
    const fresh = createTokenVerifier(SECRET);
    const headers = await Promise.all(
      Array.from({ length: 10_001 }, async (_, i) => {
        const token = await mintToken(SECRET, { role: "service", subject: `caller-${i}`, ttlSeconds: 60 });
        return `Bearer ${token}`;
      }),
    );
    for (const header of headers) await fresh(header);
    expect(fresh.cached?.(headers[0])).toBeUndefined();
    // The 10,000th caller, verified just before the bound was passed, is still proven.
    expect(fresh.cached?.(headers[9_999])).toEqual({ role: "service", subject: "caller-9999" });
    expect(fresh.cached?.(headers[10_000])).toEqual({ role: "service", subject: "caller-10000" });
  });
});

test("a self-signed service token is reused while fresh and re-minted five minutes before it expires", async () => {
  let now = Date.UTC(2026, 0, 1);
  const token = serviceTokenSource(SECRET, "discount", () => now);
  const first = await token();
  now += 54 * 60_000;
  expect(await token()).toBe(first);
  now += 2 * 60_000; // 4 minutes left of its hour
  const second = await token();
  expect(second).not.toBe(first);
  expect(await createTokenVerifier(SECRET, () => now)(`Bearer ${second}`)).toEqual({
    role: "service",
    subject: "discount",
  });
});
