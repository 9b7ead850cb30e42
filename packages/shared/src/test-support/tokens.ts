import { mintToken, type Role } from "../auth";

/** A secret for tests only: long enough for the config's 32-byte minimum. */
export const TEST_JWT_SECRET = "test-secret-for-matchday-tests-only-0123456789";

/** Bearer headers for each role, for tests that call the API as someone. */
export async function bearer(role: Role, subject = role === "user" ? "09120000000" : role, ttlSeconds = 3600) {
  const token = await mintToken(TEST_JWT_SECRET, { role, subject, ttlSeconds });
  return { authorization: `Bearer ${token}` };
}
