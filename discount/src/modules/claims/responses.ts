import { refusalResponse } from "@matchday/shared/http";
import { AppError } from "../../errors";
import { type ClaimOutcome, COUPON_REDEEMED, type CouponRedeemed, type RedeemResult } from "./model";
import { rateLimitedResponse } from "./rate-limit-fields";

/** Elysia sends a Response as it is; the route's problem schemas document these bodies for OpenAPI. */
export const sendAsIs = (response: Response) => response as never;

/** One instance for the answer most of a burst gets: no Error (and stack trace) built per request. */
const CAMPAIGN_EXHAUSTED = new AppError("CAMPAIGN_EXHAUSTED");

/** A 503 while Redis (limits or gate) recovers. */
export function unavailable(retryAfterSeconds: number, detail?: string): AppError {
  return new AppError("SERVICE_UNAVAILABLE", detail, { retryAfterSeconds });
}

type Refusal = Exclude<ClaimOutcome, { kind: "won" | "repeat" | "rate-limited" }>;

/** POST /v1/redeem's refusals, as the error each is answered with (the fast path's sold out too). */
export function giftRefusal(outcome: Refusal): AppError {
  switch (outcome.kind) {
    case "sold-out":
      return CAMPAIGN_EXHAUSTED;
    case "not-started":
      return new AppError("CAMPAIGN_NOT_STARTED");
    case "ended":
      return new AppError("CAMPAIGN_ENDED");
    case "unavailable":
      return unavailable(outcome.retryAfterSeconds, "The prize gate is recovering; try again in a moment");
  }
}

// Counted in the claims metric; an access-log line each would cost more than the answer itself.
const QUIET = { quiet: true };

/** POST /v1/redeem's answer: 201 for this request's win, 200 for a repeat, else a problem. */
export function giftAnswer(
  request: Request,
  set: { status?: number | string },
  outcome: ClaimOutcome,
  nowMs: number,
): RedeemResult {
  switch (outcome.kind) {
    case "won":
      set.status = 201;
      return outcome.result;
    case "repeat":
      return outcome.result;
    case "rate-limited":
      return sendAsIs(rateLimitedResponse(request, outcome.decision, nowMs));
    default:
      return sendAsIs(refusalResponse(request, giftRefusal(outcome), outcome.kind === "sold-out" ? QUIET : undefined));
  }
}

/** The coupon spec's refusals: a used coupon is "already used", an expired one "expired". */
function couponRefusal(outcome: Refusal): AppError {
  switch (outcome.kind) {
    case "sold-out":
      return new AppError("COUPON_ALREADY_USED");
    case "ended":
      return new AppError("COUPON_EXPIRED");
    case "not-started":
      return new AppError("CAMPAIGN_NOT_STARTED");
    case "unavailable":
      return unavailable(outcome.retryAfterSeconds);
  }
}

/** POST /redeem-coupon's answer, in the coupon spec's shape: 200 with its message for the winner, every time. */
export function couponAnswer(request: Request, outcome: ClaimOutcome, nowMs: number): CouponRedeemed {
  switch (outcome.kind) {
    case "won":
    case "repeat": {
      const { code, phone, amount, status, redeemedAt } = outcome.result;
      return { message: COUPON_REDEEMED, code, phone, amount, status, redeemedAt };
    }
    case "rate-limited":
      return sendAsIs(rateLimitedResponse(request, outcome.decision, nowMs));
    default:
      return sendAsIs(refusalResponse(request, couponRefusal(outcome)));
  }
}
