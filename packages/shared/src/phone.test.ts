import { describe, expect, test } from "bun:test";
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

test("a masked phone keeps the prefix and last digits only", () => {
  expect(maskPhone("+989121234567")).toBe("+98912****567");
});
