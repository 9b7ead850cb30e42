import type { TokenVerifier } from "@matchday/shared/auth";
import type { Clock } from "@matchday/shared/clock";
import { authPlugin, refusalResponse, type TrustProxy } from "@matchday/shared/http";
import { maskPhone } from "@matchday/shared/phone";
import { Elysia } from "elysia";
import { AppError } from "../../errors";
import type { RateLimitDecision, RateLimiter } from "../../redis/rate-limit";
import type { CampaignCache } from "../campaigns/service";
import { callerPhone } from "../claims/caller";
import { clientIpOf } from "../claims/client-ip";
import { COUPON_REDEEMED, CouponRedeemed } from "../claims/model";
import { type ClaimDeps, claim } from "../claims/pipeline";
import { rateLimitedResponse, rateLimitHeaders } from "../claims/rate-limit-fields";
import { couponAnswer, sendAsIs, unavailable } from "../claims/responses";
import { revocationOf } from "../reversals/revoke";
import { batchCoupons, batchCouponsCsv, type CouponWriter, findBatch, generateBatch, toBatch } from "./batches";
import {
  Batch,
  BatchCoupons,
  BatchCouponsQuery,
  BatchParams,
  CouponStatus,
  CouponStatusQuery,
  CreateBatch,
  GenerateCoupon,
  GeneratedCoupon,
  RedeemCoupon,
  RedeemCouponProblems,
} from "./model";
import { type CouponDefaults, couponStatus, expiryOf, findCoupon, generateCoupon, toGenerated } from "./service";

export interface CouponRoutesDeps extends ClaimDeps {
  campaigns: CampaignCache;
  verifyToken: TokenVerifier;
  couponLimiter: RateLimiter;
  couponDefaults: CouponDefaults;
  writer: CouponWriter;
  redeemAnonymous: boolean;
  trustProxy: TrustProxy;
  clock: Clock;
}

const admins = ["admin"] as const;

