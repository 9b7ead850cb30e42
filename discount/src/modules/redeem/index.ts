import type { TokenVerifier } from "@matchday/shared/auth";
import type { TrustProxy } from "@matchday/shared/http";
import { Elysia } from "elysia";
import { AppError } from "../../errors";
import { campaignLabel } from "../../metrics";
import { canonicalCode } from "../campaigns/code";
import { callerPhone } from "../claims/caller";
import { clientIpOf } from "../claims/client-ip";
import { RedeemResult } from "../claims/model";
import { type ClaimDeps, claim } from "../claims/pipeline";
import { giftAnswer } from "../claims/responses";
import { REDEEM_ROUTE, RedeemBody, RedeemProblems } from "./model";
import { type FastPathDeps, type Forward, soldOutFastPath } from "./sold-out-fast-path";

export interface RedeemRoutesDeps extends ClaimDeps, FastPathDeps {
  verifyToken: TokenVerifier;
  redeemAnonymous: boolean;
  trustProxy: TrustProxy;
}

/**
 * POST /v1/redeem, served in two places: `routes` is the app's routed handler, and
 * `listenerRoutes` the listener's entry (Bun's `serve.routes`), where the sold-out fast
 * path answers what it can and hands the rest to the app's router (`forward`).
 */
export function redeemRoutes(deps: RedeemRoutesDeps) {
  const { campaigns, metrics } = deps;
  const listenerRoutes = (forward: Forward) => soldOutFastPath(deps, forward);

  const routes = new Elysia({ name: "redeem" }).post(
    REDEEM_ROUTE,
    async ({ body, request, server, set }) => {
      // Verified before any answer, sold out included: whether a code exists or a phone won is
      // not for an unproven caller to learn (DESIGN §3.7). And before the code is looked up, so
      // that a flood of made-up codes under a forged token costs no DB read. The listener's fast
      // path answers proven losers (cached tokens) before this route.
      const authorization = request.headers.get("authorization");
      const phone = await callerPhone(deps.verifyToken, authorization, body.phone, deps.redeemAnonymous);
      const code = canonicalCode(body.code);
      const found = code ? await campaigns.get(code) : undefined;
      // Coupons have their own endpoint and its stricter limit: here they are not codes at all.
      const campaign = found?.kind === "gift" ? found : undefined;
      if (!campaign) throw new AppError("CODE_NOT_FOUND", "No campaign has this code");
      const ip = clientIpOf(request, server?.requestIP(request)?.address, deps.trustProxy);
      const outcome = await claim(deps, campaign, phone, ip);
      metrics.claims.inc({ campaign: campaignLabel(campaign, deps.clock()), outcome: outcome.kind });
      return giftAnswer(request, set, outcome, deps.clock());
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
  return { routes, listenerRoutes };
}
