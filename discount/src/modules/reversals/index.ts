import type { Principal, TokenVerifier } from "@matchday/shared/auth";
import { authPlugin } from "@matchday/shared/http";
import { requirePhone } from "@matchday/shared/phone";
import { Elysia } from "elysia";
import { AppError } from "../../errors";
import { canonicalCode } from "../campaigns/code";
import type { CampaignCache } from "../campaigns/service";
import { unavailable } from "../claims/responses";
import { findCoupon } from "../coupons/service";
import {
  CouponParams,
  RedemptionParams,
  ReversalBody,
  ReversalView,
  RevokeBody,
  Revoked,
  RevokeProblems,
  RollbackHeaders,
  RollbackProblems,
  VoidHeaders,
  VoidProblems,
} from "./model";
import { type RevokeDeps, revokeCoupon } from "./revoke";
import { type ReversalDeps, type ReversalOutcome, reverse } from "./service";

export interface ReversalRoutesDeps extends ReversalDeps, RevokeDeps {
  campaigns: CampaignCache;
  verifyToken: TokenVerifier;
}

const operators = ["admin", "service"] as const;
const admins = ["admin"] as const;

const actorOf = (principal: Principal) =>
  principal.role === "user" ? `user:${principal.phone}` : `${principal.role}:${principal.subject}`;

/** 200 once the wallet confirmed the debit, 202 while the relay still owes it; a refusal changed nothing. */
function answer(outcome: ReversalOutcome, set: { status?: number | string; headers: Record<string, string | number> }) {
  if (outcome.kind === "refused") throw new AppError(outcome.code);
  if (outcome.replayed) set.headers["idempotent-replayed"] = "true";
  set.status = outcome.kind === "done" ? 200 : 202;
  return outcome.reversal;
}

const described = (summary: string, description: string) => ({ summary, description, tags: ["reversals"] });

/** Admin corrections after the fact: a coupon rolled back or revoked, a gift winner voided. */
export function reversalRoutes(deps: ReversalRoutesDeps) {
  const coupon = async (raw: string) => {
    const row = await findCoupon(deps.campaigns, raw);
    if (!row) throw new AppError("COUPON_NOT_FOUND");
    return row;
  };
  return new Elysia({ name: "reversals" })
    .use(authPlugin(deps.verifyToken))
    .post(
      "/v1/coupons/:code/rollback",
      async ({ params, headers, body, principal, set }) => {
        const campaign = await coupon(params.code);
        const ask = { kind: "rollback" as const, campaign, reason: body.reason, actor: actorOf(principal) };
        return answer(await reverse(deps, { ...ask, requestKey: headers["idempotency-key"] }), set);
      },
      {
        auth: operators,
        parse: "json",
        params: CouponParams,
        headers: RollbackHeaders,
        body: ReversalBody,
        response: { 200: ReversalView, 202: ReversalView, ...RollbackProblems },
        detail: described(
          "Roll a redeemed coupon back (admin or service)",
          "Debits the credit back from the wallet (its own deterministic key, referencing the credit) and makes " +
            "the coupon UNUSED again, for anyone to redeem. 409 REVERSAL_INSUFFICIENT_FUNDS when the money was " +
            "spent: nothing changes. 202 while the wallet has not answered; the relay finishes it exactly once.",
        ),
      },
    )
    .post(
      "/v1/coupons/:code/revoke",
      async ({ params, body, principal }) => {
        const outcome = await revokeCoupon(deps, await coupon(params.code), {
          actor: actorOf(principal),
          reason: body?.reason,
        });
        if (outcome.kind === "used") throw new AppError("COUPON_ALREADY_USED", "Roll it back first");
        if (outcome.kind === "unavailable") throw unavailable(1);
        return outcome.answer;
      },
      {
        auth: operators,
        parse: "json",
        params: CouponParams,
        body: RevokeBody,
        response: { 200: Revoked, ...RevokeProblems },
        detail: described(
          "Revoke an unused coupon (admin or service)",
          "It can no longer be redeemed (410 COUPON_REVOKED) and its status is REVOKED. Revoking again answers the same.",
        ),
      },
    )
    .post(
      "/v1/campaigns/:code/redemptions/:phone/void",
      async ({ params, headers, body, principal, set }) => {
        const phone = requirePhone(params.phone, "params.phone");
        const code = canonicalCode(params.code);
        const campaign = code ? await deps.campaigns.get(code) : undefined;
        if (campaign?.kind !== "gift") throw new AppError("CAMPAIGN_NOT_FOUND");
        const ask = { kind: "void" as const, campaign, phone, reason: body.reason, actor: actorOf(principal) };
        return answer(await reverse(deps, { ...ask, requestKey: headers["idempotency-key"] }), set);
      },
      {
        auth: admins,
        parse: "json",
        params: RedemptionParams,
        headers: VoidHeaders,
        body: ReversalBody,
        response: { 200: ReversalView, 202: ReversalView, ...VoidProblems },
        detail: described(
          "Void a gift campaign's winner (admin)",
          "Debits the winner's credit back like a rollback; the winner stays in the report as voided (who, when, " +
            "why) and the slot is not handed to anyone else. Idempotency-Key optional: one is derived from the winner.",
        ),
      },
    );
}
