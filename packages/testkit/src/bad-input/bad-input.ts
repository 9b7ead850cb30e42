import { mintToken } from "@matchday/shared/auth";
import { normalizePhone } from "@matchday/shared/phone";
import fc from "fast-check";
import { bearer, TEST_JWT_SECRET } from "../http/tokens";

/**
 * Generators of requests that must be refused. Each generated request carries at
 * least one "poison" that makes it invalid by construction, so the property "every
 * answer is a 4xx problem and nothing is written" holds only if validation works:
 * the rest of the request is valid (real codes, valid bodies), so a poison that
 * slips through shows up as a 2xx or a changed database.
 */

/** What the test sends: path (already encoded), method, headers and a body text. */
export interface BadRequest {
  method: "GET" | "POST" | "DELETE";
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Which poison(s) made it bad, for the failure message. */
  why: string;
}

/**
 * Headers to set over a valid call's, and any to leave out. Declared here, beside the
 * generators that make them, so bad-routes.ts depends on this file and not the reverse.
 */
export type HeaderPoison = { headers: Record<string, string>; drop?: readonly string[]; why: string };

/** A JSON literal that JSON.stringify cannot write (1e309, -0 as text): spliced in raw. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON text of a value that may contain RawJson leaves. */
export function toJsonText(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v) => (v instanceof RawJson ? `\u0000raw${raws.push(v.text) - 1}` : v));
  return text.replace(/"\\u0000raw(\d+)"/g, (_m, i: string) => raws[Number(i)] ?? "null");
}

export const INJECTIONS = [
  "' OR 1=1 --",
  "'; DROP TABLE ledger; --",
  '" OR ""="',
  "<script>alert(1)</script>",
  "../../etc/passwd",
  "..\\..\\windows",
  "%00",
  "%2e%2e%2f",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, sent literally
  "${7*7}",
  "{{7*7}}",
  "\u0000",
  "\u202e\u200fکد-هدیه",
  "۰۹۱۲۱۲۳۴۵۶",
  "😀🎁🇮🇷",
  "null",
  "undefined",
  "NaN",
];

/**
 * Strings meant to break something: injection-like, unicode (Persian, RTL, emoji,
 * NUL), or large. `maxHuge` is lower for URLs: Bun's HTTP layer answers a request
 * line over its limit with a bare 431 before the app sees it (see the wallet test).
 */
export function nastyStrings(maxHuge = 20_000) {
  return fc.oneof(
    fc.constantFrom(...INJECTIONS),
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc.string({ unit: fc.constantFrom("\u0000", "\u202e", "\u200f", "ی", "۹", "😀", "a", "'", "%"), maxLength: 80 }),
    fc.integer({ min: 65, max: maxHuge }).map((n) => "ب".repeat(n)),
  );
}
export const nastyString = nastyStrings();
/** At most ~6 KB once percent-encoded: safely inside Bun's request-line limit. */
const nastyUrlString = nastyStrings(1_000);

/** JSON values of every type, for "this field has the wrong type". */
const anyValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.constant([]),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
  nastyString,
);
const notString = anyValue.filter((v) => typeof v !== "string");
const notNumber = anyValue.filter((v) => typeof v !== "number");

/** Values an integer field in [min, max] must refuse, including text that only looks numeric. */
export function badInteger(min: number, max: number) {
  return fc.oneof(
    notNumber,
    fc.double({ noDefaultInfinity: true, noNaN: true }).filter((d) => !Number.isInteger(d) || d < min || d > max),
    fc.integer({ min: -1e9, max: min - 1 }),
    fc.constantFrom(max + 1, 1e300, 2 ** 60, -(2 ** 60)),
    fc.constantFrom(new RawJson("1e309"), new RawJson("-1e309"), new RawJson("-0"), new RawJson("1.0e-400")),
    fc.constantFrom("1000", "1e3", "NaN", "Infinity", "-0", "0x10", " 1"),
  );
}

