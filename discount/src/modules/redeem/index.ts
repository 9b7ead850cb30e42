import type { TokenVerifier } from "@matchday/shared/auth";
import { refusalResponse, type TrustProxy } from "@matchday/shared/http";
import { Elysia } from "elysia";
import { AppError } from "../../errors";
import { campaignLabel } from "../../metrics";
import { canonicalCode } from "../campaigns/code";
import type { CampaignCache } from "../campaigns/service";
import { callerPhone, clientIpOf } from "./caller";
import { RedeemBody, RedeemProblems, RedeemResult } from "./model";
import { rateLimitedResponse } from "./rate-limited";
import { type RedeemDeps, type RedeemOutcome, redeem } from "./service";
import { SOLD_OUT } from "./sold-out";

export interface RedeemRoutesDeps extends RedeemDeps {
  campaigns: CampaignCache;
  verifyToken: TokenVerifier;
  redeemAnonymous: boolean;
  trustProxy: TrustProxy;
}

// Counted in the claims metric; an access-log line each would cost more than the answer itself.
const QUIET = { quiet: true };

/** Elysia sends a Response as it is; the route's problem schemas document these bodies for OpenAPI. */
const refused = (response: Response) => response as never;

/** Outcomes that are refusals, as the error each is answered with. */
function refusal(outcome: Exclude<RedeemOutcome, { kind: "won" | "repeat" | "rate-limited" }>): AppError {
  switch (outcome.kind) {
    case "sold-out":
      return SOLD_OUT;
    case "not-started":
      return new AppError("CAMPAIGN_NOT_STARTED");
    case "ended":
      return new AppError("CAMPAIGN_ENDED");
    case "unavailable":
      return new AppError("SERVICE_UNAVAILABLE", "The prize gate is recovering; try again in a moment", {
        retryAfterSeconds: outcome.retryAfterSeconds,
      });
  }
}

export function redeemRoutes(deps: RedeemRoutesDeps) {
  const { campaigns, metrics } = deps;
  return new Elysia({ name: "redeem" }).post(
    "/v1/redeem",
    async ({ body, request, server, set }) => {
      const code = canonicalCode(body.code);
      const found = code ? await campaigns.get(code) : undefined;
      // Coupons have their own endpoint and its stricter limit: here they are not codes at all.
      const campaign = found?.kind === "gift" ? found : undefined;
      const authorization = request.headers.get("authorization");
      if (!campaign) {
        // Only a verified caller learns whether a code exists: codes are not to be probed anonymously.
        await callerPhone(deps.verifyToken, authorization, body.phone, deps.redeemAnonymous);
        throw new AppError("CODE_NOT_FOUND", "No campaign has this code");
      }

      // Verified before any answer about the phone, sold out included: whether a phone won is
      // not for an unproven caller to learn (DESIGN §3.7). The listener's fast path answers
      // proven losers (cached tokens) before this route.
      const phone = await callerPhone(deps.verifyToken, authorization, body.phone, deps.redeemAnonymous);
      const ip = clientIpOf(request, server?.requestIP(request)?.address, deps.trustProxy);
      const outcome = await redeem(deps, campaign, phone, ip);
      metrics.claims.inc({ campaign: campaignLabel(campaign, deps.clock()), outcome: outcome.kind });
      if (outcome.kind === "won") {
        set.status = 201;
        return outcome.result;
      }
      if (outcome.kind === "repeat") return outcome.result;
      if (outcome.kind === "rate-limited") return refused(rateLimitedResponse(request, outcome.decision, deps.clock()));
      return refused(refusalResponse(request, refusal(outcome), outcome.kind === "sold-out" ? QUIET : undefined));
    },
    {
      // Before validation, as on every other authenticated route: an anonymous caller hears 401, not the
      // body schema. Only presence is checked here; the handler verifies the token before any answer.
      transform({ request }) {
        if (!deps.redeemAnonymous && !request.headers.get("authorization")) throw new AppError("UNAUTHENTICATED");
      },
      parse: "json",
      body: RedeemBody,
      response: { 200: RedeemResult, 201: RedeemResult, ...RedeemProblems },
      detail: {
        summary: "Redeem a gift code",
        description:
          "A user token redeems for its own phone (another phone in the body is 403 FORBIDDEN); a service or " +
          "admin token names the phone in the body; no token is 401. " +
          "201 when this request won (status credited, or pending while the wallet catches up); 200 with the " +
          "original result when this phone already won; 409 CAMPAIGN_EXHAUSTED once every prize is taken; " +
          "404 CODE_NOT_FOUND; 403 CAMPAIGN_NOT_STARTED; 410 CAMPAIGN_ENDED; 422 VALIDATION_FAILED or " +
          "INVALID_PHONE; 429 RATE_LIMITED with Retry-After and RateLimit-Limit/-Remaining/-Reset; 503 with Retry-After while the gate recovers. " +
          "Refusals are application/problem+json.",
        tags: ["redeem"],
      },
    },
  );
}
