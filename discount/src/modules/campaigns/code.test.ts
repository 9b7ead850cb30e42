import { expect, test } from "bun:test";
import { CODE_ALPHABET, canonicalCode, GENERATED_CODE_LENGTH, generateCode, randomCode } from "./code";

const CODES = 64_000; // 2,000 expected per letter and position

/** Pearson's chi-square statistic of observed counts against a uniform expectation. */
function chiSquare(counts: number[]): number {
  const expected = counts.reduce((a, b) => a + b, 0) / counts.length;
  return counts.reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
}

/** Wilson–Hilferty: the chi-square value with `dof` degrees of freedom exceeded with probability ~1e-6. */
function criticalValue(dof: number): number {
  const z = 4.753; // standard normal quantile for 1 - 1e-6
  return dof * (1 - 2 / (9 * dof) + z * Math.sqrt(2 / (9 * dof))) ** 3;
}

function countsByPosition(codes: string[]): number[][] {
  const counts = Array.from({ length: GENERATED_CODE_LENGTH }, () => new Array<number>(32).fill(0));
  for (const code of codes) {
    for (let i = 0; i < code.length; i++) {
      const row = counts[i] as number[];
      const letter = CODE_ALPHABET.indexOf(code[i] as string);
      row[letter] = (row[letter] ?? 0) + 1;
    }
  }
  return counts;
}

test("the alphabet is the 32 characters of the coupon spec: no I, O, 0 or 1", () => {
  expect(CODE_ALPHABET).toBe("ABCDEFGHJKLMNPQRSTUVWXYZ23456789");
  expect(new Set(CODE_ALPHABET).size).toBe(32);
});

test("every generated code is 8 characters from the alphabet", () => {
  const valid = /^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{8}$/;
  for (let i = 0; i < 100_000; i++) {
    const code = generateCode();
    if (!valid.test(code)) throw new Error(`bad code ${code}`);
  }
});

test("each position of a code is uniform over the 32 characters (chi-square, p < 1e-6 to fail)", () => {
  const codes = Array.from({ length: CODES }, () => generateCode());
  const limit = criticalValue(31);
  for (const counts of countsByPosition(codes)) {
    expect(chiSquare(counts)).toBeLessThan(limit);
  }
  expect(new Set(codes).size).toBe(CODES); // 2^40 codes: a repeat here would mean a broken source
});

test("the uniformity check does catch a biased generator, such as modulo 33 folded onto 32 letters", () => {
  const biased = Array.from({ length: CODES }, () =>
    Array.from({ length: 8 }, () => CODE_ALPHABET[Math.floor(Math.random() * 33) % 32]).join(""),
  );
  const worst = Math.max(...countsByPosition(biased).map(chiSquare));
  expect(worst).toBeGreaterThan(criticalValue(31));
});

test("typed codes are matched case-insensitively, ignoring spaces and dashes", () => {
  expect(canonicalCode(" ab2c-4xyz ")).toBe("AB2C4XYZ");
  expect(canonicalCode("AB2C 4XYZ")).toBe("AB2C4XYZ");
  expect(canonicalCode("AB!C4XYZ")).toBeNull();
  expect(canonicalCode("")).toBeNull();
});

test("codes over an alphabet whose size does not divide 256 are still uniform (chi-square, p < 1e-6 to fail)", () => {
  const alphabet = "ABCDEFGHJKMNPQRSTUVW"; // 20 characters: a plain byte % 20 would favour the first 16
  const counts = new Array<number>(alphabet.length).fill(0);
  for (const c of randomCode(100_000, alphabet)) counts[alphabet.indexOf(c)] = (counts[alphabet.indexOf(c)] ?? 0) + 1;
  expect(chiSquare(counts)).toBeLessThan(criticalValue(alphabet.length - 1));
});