/** Values a string field of length [min, max] must refuse. */
export function badString(min: number, max: number) {
  const tooLong = fc.integer({ min: max + 1, max: max + 20_000 }).map((n) => "x".repeat(n));
  const tooShort = min > 0 ? [fc.string({ maxLength: min - 1 })] : [];
  return fc.oneof(notString, tooLong, ...tooShort);
}

/** Short text with a control character in it that stored text must refuse (tab, newline and CR are allowed). */
export const controlText = fc
  .tuple(
    fc.string({ maxLength: 20 }),
    fc.constantFrom("\u0000", "\u0001", "\u0008", "\u000b", "\u001b", "\u007f", "\u0085", "\u009f"),
    fc.string({ maxLength: 20 }),
  )
  .map(([before, control, after]) => `${before}${control}${after}`);

/** Values a stored text field of length [min, max] must refuse: badString's, and text with a control character. */
export function badText(min: number, max: number) {
  return fc.oneof(
    badString(min, max),
    controlText.filter((text) => text.length <= max),
  );
}

/** Not an RFC 3339 date-time with an offset: no date at all, or one whose instant is ambiguous. */
export const badTimestamp = fc.oneof(
  notString,
  fc.constantFrom("", "yesterday", "2026-13-45T00:00:00Z", "1700000000", "NaN", ...INJECTIONS),
  fc.constantFrom("2026-11-23", "11/23/2026", "05/06/2027", "2027-01-01T10:00:00", "2027-01-01 10:00:00Z"),
);

/** Strings that are not an Iranian mobile number in any accepted form. */
export const badPhone = fc
  .oneof(nastyUrlString, fc.stringMatching(/^[0-9+ ]{1,30}$/), fc.constantFrom("0912", "02112345678", "+449121234567"))
  .filter((s) => normalizePhone(s) === null);

/** Path segments a route must refuse; "", "." and ".." are left out because the client rewrites them. */
export const badSegment = (refuse: (s: string) => boolean = () => true) =>
  fc
    .oneof(nastyUrlString, fc.stringMatching(/^-?[0-9]{17,30}$/), fc.constantFrom("0", "-1", "1.5", "1e3", "%", "%%"))
    .filter((s) => !["", ".", ".."].includes(s) && refuse(s))
    .map(encodeURIComponent);

/** Bodies that are not a JSON object at all: malformed, trailing garbage, other JSON types, empty. */
export const badBodyText = fc.oneof(
  fc.constantFrom('{"amount": 10', '{"a":1}}', "{'a': 1}", "amount=10", "", " ", "\u0000", "[", '{"a":"\\u12"}'),
  fc.constantFrom("[]", "[1,2]", '"text"', "42", "null", "true"),
  // An unclosed object: unless the tail happens to close it ("{}" is a valid body where every field is optional).
  fc
    .string({ maxLength: 30 })
    .map((s) => `{${s}`)
    .filter((text) => !parsesAsObject(text)),
);

