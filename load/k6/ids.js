/**
 * What makes a run's data its own: a run id for codes and keys, and phone numbers
 * spread over the whole range from a per-run offset.
 */
import { env, envInt } from "./config.js";

/** A short id for this run: campaign codes, idempotency keys and names carry it. */
export function runId() {
  const time = Date.now().toString(36).toUpperCase();
  const random = Math.floor(Math.random() * 1679616)
    .toString(36)
    .toUpperCase()
    .padStart(4, "0");
  return `${time}${random}`;
}

/** A campaign code (4-32 letters/digits) unique to this run. */
export const campaignCode = (prefix, id) =>
  `${prefix}${id}`
    .replace(/[^A-Z0-9]/gi, "")
    .toUpperCase()
    .slice(0, 32);

const PHONE_SPACE = 10000000; // the seven digits after the operator prefix
// Coprime with 10^7 (odd, not a multiple of 5): i -> offset + i * STRIDE mod 10^7 is a bijection,
// so distinct indexes give distinct numbers, spread over the whole range rather than in a row.
const PHONE_STRIDE = 3141593;
const PHONE_PREFIX = env("PHONE_PREFIX", "0912");
if (!/^09\d{2}$/.test(PHONE_PREFIX)) throw new Error(`PHONE_PREFIX must look like 0912, got "${PHONE_PREFIX}"`);

/** Where this run's phone numbers start: PHONE_OFFSET, or random (call it in setup()). */
export function phoneOffset() {
  return envInt("PHONE_OFFSET", Math.floor(Math.random() * PHONE_SPACE), 0, PHONE_SPACE - 1);
}

/** The index-th phone of a run, an Iranian mobile as people type it: 0912xxxxxxx. At most 10^7 distinct. */
export function phoneAt(index, offset) {
  const n = (offset + (index % PHONE_SPACE) * PHONE_STRIDE) % PHONE_SPACE;
  return `${PHONE_PREFIX}${String(n).padStart(7, "0")}`;
}

/** The canonical form the services store and answer with: 09121234567 -> +989121234567. */
export const canonicalPhone = (local) => `+98${local.slice(1)}`;

/** A canonical +98 phone back in the local form, safe in a URL path: +989121234567 -> 09121234567. */
export const localPhone = (canonical) => `0${canonical.slice(3)}`;
