import { mintToken, type Role } from "@matchday/shared/auth";

/** A secret for tests only: long enough for the config's 32-byte minimum. */
export const TEST_JWT_SECRET = "test-secret-for-matchday-tests-only-0123456789";

/** What a test's Prometheus sends as its bearer token: also long enough for its 32-byte minimum. */
export const TEST_METRICS_TOKEN = "test-metrics-token-for-matchday-tests-0123456789";

/** A raw token for a role (no "Bearer "), as the typed clients' token option takes it. */
export function testToken(role: Role, subject = role === "user" ? "09120000000" : role, ttlSeconds = 3600) {
  return mintToken(TEST_JWT_SECRET, { role, subject, ttlSeconds });
}

/** Bearer headers for each role, for tests that call the API as someone. */
export async function bearer(role: Role, subject?: string, ttlSeconds?: number) {
  return { authorization: `Bearer ${await testToken(role, subject, ttlSeconds)}` };
}