function parsesAsObject(text: string): boolean {
  try {
    const value = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** Content types a JSON endpoint must refuse, with a body that is otherwise fine. */
export const badContentType = fc.constantFrom(
  "text/plain",
  "application/xml",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "image/png",
  "application/octet-stream",
  "application/jsonfoo",
  "application/json-seq",
  "text/json",
);

/** Idempotency-Key values a writer must refuse (or none); only values fetch can send (no NUL, no non-Latin-1). */
export const badIdempotencyKey: fc.Arbitrary<HeaderPoison> = fc.oneof(
  fc
    .oneof(
      fc.constantFrom("a b", "key\twith-tab", "' OR 1=1 --", "<script> alert(1)"),
      fc.integer({ min: 256, max: 5_000 }).map((n) => "k".repeat(n)),
    )
    .map((key) => ({ headers: { "idempotency-key": key }, why: `idempotency key ${key.slice(0, 20)}` })),
  fc.constant({ headers: {}, drop: ["idempotency-key"], why: "no idempotency key" }),
);

/** A JSON object body that is far over the default 16 KiB body limit. */
export const oversizedBody = fc
  .integer({ min: 17 * 1024, max: 200 * 1024 })
  .map((n) => toJsonText({ pad: "p".repeat(n) }));

/** The fields of a JSON body and the values each must refuse. */
export type BodySchema = Record<string, { required: boolean; bad: fc.Arbitrary<unknown> }>;

/**
 * A body that breaks `schema` one way: a field with a bad value, a required field
 * missing, an unknown field, or not an object at all. `valid` is the starting point.
 */
export function badBody(
  valid: Record<string, unknown>,
  schema: BodySchema,
): fc.Arbitrary<{ text: string; why: string }> {
  const fields = Object.keys(schema);
  const required = fields.filter((f) => schema[f]?.required);
  const choices: fc.Arbitrary<{ text: string; why: string }>[] = [
    fc
      .constantFrom(...fields)
      .chain((f) => (schema[f] as { bad: fc.Arbitrary<unknown> }).bad.map((v) => ({ f, v })))
      .map(({ f, v }) => ({ text: toJsonText({ ...valid, [f]: v }), why: `bad ${f}` })),
    fc
      .string({ minLength: 1, maxLength: 20 })
      .filter((k) => !fields.includes(k) && k !== "__proto__")
      .chain((k) => anyValue.map((v) => ({ text: toJsonText({ ...valid, [k]: v }), why: `unknown field ${k}` }))),
    badBodyText.map((text) => ({ text, why: "not a JSON object" })),
    oversizedBody.map((text) => ({ text, why: "oversized body" })),
  ];
  if (required.length > 0) {
    choices.push(
      fc.constantFrom(...required).map((f) => {
        const { [f]: _dropped, ...rest } = valid;
        return { text: toJsonText(rest), why: `missing ${f}` };
      }),
    );
  }
  return fc.oneof(...choices);
}

/** A query string with one parameter set to a bad value (the others as given). */
export function badQuery(good: Record<string, string>, bad: Record<string, fc.Arbitrary<string>>) {
  return fc
    .constantFrom(...Object.keys(bad))
    .chain((name) => (bad[name] as fc.Arbitrary<string>).map((value) => ({ name, value })))
    .map(({ name, value }) => ({
      query: `?${new URLSearchParams({ ...good, [name]: value }).toString()}`,
      why: `query ${name}=${JSON.stringify(value).slice(0, 40)}`,
    }));
}

/** Paging values every list must refuse (the pattern-checked `limit` and `cursor`). */
export const badLimit = fc.constantFrom(
  "0",
  "-1",
  "1001",
  "1.5",
  "1e3",
  "abc",
  "NaN",
  " 10",
  "۱۰",
  "99999999999999999999",
);
export const badCursor = fc.oneof(
  fc.constantFrom("-1", "abc", "1.5", "1e3", "99999999999999999999", "۱"),
  fc.constantFrom(...INJECTIONS).filter((s) => !/^[0-9]+$/.test(s)),
);

/**
 * Credentials that must not pass: none, malformed, expired, signed with another
 * secret, and a user token (refused by admin routes and for another user's wallet).
 */
export async function badAuth(): Promise<fc.Arbitrary<HeaderPoison>> {
  const hourAgo = Date.now() - 3_600_000;
  const expired = await mintToken(TEST_JWT_SECRET, { role: "admin", subject: "admin", ttlSeconds: 60 }, hourAgo);
  const user = await bearer("user", "09350000000");
  const foreign = await mintToken("another-secret-that-is-long-enough-0123456789", {
    role: "admin",
    subject: "admin",
    ttlSeconds: 600,
  });
  return fc.constantFrom<HeaderPoison>(
    { headers: {}, drop: ["authorization"], why: "no token" },
    { headers: { authorization: "Bearer" }, why: "empty bearer" },
    { headers: { authorization: "Bearer not.a.jwt" }, why: "garbage token" },
    { headers: { authorization: "Basic YWRtaW46YWRtaW4=" }, why: "basic auth" },
    { headers: { authorization: `Bearer ${expired}` }, why: "expired token" },
    { headers: { authorization: `Bearer ${foreign}` }, why: "token from another secret" },
    { headers: user, why: "user token" },
  );
}
