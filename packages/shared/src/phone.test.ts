import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { maskPhone, normalizePhone } from "./phone";

describe("normalizePhone", () => {
  test.each([
    "09121234567",
    "9121234567",
    "+989121234567",
    "00989121234567",
    "0912 123 4567",
    "0912-123-4567",
    "+98 912 123 45 67",
    " 09121234567 ",
    "۰۹۱۲۱۲۳۴۵۶۷",
    "+۹۸۹۱۲۱۲۳۴۵۶۷",
    "٠٩١٢١٢٣٤٥٦٧",
    "۰۹۱۲-۱۲۳-۴۵۶۷",
    "٠٠٩٨٩١٢١٢٣٤٥٦٧",
    "0912١23۴567",
  ])("every accepted form of one mobile, %p, gives the same canonical phone", (input) => {
    expect(normalizePhone(input)).toBe("+989121234567");
  });

  test.each([
    ["empty", ""],
    ["too short", "0912123456"],
    ["too long", "091212345678"],
    ["landline", "02112345678"],
    ["not a mobile prefix", "08121234567"],
    ["other country code", "+449121234567"],
    ["country code without plus", "989121234567"],
    ["letters", "0912abc4567"],
    ["dots", "0912.123.4567"],
    ["parentheses", "(0912)1234567"],
    ["double plus", "++989121234567"],
    ["injection-like", "09121234567' OR 1=1"],
    ["very long", "0".repeat(10_000)],
    ["full-width digits", "０９１２１２３４５６７"],
  ])("%s (%p) is not a mobile number", (_, input) => {
    expect(normalizePhone(input)).toBeNull();
  });

  test("non-string input is rejected", () => {
    for (const value of [9121234567, null, undefined, {}, ["09121234567"]]) expect(normalizePhone(value)).toBeNull();
  });
});

// What RTL apps (WhatsApp, Telegram, contact cards) wrap around or sprinkle into a pasted number.
const BIDI_MARKS = [
  "\u200e",
  "\u200f",
  "\u200b",
  "\u200c",
  "\u200d",
  "\u202a",
  "\u202b",
  "\u202c",
  "\u202d",
  "\u202e",
  "\u2066",
  "\u2067",
  "\u2068",
  "\u2069",
];

describe("a phone pasted from an RTL app", () => {
  test.each(BIDI_MARKS.map((mark) => [mark.codePointAt(0)?.toString(16), mark]))(
    "U+%s around and inside the number is ignored",
    (_, mark) => {
      expect(normalizePhone(`${mark}0912${mark}1234567${mark}`)).toBe("+989121234567");
    },
  );

  test("any sprinkling of direction marks into any accepted form gives the same person", () => {
    const forms = fc.constantFrom("09121234567", "+989121234567", "0912 123 4567", "۰۹۱۲۱۲۳۴۵۶۷", "+98 912 123 45 67");
    const marks = fc.array(fc.constantFrom(...BIDI_MARKS), { maxLength: 3 });
    fc.assert(
      fc.property(forms, fc.array(marks, { minLength: 20, maxLength: 20 }), (form, sprinkles) => {
        const chars = [...form];
        const pasted =
          chars.map((ch, i) => (sprinkles[i] ?? []).join("") + ch).join("") + (sprinkles[19] ?? []).join("");
        expect(normalizePhone(pasted)).toBe("+989121234567");
      }),
    );
  });

  test("direction marks alone, or around a non-mobile, are still not a phone", () => {
    expect(normalizePhone("\u200e\u200f\u2066\u2069")).toBeNull();
    expect(normalizePhone("\u200e02112345678\u200f")).toBeNull();
  });
});

test("a masked phone keeps the prefix and last digits only", () => {
  expect(maskPhone("+989121234567")).toBe("+98912****567");
});
