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
import { revocationOf } from "../claims/winners";
import { batchCoupons, batchCouponsCsv, type CouponWriter, findBatch, generateBatch, toBatch } from "./batches";
import {
  Batch,
  BatchCoupons,
  BatchCouponsQuery,
  BatchParams,
  CouponStatus,
  CouponStatusProblems,
  CouponStatusQuery,
  CreateBatch,
  CreateBatchProblems,
  GenerateCoupon,
  GeneratedCoupon,
  RedeemCoupon,
  RedeemCouponProblems,
} from "./model";
import {
  type CouponDefaults,
  couponStatus,
  findCoupon,
  generateCoupon,
  newBatchOf,
  toGenerated,
  visibleTo,
} from "./service";

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
        const refused = await limitAttempt(deps, request, ip, set.headers);
        if (refused) {
          if (refused.status === 429) metrics.couponsRedeemed.inc({ outcome: "rate-limited" });
          return sendAsIs(refused);
        }

        const authorization = request.headers.get("authorization");
        // The caller first: a forged token's made-up codes cost no DB read.
        const phone = await callerPhone(deps.verifyToken, authorization, body.phone, deps.redeemAnonymous);
        const coupon = await findCoupon(campaigns, body.code);
        // A coupon bound to another phone is refused as if it did not exist, with no more work.
        if (!coupon || !visibleTo(coupon, phone)) {
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
    .get(
      "/coupon-status",
      async ({ query, principal, request, server, set }) => {
        if (principal.role !== "user") return couponStatus(store, campaigns, query.code, null);
        // To a user this answers whether a code exists: it counts against the address like a redeem.
        const ip = clientIpOf(request, server?.requestIP(request)?.address, deps.trustProxy);
        const refused = await limitAttempt(deps, request, ip, set.headers);
        if (refused) return sendAsIs(refused);
        return couponStatus(store, campaigns, query.code, principal.phone);
      },
      {
        auth: ["admin", "service", "user"],
        query: CouponStatusQuery,
        response: { 200: CouponStatus, ...CouponStatusProblems },
        detail: {
          summary: "Whether a coupon is used",
          description:
            "Staff see every coupon. A user sees a coupon bound to another phone as NOT_FOUND, and each " +
            "call counts against the address's coupon limit (429 with Retry-After).",
          tags: ["coupons"],
        },
      },
    )
    .post(
      "/v1/coupon-batches",
      async ({ body, set }) => {
        const input = newBatchOf(body, couponDefaults, clock());
        const batch = await generateBatch(writer, input, clock, (codes) =>
          metrics.couponsGenerated.inc({}, codes.length),
        );
        if (batch instanceof AppError) throw batch;
        set.status = 201;
        return toBatch(store, batch);
      },
      {
        auth: admins,
        parse: "json",
        body: CreateBatch,
        response: { 201: Batch, ...CreateBatchProblems },
        detail: {
          summary: "Generate a batch of single-use coupons (admin)",
          description:
            "Up to 1,000,000 per call (`bun run coupons` makes more), or one bound to each of `phones`; " +
            "codes follow `pattern` over `alphabet`. Read the codes by page or as CSV.",
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
          const csv = new Response(batchCouponsCsv(store, batch), {
            headers: {
              "content-type": "text/csv; charset=utf-8",
              "content-disposition": `attachment; filename="coupons-${batch.id}.csv"`,
            },
          });
          return sendAsIs(csv);
        }
        const page = await batchCoupons(store, batch, {
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

/**
 * Counts an attempt at a coupon code against the client address's limit: the limit's headers
 * on `headers`, or the answer that ends the request (429, or 503 while the limiter is down).
 * Checked before the code is even looked up: guessing codes must be slow.
 */
async function limitAttempt(
  deps: CouponRoutesDeps,
  request: Request,
  ip: string,
  headers: Record<string, unknown>,
): Promise<Response | undefined> {
  let limit: RateLimitDecision;
  try {
    limit = await deps.couponLimiter.check(ip);
  } catch (err) {
    deps.logger.warn({ err }, "coupon rate limiter unavailable");
    return refusalResponse(request, unavailable(1));
  }
  if (!limit.allowed) {
    deps.metrics.couponsRateLimited.inc();
    return rateLimitedResponse(request, limit, deps.clock());
  }
  Object.assign(headers, rateLimitHeaders(limit, deps.clock()));
  return undefined;
}

async function batchOf(deps: CouponRoutesDeps, id: string) {
  const batch = await findBatch(deps.store, Number(id));
  if (!batch) throw new AppError("BATCH_NOT_FOUND", `No coupon batch ${id}`);
  return batch;
}
