import type { Logger } from "@matchday/shared/logger";
import type { LimitPair } from "../../redis/limit-pair";
import type { RateLimitDecision } from "../../redis/rate-limit";
import { type ClaimOutcome, UNAVAILABLE } from "./model";

/** The phone's limit and the address's, counted together (`check(phone, ip)`). */
export type ClaimLimits = LimitPair;

/**
 * Counts the attempt against its phone's and its address's limits, both in one round trip. Undefined
 * when both allow it. (The coupon route's own limit is counted before its code is even
 * looked up, so it cannot join this round trip: issue 18.)
 */
export async function checkLimits(
  limits: ClaimLimits,
  logger: Logger,
  phone: string,
  clientIp: string,
): Promise<ClaimOutcome | undefined> {
  let byPhone: RateLimitDecision;
  let byIp: RateLimitDecision;
  try {
    [byPhone, byIp] = await limits.check(phone, clientIp);
  } catch (error) {
    return limitsUnavailable(logger, error);
  }
  return limitRefusal([byPhone, byIp]);
}

/** Undefined when both limits allow the attempt; else the refusal to answer with. */
export function limitRefusal([byPhone, byIp]: [RateLimitDecision, RateLimitDecision]): ClaimOutcome | undefined {
  if (byPhone.allowed && byIp.allowed) return undefined;
  // The refusal the client must wait out, for its Retry-After and RateLimit fields: the one that resets last.
  const decision = !byIp.allowed && (byPhone.allowed || byIp.resetAtMs > byPhone.resetAtMs) ? byIp : byPhone;
  return { kind: "rate-limited", decision };
}

/** Why a claim got no answer from the limits: logged once, the same way whichever call failed. */
export function limitsUnavailable(logger: Logger, error: unknown): ClaimOutcome {
  logger.warn({ err: error }, "rate limiter unavailable");
  return UNAVAILABLE;
}
