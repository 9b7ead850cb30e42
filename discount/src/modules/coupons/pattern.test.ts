import { expect, test } from "bun:test";
import { AppError } from "../../errors";
import { canonicalCode } from "../campaigns/code";
import { compilePattern, displayCode, spaceRefusal } from "./pattern";

/** The code and field of what compiling throws. */
function refusalOf(pattern?: string, alphabet?: string) {
  try {
    compilePattern(pattern, alphabet);
  } catch (error) {
    if (error instanceof AppError) return [error.code, error.extra.errors?.[0]?.field];
  }
  return "compiled";
}

test("by default a code is the spec's: 8 characters of its 32-letter alphabet, 40 bits", () => {
  const code = compilePattern();
  expect(code).toMatchObject({ pattern: "########", alphabet: "ABCDEFGHJKLMNPQRSTUVWXYZ23456789", spaceBits: 40 });
  expect(code.generate()).toMatch(/^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{8}$/);
});

test("a pattern's literals stay, each # is one character of the alphabet, and its dashes are only for show", () => {
  const code = compilePattern("IRBR-####-####", "ABCDEFGHJKMNPQRS");
  expect(code.spaceBits).toBe(32);
  const made = code.generate();
  expect(made).toMatch(/^IRBR[A-HJKMNPQRS]{8}$/);
  const shown = displayCode(code.pattern, made);
  expect(shown).toBe(`IRBR-${made.slice(4, 8)}-${made.slice(8)}`);
  // What a person types from the printed form finds the stored code.
  expect(canonicalCode(shown.toLowerCase())).toBe(made);
});

test("a pattern of other characters, with a dash at either end, too short or long, or without a # is 422 INVALID_CODE_PATTERN", () => {
  const bad = ["ab##", "AB ##", "AB_##", "A#-", "-####", "#".repeat(33), "ABCDEF", "----"];
  for (const pattern of bad)
    expect([pattern, refusalOf(pattern)]).toEqual([pattern, ["INVALID_CODE_PATTERN", "body.pattern"]]);
});

test("an alphabet under 16 characters, with an ambiguous or repeated one, or outside A-Z 0-9 is 422 INVALID_CODE_ALPHABET", () => {
  const bad = ["ABCDEFGHJKMNPQR", "ABCDEFGHJKMNPQRO", "ABCDEFGHJKMNPQR0", "ABCDEFGHJKMNPQR1", "ABCDEFGHJKMNPQRI"];
  bad.push("ABCDEFGHJKMNPQRR", "abcdefghjkmnpqrs", "ABCDEFGHJKMNPQR-", "ABCDEFGHJKMNPQRÄ");
  for (const alphabet of bad) {
    expect([alphabet, refusalOf("####", alphabet)]).toEqual([alphabet, ["INVALID_CODE_ALPHABET", "body.alphabet"]]);
  }
  expect(refusalOf("####", "ABCDEFGHJKMNPQRS")).toBe("compiled");
});

test("up to 1 % of the space may be out; past it the refusal reports the space in bits", () => {
  const code = compilePattern("####", "ABCDEFGHJKMNPQRS"); // 65,536 codes
  expect(spaceRefusal(code, 600, 55)).toBeNull();
  const refusal = spaceRefusal(code, 600, 56);
  expect(refusal?.code).toBe("CODE_SPACE_TOO_SMALL");
  expect(refusal?.extra.members).toEqual({ spaceBits: 16, maxCodes: 655, issuedCodes: 600 });
  expect(spaceRefusal(code, 0, 65_536)?.code).toBe("CODE_SPACE_TOO_SMALL");
});
