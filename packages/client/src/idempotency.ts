const SCOPE = /^[\x21-\x7e]{1,64}$/;

/**
 * A stable Idempotency-Key for one of the caller's own requests: the same scope and request id
 * always give the same key, so a retry after a lost answer replays instead of paying twice.
 * Hashed, so any request id (long, non-ASCII) fits the wallet's 1-255 printable ASCII characters.
 */
export async function idempotencyKeyFor(scope: string, requestId: string): Promise<string> {
  if (!SCOPE.test(scope)) throw new TypeError("scope must be 1-64 printable ASCII characters, e.g. 'bff-topup'");
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${scope}\n${requestId}`));
  const hex = Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${scope}:${hex}`;
}
