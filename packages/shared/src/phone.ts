import { AppError } from "./errors";

/**
 * Iranian mobile numbers in any form people type them, to one canonical form
 * (E.164, `+989XXXXXXXXX`). Returns null for anything that is not one.
 */
const PERSIAN_ZERO = 0x06f0;
const ARABIC_INDIC_ZERO = 0x0660;

function toAsciiDigits(input: string): string {
  let out = "";
  for (const ch of input) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= PERSIAN_ZERO && cp <= PERSIAN_ZERO + 9) out += String(cp - PERSIAN_ZERO);
    else if (cp >= ARABIC_INDIC_ZERO && cp <= ARABIC_INDIC_ZERO + 9) out += String(cp - ARABIC_INDIC_ZERO);
    else out += ch;
  }
  return out;
}

// After separators are removed: +98 9XXXXXXXXX, 0098 9XXXXXXXXX, 0 9XXXXXXXXX or 9XXXXXXXXX.
const MOBILE = /^(?:\+98|0098|0)?(9\d{9})$/;
const SEPARATORS = /[ -]/g;
const MAX_INPUT_LENGTH = 32;
// Invisible direction marks and zero-width characters that RTL apps put around and inside a
// pasted number (LRM, RLM, ZWSP/ZWNJ/ZWJ, the embeddings/overrides and isolates). trim()
// already drops BOM and NBSP at the ends; these can sit anywhere, so they go before parsing.
const INVISIBLE_MARKS = /[\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g;
// A paste may carry a mark around every digit; anything longer is not a phone worth parsing.
const MAX_PASTED_LENGTH = 128;

// The stored form, which services send back as they got it, and digits that are not ASCII.
const CANONICAL = /^\+989\d{9}$/;
const LOCAL_DIGITS = /[\u0660-\u0669\u06f0-\u06f9]/;

export function normalizePhone(input: unknown): string | null {
  if (typeof input !== "string" || input.length > MAX_PASTED_LENGTH) return null;
  // Most of a match burst: checked on every sold-out answer, so the common forms skip the rewriting.
  if (CANONICAL.test(input)) return input;
  const visible = input.replace(INVISIBLE_MARKS, "");
  if (visible.length > MAX_INPUT_LENGTH) return null;
  const ascii = LOCAL_DIGITS.test(visible) ? toAsciiDigits(visible) : visible;
  const compact = ascii.trim().replace(SEPARATORS, "");
  const match = MOBILE.exec(compact);
  return match ? `+98${match[1]}` : null;
}

/** For logs at info level: enough to correlate, not enough to identify. */
export function maskPhone(phone: string): string {
  return phone.length > 7 ? `${phone.slice(0, 6)}****${phone.slice(-3)}` : "****";
}

/** normalizePhone for request input: a 422 INVALID_PHONE naming the field when it is not a mobile. */
export function requirePhone(input: unknown, field: string): string {
  const phone = normalizePhone(input);
  if (!phone) {
    throw new AppError("INVALID_PHONE", `${field} must be an Iranian mobile number such as 09121234567`, {
      errors: [{ field, message: "is not an Iranian mobile number" }],
    });
  }
  return phone;
}
