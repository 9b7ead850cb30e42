import { problemSchema as problem } from "@matchday/shared/http";
import { type Static, Type as T } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";

/** Served twice: by the listener's sold-out fast path first, then by the app's router. */
export const REDEEM_ROUTE = "/v1/redeem";

export const RedeemBody = T.Object(
  {
    code: T.String({
      minLength: 1,
      maxLength: 64,
      description: "The code, case-insensitive; spaces and dashes ignored",
    }),
    phone: T.Optional(
      T.String({
        maxLength: 64,
        description: "Required with a service token; with a user token it may be omitted (the token's phone is used)",
      }),
    ),
  },
  { additionalProperties: false },
);
export type RedeemBody = Static<typeof RedeemBody>;
/** The same schema compiled once, for checks outside the router (the sold-out fast path). */
export const redeemBodyCheck = TypeCompiler.Compile(RedeemBody);

/**
 * Every refusal a redeem can answer, by status. Documented only: refusals are sent
 * as ready problem+json responses, which Elysia does not validate against these.
 */
export const RedeemProblems = {
  400: problem(400, ["MALFORMED_JSON"], "MALFORMED_JSON: the body is not valid JSON"),
  401: problem(
    401,
    ["UNAUTHENTICATED", "INVALID_TOKEN", "TOKEN_EXPIRED"],
    "No bearer token (UNAUTHENTICATED; unless anonymous redeem is on), or one that is not valid (INVALID_TOKEN) or has expired (TOKEN_EXPIRED)",
  ),
  403: problem(
    403,
    ["FORBIDDEN", "CAMPAIGN_NOT_STARTED"],
    "FORBIDDEN: a user token names another phone in the body; CAMPAIGN_NOT_STARTED: the campaign opens later",
  ),
  404: problem(404, ["CODE_NOT_FOUND"], "CODE_NOT_FOUND: no campaign has this code"),
  409: problem(409, ["CAMPAIGN_EXHAUSTED"], "CAMPAIGN_EXHAUSTED: every prize is taken"),
  410: problem(410, ["CAMPAIGN_ENDED"], "CAMPAIGN_ENDED: the campaign has closed"),
  413: problem(413, ["PAYLOAD_TOO_LARGE"], "PAYLOAD_TOO_LARGE: the body is over the size limit"),
  415: problem(415, ["UNSUPPORTED_MEDIA_TYPE"], "UNSUPPORTED_MEDIA_TYPE: the body is not application/json"),
  422: problem(
    422,
    ["VALIDATION_FAILED", "INVALID_PHONE"],
    "VALIDATION_FAILED: a field is missing or malformed (a service or admin token must name body.phone); " +
      "INVALID_PHONE: body.phone is not an Iranian mobile number",
  ),
  429: problem(429, ["RATE_LIMITED"], "RATE_LIMITED: too many attempts for this phone or address; see Retry-After"),
  503: problem(503, ["SERVICE_UNAVAILABLE"], "SERVICE_UNAVAILABLE: the prize gate is recovering; see Retry-After"),
};
