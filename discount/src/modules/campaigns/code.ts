/** Generated codes: no I, O, 0 or 1, so nobody misreads a code announced on TV. */
export const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
export const GENERATED_CODE_LENGTH = 8;

/** getRandomValues' limit per call: one call fills the pool for 8,192 codes. */
const POOL_BYTES = 65_536;
let pool = new Uint8Array(0);
let used = 0;

/**
 * A code from a cryptographically secure source. The alphabet has 32 = 2^5 letters,
 * so the low five bits of a random byte pick one uniformly: no modulo bias. Bytes come
 * from a pool refilled by the CSPRNG in bulk, each used once, so generating a million
 * codes costs a few hundred system calls, not a million.
 */
export function generateCode(length = GENERATED_CODE_LENGTH): string {
  if (used + length > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(Math.max(POOL_BYTES, length)));
    used = 0;
  }
  let code = "";
  for (let i = used; i < used + length; i++) code += CODE_ALPHABET[(pool[i] as number) & 31];
  used += length;
  return code;
}

const SEPARATORS = /[\s-]/g;
const CANONICAL = /^[A-Z0-9]{4,32}$/;

/** Codes are case-insensitive and people type spaces and dashes: one canonical form, or null. */
export function canonicalCode(input: string): string | null {
  const code = input.replace(SEPARATORS, "").toUpperCase();
  return CANONICAL.test(code) ? code : null;
}