export function couponRoutes(deps: CouponRoutesDeps) {
  const { store, campaigns, metrics, logger, writer, couponDefaults, clock } = deps;
  return new Elysia({ name: "coupons" })
    .use(authPlugin(deps.verifyToken))
    .post(
      "/generate-coupon",
      async ({ body, set }) => {
        const row = await generateCoupon(store, body ?? {}, couponDefaults, clock);
        campaigns.remember(row);
        metrics.couponsGenerated.inc();
        set.status = 201;
        return toGenerated(row);
      },
      {
        auth: admins,
        parse: "json",
        body: GenerateCoupon,
        response: { 201: GeneratedCoupon },
        detail: {
          summary: "Generate one single-use coupon (admin)",
          description: "Amount and expiry from the body, else the configured defaults. 422 for a past expiry.",
          tags: ["coupons"],
        },
      },
    )
    .post(
      "/redeem-coupon",
      async ({ body, request, server, set }) => {
        const ip = clientIpOf(request, server?.requestIP(request)?.address, deps.trustProxy);
        let limit: RateLimitDecision;
        try {
          limit = await deps.couponLimiter.check(ip);
        } catch (err) {
          logger.warn({ err }, "coupon rate limiter unavailable");
          return sendAsIs(refusalResponse(request, unavailable(1)));
        }
        // Checked first, before the code is even looked up: guessing codes must be slow.
        if (!limit.allowed) {
          metrics.couponsRateLimited.inc();
          metrics.couponsRedeemed.inc({ outcome: "rate-limited" });
          return sendAsIs(rateLimitedResponse(request, limit, clock()));
        }
        Object.assign(set.headers, rateLimitHeaders(limit, clock()));

        const authorization = request.headers.get("authorization");
        const coupon = await findCoupon(campaigns, body.code);
        const phone = await callerPhone(deps.verifyToken, authorization, body.phone, deps.redeemAnonymous);
        if (!coupon) {
          metrics.couponsRedeemed.inc({ outcome: "not-found" });
          return sendAsIs(refusalResponse(request, new AppError("COUPON_NOT_FOUND")));
        }
        const outcome = await claim(deps, coupon, phone, ip);
        metrics.couponsRedeemed.inc({ outcome: outcome.kind });
        // A revoked coupon's slot is held at the gate: its "sold out" is told as what it is.
        if (outcome.kind === "sold-out" && (await revocationOf(store, coupon.id)))
          return sendAsIs(refusalResponse(request, new AppError("COUPON_REVOKED")));
        // By row id: even part of a code would narrow a guesser's search, and the id finds the coupon.
        logger.info({ couponId: coupon.id, phone: maskPhone(phone), outcome: outcome.kind }, "coupon redeem");
        return couponAnswer(request, outcome, clock());
      },
      {
        // As on /v1/redeem: an anonymous caller hears 401 before validation, unless anonymous redeem is on.
        transform({ request }) {
          if (!deps.redeemAnonymous && !request.headers.get("authorization")) throw new AppError("UNAUTHENTICATED");
        },
        parse: "json",
        body: RedeemCoupon,
        response: { 200: CouponRedeemed, ...RedeemCouponProblems },
        detail: {
          summary: "Redeem a single-use coupon",
          description:
            "The phone comes from a user token, or from the body with a service or admin token. 200 with " +
            `"${COUPON_REDEEMED}" and a wallet credit, exactly once; the same phone again gets the same answer. ` +
            "Every attempt counts against the client address's limit (RateLimit-* headers; 429 with Retry-After).",
          tags: ["coupons"],
        },
      },
    )
    .get("/coupon-status", ({ query }) => couponStatus(store, campaigns, query.code), {
      auth: admins,
      query: CouponStatusQuery,
      response: { 200: CouponStatus },
      detail: { summary: "Whether a coupon is used (admin)", tags: ["coupons"] },
    })
    .post(
      "/v1/coupon-batches",
      async ({ body, set }) => {
        const expiresAt = expiryOf(body.expiresAt, couponDefaults, clock());
        const amount = body.amount ?? couponDefaults.amount;
        const name = body.name ?? `${body.count} coupons`;
        const batch = await generateBatch(writer, { name, count: body.count, amount, expiresAt }, clock, (codes) =>
          metrics.couponsGenerated.inc({}, codes.length),
        );
        set.status = 201;
        return toBatch(store, batch);
      },
      {
        auth: admins,
        parse: "json",
        body: CreateBatch,
        response: { 201: Batch },
        detail: {
          summary: "Generate a batch of single-use coupons (admin)",
          description: "Up to 1,000,000 per call (`bun run coupons` makes more); read the codes by page or as CSV.",
          tags: ["coupons"],
        },
      },
    )
    .get("/v1/coupon-batches/:id", async ({ params }) => toBatch(store, await batchOf(deps, params.id)), {
      auth: admins,
      params: BatchParams,
      response: { 200: Batch },
      detail: { summary: "One coupon batch (admin)", tags: ["coupons"] },
    })
    .get(
      "/v1/coupon-batches/:id/coupons",
      async ({ params, query }) => {
        const batch = await batchOf(deps, params.id);
        if (query.format === "csv") {
          const csv = new Response(batchCouponsCsv(store, batch.id), {
            headers: {
              "content-type": "text/csv; charset=utf-8",
              "content-disposition": `attachment; filename="coupons-${batch.id}.csv"`,
            },
          });
          return sendAsIs(csv);
        }
        const page = await batchCoupons(store, batch.id, {
          cursor: Number(query.cursor ?? 0),
          limit: Number(query.limit ?? 100),
        });
        return { items: page.items, nextCursor: page.nextCursor };
      },
      {
        auth: admins,
        params: BatchParams,
        query: BatchCouponsQuery,
        response: { 200: BatchCoupons },
        detail: { summary: "A batch's codes by page, or every code as CSV (admin)", tags: ["coupons"] },
      },
    );
}

async function batchOf(deps: CouponRoutesDeps, id: string) {
  const batch = await findBatch(deps.store, Number(id));
  if (!batch) throw new AppError("BATCH_NOT_FOUND", `No coupon batch ${id}`);
  return batch;
}
