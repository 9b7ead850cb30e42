import { AppError } from "../../errors";
import { CODE_ALPHABET, DEFAULT_CODE_PATTERN, randomCode } from "../campaigns/code";

/** Characters a custom alphabet may not hold: each is misread as another in some font (0/O, 1/I). */
export const AMBIGUOUS_CHARACTERS = "0O1I";
export const MIN_ALPHABET_SIZE = 16;
/** A batch (with what its pattern already has out) may take at most this share of the pattern's codes. */
export const MAX_SPACE_SHARE = 0.01;

const SLOT = "#";
/** What a pattern is made of: upper-case letters and digits as literals, `#` slots, dashes for show. */
const PATTERN_CHARACTERS = /^[A-Z0-9#-]+$/;
const ALPHABET_CHARACTERS = /^[A-Z0-9]+$/;
/** Redemption looks codes up in canonical form, which is 4-32 letters and digits (campaigns/code.ts). */
const MIN_CODE_LENGTH = 4;
const MAX_CODE_LENGTH = 32;

/**
 * A compiled code pattern. Codes are made and stored in canonical form (no dashes, as a
 * redeem looks them up); displayCode puts the pattern's dashes back for people to read.
 */
export interface CodePattern {
  pattern: string;
  alphabet: string;
  /** How many codes the pattern can make: alphabet size ^ slots. */
  space: number;
  /** log2 of the space, to two decimals. */
  spaceBits: number;
  /** A new code in canonical form. */
  generate(): string;
}

function invalid(code: "INVALID_CODE_PATTERN" | "INVALID_CODE_ALPHABET", field: string, message: string): never {
  throw new AppError(code, `${field} ${message}`, { errors: [{ field, message }] });
}

function checkPattern(pattern: string): string {
  const field = "body.pattern";
  if (!PATTERN_CHARACTERS.test(pattern)) invalid("INVALID_CODE_PATTERN", field, "may hold only A-Z, 0-9, # and -");
  // A code shown with a leading dash reads as a formula in a spreadsheet (the CSV), and as a typo anywhere.
  if (pattern.startsWith("-") || pattern.endsWith("-")) {
    invalid("INVALID_CODE_PATTERN", field, "may not start or end with a dash");
  }
  const canonical = pattern.replaceAll("-", "");
  if (canonical.length < MIN_CODE_LENGTH || canonical.length > MAX_CODE_LENGTH) {
    invalid("INVALID_CODE_PATTERN", field, `must have ${MIN_CODE_LENGTH}-${MAX_CODE_LENGTH} characters besides dashes`);
  }
  if (!canonical.includes(SLOT)) invalid("INVALID_CODE_PATTERN", field, "needs at least one # (a random character)");
  return canonical;
}

function checkAlphabet(alphabet: string): void {
  const field = "body.alphabet";
  if (!ALPHABET_CHARACTERS.test(alphabet)) invalid("INVALID_CODE_ALPHABET", field, "may hold only A-Z and 0-9");
  const ambiguous = [...AMBIGUOUS_CHARACTERS].filter((c) => alphabet.includes(c));
  if (ambiguous.length > 0) {
    invalid("INVALID_CODE_ALPHABET", field, `may not hold ${ambiguous.join(", ")}: misread as other characters`);
  }
  // A repeated character would be drawn twice as often: codes no longer uniform.
  if (new Set(alphabet).size !== alphabet.length) invalid("INVALID_CODE_ALPHABET", field, "repeats a character");
  if (alphabet.length < MIN_ALPHABET_SIZE) {
    invalid("INVALID_CODE_ALPHABET", field, `needs at least ${MIN_ALPHABET_SIZE} characters`);
  }
}

/** A pattern and alphabet as a code maker, or 422 INVALID_CODE_PATTERN / INVALID_CODE_ALPHABET naming the field. */
export function compilePattern(pattern = DEFAULT_CODE_PATTERN, alphabet = CODE_ALPHABET): CodePattern {
  const canonical = checkPattern(pattern);
  checkAlphabet(alphabet);
  const slots = [...canonical].filter((c) => c === SLOT).length;
  const literals = canonical.split(SLOT);
  return {
    pattern,
    alphabet,
    space: alphabet.length ** slots,
    spaceBits: Math.round(slots * Math.log2(alphabet.length) * 100) / 100,
    generate() {
      const random = randomCode(slots, alphabet);
      if (slots === canonical.length) return random; // the default: nothing to put between
      let code = literals[0] as string;
      for (let i = 0; i < slots; i++) code += (random[i] as string) + literals[i + 1];
      return code;
    },
  };
}

/** A stored (canonical) code with its pattern's dashes put back where the pattern has them. */
export function displayCode(pattern: string, code: string): string {
  if (!pattern.includes("-")) return code;
  let shown = "";
  let next = 0;
  for (const c of pattern) shown += c === "-" ? "-" : (code[next++] ?? "");
  return shown;
}

/**
 * Null when `count` more codes keep the pattern within its share of the space; else the
 * refusal, 422 CODE_SPACE_TOO_SMALL with the space in bits. Past that share a guesser
 * who knows the pattern hits a live code too often, and new codes collide ever more.
 */
export function spaceRefusal(code: CodePattern, issued: number, count: number): AppError | null {
  const allowed = Math.floor(code.space * MAX_SPACE_SHARE);
  if (issued + count <= allowed) return null;
  return new AppError(
    "CODE_SPACE_TOO_SMALL",
    `pattern ${code.pattern} over ${code.alphabet.length} characters has ${code.spaceBits} bits of codes ` +
      `(${code.space}); at most ${allowed} may be out, ${issued} are and ${count} more were asked for`,
    {
      errors: [{ field: "body.count", message: `more than ${MAX_SPACE_SHARE * 100}% of the pattern's codes` }],
      members: { spaceBits: code.spaceBits, maxCodes: allowed, issuedCodes: issued },
    },
  );
}
