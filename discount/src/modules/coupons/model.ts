import { problemSchema as problem } from "@matchday/shared/http";
import { SAFE_TEXT } from "@matchday/shared/safe-text";
import { type Static, Type as T } from "@sinclair/typebox";
import { problemCodes } from "../../errors";
import { CODE_ALPHABET, DEFAULT_CODE_PATTERN } from "../campaigns/code";
import { MAX_AMOUNT, Metadata, Timestamp } from "../campaigns/model";
import { AMBIGUOUS_CHARACTERS, MAX_SPACE_SHARE, MIN_ALPHABET_SIZE } from "./pattern";

const MAX_BATCH = 1_000_000;
/** A phone takes about 15 bytes of the body: the default 16 KB limit holds a thousand and metadata. */
const MAX_BOUND_PHONES = 1_000;

const Amount = T.Integer({ minimum: 1, maximum: MAX_AMOUNT, description: "Credit in integer Tomans" });
const CouponCode = T.String({
  minLength: 1,
  maxLength: 64,
  description: "Case-insensitive; surrounding spaces and dashes are ignored",
});

const BoundPhone = T.String({
  maxLength: 64,
  description: "The only phone that may redeem it; to anyone else the code does not exist",
});
const MaybeMetadata = T.Union([Metadata, T.Null()]);

export const GenerateCoupon = T.Object(
  {
    amount: T.Optional(Amount),
    expiresAt: T.Optional(Timestamp),
    phone: T.Optional(BoundPhone),
    metadata: T.Optional(Metadata),
  },
  { additionalProperties: false, description: "All optional: amount and expiry default to the configured ones" },
);
export type GenerateCoupon = Static<typeof GenerateCoupon>;

export const GeneratedCoupon = T.Object({
  code: T.String({ description: "8 characters from ABCDEFGHJKLMNPQRSTUVWXYZ23456789" }),
  amount: T.Integer(),
  expiresAt: T.Union([Timestamp, T.Null()]),
  phone: T.Union([T.String(), T.Null()], { description: "The phone it is bound to, canonical" }),
  metadata: MaybeMetadata,
});

export const RedeemCoupon = T.Object(
  {
    code: CouponCode,
    phone: T.Optional(
      T.String({ maxLength: 64, description: "With a service or admin token; a user's comes from the token" }),
    ),
  },
  { additionalProperties: false },
);
export type RedeemCoupon = Static<typeof RedeemCoupon>;

export const CouponStatusQuery = T.Object({ code: CouponCode });

export const CouponStatus = T.Object({
  code: T.String(),
  status: T.Union([T.Literal("UNUSED"), T.Literal("USED"), T.Literal("NOT_FOUND"), T.Literal("REVOKED")], {
    description: "REVOKED only for a coupon an admin revoked (POST /v1/coupons/{code}/revoke)",
  }),
  redeemedAt: T.Optional(Timestamp),
  expiresAt: T.Optional(T.Union([Timestamp, T.Null()])),
  phone: T.Optional(T.Union([T.String(), T.Null()], { description: "The phone it is bound to" })),
  metadata: T.Optional(MaybeMetadata),
});
export type CouponStatus = Static<typeof CouponStatus>;

export const CreateBatch = T.Object(
  {
    name: T.Optional(T.String({ minLength: 1, maxLength: 200, ...SAFE_TEXT })),
    count: T.Optional(
      T.Integer({
        minimum: 1,
        maximum: MAX_BATCH,
        description: "How many coupons (the CLI makes more); with `phones`, their number if given",
      }),
    ),
    amount: T.Optional(Amount),
    expiresAt: T.Optional(Timestamp),
    phones: T.Optional(
      T.Array(BoundPhone, {
        minItems: 1,
        maxItems: MAX_BOUND_PHONES,
        description: "One coupon bound to each phone, in this order (a phone listed twice gets two)",
      }),
    ),
    metadata: T.Optional(Metadata),
    pattern: T.Optional(
      T.String({
        minLength: 1,
        maxLength: 64,
        ...problemCodes({ invalid: "INVALID_CODE_PATTERN" }),
        description:
          `Default ${DEFAULT_CODE_PATTERN}. \`#\` is one random character, A-Z and 0-9 literal, dashes only ` +
          `for show, not at either end (a redeem ignores them). The batch, with the pattern's earlier codes, may use at most ` +
          `${MAX_SPACE_SHARE * 100}% of its codes, else 422 CODE_SPACE_TOO_SMALL.`,
      }),
    ),
    alphabet: T.Optional(
      T.String({
        minLength: 1,
        maxLength: 64,
        ...problemCodes({ invalid: "INVALID_CODE_ALPHABET" }),
        description:
          `What \`#\` draws from; default ${CODE_ALPHABET}. At least ${MIN_ALPHABET_SIZE} distinct characters ` +
          `of A-Z and 0-9, none of ${[...AMBIGUOUS_CHARACTERS].join(", ")}`,
      }),
    ),
  },
  { additionalProperties: false },
);
export type CreateBatch = Static<typeof CreateBatch>;

