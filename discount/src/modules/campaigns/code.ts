/** Generated codes: no I, O, 0 or 1, so nobody misreads a code announced on TV. */
export const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
export const GENERATED_CODE_LENGTH = 8;

/**
 * A code from a cryptographically secure source. The alphabet has 32 = 2^5 letters,
 * so the low five bits of a random byte pick one uniformly: no modulo bias.
 */
export function generateCode(length = GENERATED_CODE_LENGTH): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let code = "";
  for (const byte of bytes) code += CODE_ALPHABET[byte & 31];
  return code;
}

const SEPARATORS = /[\s-]/g;
const CANONICAL = /^[A-Z0-9]{4,32}$/;

/** Codes are case-insensitive and people type spaces and dashes: one canonical form, or null. */
export function canonicalCode(input: string): string | null {
  const code = input.replace(SEPARATORS, "").toUpperCase();
  return CANONICAL.test(code) ? code : null;
}
