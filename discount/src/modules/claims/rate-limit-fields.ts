import { refusalResponse } from "@matchday/shared/http";
import { AppError } from "../../errors";
import type { RateLimitDecision } from "../../redis/rate-limit";

const secondsUntil = (atMs: number, nowMs: number) => Math.max(0, Math.ceil((atMs - nowMs) / 1000));

/**
 * The IETF RateLimit fields, so a well-behaved client can pace itself before it hears 429.
 * The reset is reckoned by the service's clock (`nowMs`), like everything else it answers.
 */
export function rateLimitHeaders(decision: RateLimitDecision, nowMs: number): Record<string, string> {
  return {
    "ratelimit-limit": String(decision.limit),
    "ratelimit-remaining": String(Math.max(0, decision.remaining)),
    "ratelimit-reset": String(secondsUntil(decision.resetAtMs, nowMs)),
  };
}

/** The 429 for a refused decision: RATE_LIMITED with Retry-After and that limit's RateLimit fields. */
export function rateLimitedResponse(request: Request, decision: RateLimitDecision, nowMs: number): Response {
  const retryAfterSeconds = Math.max(1, secondsUntil(decision.resetAtMs, nowMs));
  const response = refusalResponse(request, new AppError("RATE_LIMITED", undefined, { retryAfterSeconds }));
  for (const [name, value] of Object.entries(rateLimitHeaders(decision, nowMs))) response.headers.set(name, value);
  return response;
}