export const Batch = T.Object({
  id: T.Integer(),
  name: T.String(),
  amount: T.Integer(),
  expiresAt: T.Union([Timestamp, T.Null()]),
  count: T.Integer(),
  pattern: T.String(),
  alphabet: T.String(),
  metadata: MaybeMetadata,
  createdAt: Timestamp,
});
export type Batch = Static<typeof Batch>;

export const BatchParams = T.Object({ id: T.String({ pattern: "^[1-9][0-9]{0,15}$" }) });

export const BatchCouponsQuery = T.Object({
  cursor: T.Optional(T.String({ pattern: "^[1-9][0-9]{0,15}$", description: "nextCursor of the previous page" })),
  limit: T.Optional(T.String({ pattern: "^(1000|[1-9][0-9]{0,2})$", description: "Page size, 1-1000 (default 100)" })),
  format: T.Optional(T.Union([T.Literal("json"), T.Literal("csv")], { description: "csv streams every code" })),
});

export const BatchCoupons = T.Object({
  items: T.Array(
    T.Object({
      code: T.String({ description: "As the pattern shows it, dashes included" }),
      used: T.Boolean(),
      phone: T.Union([T.String(), T.Null()], { description: "The phone it is bound to" }),
    }),
  ),
  nextCursor: T.Union([T.String(), T.Null()]),
});
export type BatchCoupons = Static<typeof BatchCoupons>;

/** Every refusal a batch request can answer beyond auth, by status. */
export const CreateBatchProblems = {
  422: problem(
    422,
    ["VALIDATION_FAILED", "INVALID_PHONE", "INVALID_CODE_PATTERN", "INVALID_CODE_ALPHABET", "CODE_SPACE_TOO_SMALL"],
    "A field is missing or malformed; CODE_SPACE_TOO_SMALL also carries `spaceBits`, `maxCodes` and `issuedCodes`",
  ),
};

/** The refusals /coupon-status can answer beyond auth and a bad query, by status. */
export const CouponStatusProblems = {
  429: problem(429, ["RATE_LIMITED"], "RATE_LIMITED: a user's checks count like redeems; see Retry-After"),
  503: problem(503, ["SERVICE_UNAVAILABLE"], "SERVICE_UNAVAILABLE: try again shortly; see Retry-After"),
};

/** Every refusal /redeem-coupon can answer, by status (documented; sent as problem+json). */
export const RedeemCouponProblems = {
  400: problem(400, ["MALFORMED_JSON"], "MALFORMED_JSON: the body is not valid JSON"),
  401: problem(401, ["UNAUTHENTICATED", "INVALID_TOKEN", "TOKEN_EXPIRED"], "A bearer token is required"),
  403: problem(403, ["FORBIDDEN"], "FORBIDDEN: a user token names another phone in the body"),
  404: problem(404, ["COUPON_NOT_FOUND"], "COUPON_NOT_FOUND: no coupon has this code"),
  409: problem(409, ["COUPON_ALREADY_USED"], "COUPON_ALREADY_USED: another phone redeemed it"),
  410: problem(410, ["COUPON_EXPIRED", "COUPON_REVOKED"], "COUPON_EXPIRED: past its expiry; COUPON_REVOKED: revoked"),
  422: problem(422, ["VALIDATION_FAILED", "INVALID_PHONE"], "A field is missing or malformed"),
  429: problem(429, ["RATE_LIMITED"], "RATE_LIMITED: too many attempts from this address; see Retry-After"),
  503: problem(503, ["SERVICE_UNAVAILABLE"], "SERVICE_UNAVAILABLE: try again shortly; see Retry-After"),
};
