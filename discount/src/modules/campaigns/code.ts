/** Generated codes: no I, O, 0 or 1, so nobody misreads a code announced on TV. */
export const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
export const GENERATED_CODE_LENGTH = 8;
/** The generated code as a coupon pattern: `#` is one random character. */
export const DEFAULT_CODE_PATTERN = "#".repeat(GENERATED_CODE_LENGTH);

/** getRandomValues' limit per call: one call fills the pool for 8,192 default codes. */
const POOL_BYTES = 65_536;
let pool = new Uint8Array(0);
let used = 0;

function randomByte(): number {
  if (used >= pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_BYTES));
    used = 0;
  }
  return pool[used++] as number;
}

/**
 * `length` characters of `alphabet` from a cryptographically secure source, each equally
 * likely: a byte at or above the largest multiple of the alphabet's size is dropped, so
 * the remainder has no modulo bias (the default 32 letters divide 256 and drop none).
 * Bytes come from a pool refilled by the CSPRNG in bulk, each used once, so generating a
 * million codes costs a few hundred system calls, not a million.
 */
export function randomCode(length: number, alphabet: string): string {
  const size = alphabet.length;
  const below = 256 - (256 % size);
  let code = "";
  while (code.length < length) {
    const byte = randomByte();
    if (byte < below) code += alphabet[byte % size];
  }
  return code;
}

/** A code of the spec's alphabet, 8 characters unless asked otherwise. */
export function generateCode(length = GENERATED_CODE_LENGTH): string {
  return randomCode(length, CODE_ALPHABET);
}

const SEPARATORS = /[\s-]/g;
const CANONICAL = /^[A-Z0-9]{4,32}$/;

/** Codes are case-insensitive and people type spaces and dashes: one canonical form, or null. */
export function canonicalCode(input: string): string | null {
  const code = input.replace(SEPARATORS, "").toUpperCase();
  return CANONICAL.test(code) ? code : null;
}
