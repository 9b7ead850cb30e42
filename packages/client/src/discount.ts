import { type ApiResult, type CallOptions, type ClientOptions, routeCaller, type SuccessOf } from "./core";
import type { DiscountRoutes } from "./generated/discount-routes";
import { serverSentEvents } from "./server-sent-events";

export type { ApiError, ApiResult, CallOptions, ClientOptions, ErrorCode, TokenSource } from "./core";
export type { DiscountRoutes } from "./generated/discount-routes";

type Body<K extends keyof DiscountRoutes> = DiscountRoutes[K] extends { body?: infer B } ? B : never;
type Query<K extends keyof DiscountRoutes> = DiscountRoutes[K] extends { query: infer Q } ? Q : never;

export type RedeemBody = Body<"POST /v1/redeem">;
export type RedeemCouponBody = Body<"POST /redeem-coupon">;
export type CreateCampaignBody = Body<"POST /v1/campaigns">;
export type GenerateCouponBody = NonNullable<Body<"POST /generate-coupon">>;
export type CreateBatchBody = Body<"POST /v1/coupon-batches">;
export type CampaignListQuery = Query<"GET /v1/campaigns">;
export type ReportQuery = Omit<Query<"GET /v1/campaigns/{code}/report">, "format">;
export type BatchCouponsQuery = Omit<Query<"GET /v1/coupon-batches/{id}/coupons">, "format">;
export type CreateWebhookBody = Body<"POST /v1/webhooks">;
export type DeliveryListQuery = Query<"GET /v1/webhooks/{id}/deliveries">;
/** `{reason}`: why the credit is reversed, kept in the report. */
export type ReversalBody = Body<"POST /v1/coupons/{code}/rollback">;
export type RevokeBody = NonNullable<Body<"POST /v1/coupons/{code}/revoke">>;

/** What a route answers on success, e.g. `DiscountAnswer<"POST /v1/redeem">`. */
export type DiscountAnswer<K extends keyof DiscountRoutes> = SuccessOf<DiscountRoutes[K]>;
export type Campaign = DiscountAnswer<"GET /v1/campaigns/{code}">;
export type RedeemResult = DiscountAnswer<"POST /v1/redeem">;
export type Report = DiscountAnswer<"GET /v1/campaigns/{code}/report">;
/** One winner, as the report lists it and the live stream announces it. */
export type Winner = Report["winners"][number];
/** A campaign's numbers, as the report heads them and the live stream repeats them when they change. */
export type Summary = Pick<
  Report,
  "cap" | "redeemed" | "remaining" | "credited" | "pending" | "failed" | "firstRedeemedAt" | "soldOutAt"
>;

/** One Server-Sent Event of a campaign's live stream, parsed. */
export type CampaignEvent =
  | { event: "winner"; id: number; data: Winner }
  | { event: "summary"; data: Summary }
  | { event: "sold-out"; data: Pick<Summary, "soldOutAt" | "redeemed"> };

/** The schemas of the report and batch routes describe their JSON form; `format=csv` answers text. */
const asText = (pending: Promise<ApiResult<unknown>>) => pending as Promise<ApiResult<string>>;

/**
 * The discount service's v1 API and its coupon endpoints. Redeeming needs a user token (the phone
 * comes from it) or a service/admin token with `phone` in the body; everything else is admin-only.
 */
export function createDiscountClient(options: ClientOptions) {
  const send = routeCaller<DiscountRoutes>(options);
  const batch = (id: number | string) => ({ id: String(id) });
  const webhook = batch;
  return {
    redeem: (body: RedeemBody, call?: CallOptions) => send("POST /v1/redeem", { body }, call),
    createCampaign: (body: CreateCampaignBody, call?: CallOptions) => send("POST /v1/campaigns", { body }, call),
    campaigns: (query: CampaignListQuery = {}, call?: CallOptions) => send("GET /v1/campaigns", { query }, call),
    campaign: (code: string, call?: CallOptions) => send("GET /v1/campaigns/{code}", { params: { code } }, call),
    report: (code: string, query: ReportQuery = {}, call?: CallOptions) =>
      send("GET /v1/campaigns/{code}/report", { params: { code }, query }, call),
    reportCsv: (code: string, call?: CallOptions) =>
      asText(send("GET /v1/campaigns/{code}/report", { params: { code }, query: { format: "csv" } }, call)),
    /** Live winners until the signal aborts or the stream ends; no `timeoutMs` here unless the stream should stop. */
    events: (code: string, query: { cursor?: string } = {}, call?: CallOptions) =>
      send("GET /v1/campaigns/{code}/events", { params: { code }, query }, call).then(
        (result): ApiResult<AsyncGenerator<CampaignEvent>> =>
          result.ok
            ? {
                ...result,
                data: serverSentEvents(result.data as ReadableStream<Uint8Array>) as AsyncGenerator<CampaignEvent>,
              }
            : result,
      ),
    generateCoupon: (body: GenerateCouponBody = {}, call?: CallOptions) =>
      send("POST /generate-coupon", { body }, call),
    redeemCoupon: (body: RedeemCouponBody, call?: CallOptions) => send("POST /redeem-coupon", { body }, call),
    couponStatus: (code: string, call?: CallOptions) => send("GET /coupon-status", { query: { code } }, call),
    createCouponBatch: (body: CreateBatchBody, call?: CallOptions) => send("POST /v1/coupon-batches", { body }, call),
    couponBatch: (id: number | string, call?: CallOptions) =>
      send("GET /v1/coupon-batches/{id}", { params: batch(id) }, call),
    batchCoupons: (id: number | string, query: BatchCouponsQuery = {}, call?: CallOptions) =>
      send("GET /v1/coupon-batches/{id}/coupons", { params: batch(id), query }, call),
    batchCouponsCsv: (id: number | string, call?: CallOptions) =>
      asText(send("GET /v1/coupon-batches/{id}/coupons", { params: batch(id), query: { format: "csv" } }, call)),
    /** Registers an endpoint; the answer's `secret` (whsec_...) is shown this once. */
    createWebhook: (body: CreateWebhookBody, call?: CallOptions) => send("POST /v1/webhooks", { body }, call),
    webhooks: (call?: CallOptions) => send("GET /v1/webhooks", {}, call),
    deleteWebhook: (id: number | string, call?: CallOptions) =>
      send("DELETE /v1/webhooks/{id}", { params: webhook(id) }, call),
    webhookDeliveries: (id: number | string, query: DeliveryListQuery = {}, call?: CallOptions) =>
      send("GET /v1/webhooks/{id}/deliveries", { params: webhook(id), query }, call),
    /**
     * Debits a redeemed coupon's credit back and makes it UNUSED again: 200 done, 202 while the wallet
     * has not confirmed (the service finishes it); 409 REVERSAL_INSUFFICIENT_FUNDS changed nothing.
     */
    rollbackCoupon: (code: string, body: ReversalBody, idempotencyKey: string, call?: CallOptions) =>
      send(
        "POST /v1/coupons/{code}/rollback",
        { params: { code }, headers: { "idempotency-key": idempotencyKey }, body },
        call,
      ),
    /** Makes an unused coupon unredeemable (status REVOKED); 409 COUPON_ALREADY_USED for a used one. */
    revokeCoupon: (code: string, body: RevokeBody = {}, call?: CallOptions) =>
      send("POST /v1/coupons/{code}/revoke", { params: { code }, body }, call),
    /** Voids a gift winner: its credit is debited back, the report shows it voided, the slot stays taken. */
    voidRedemption: (code: string, phone: string, body: ReversalBody, idempotencyKey?: string, call?: CallOptions) =>
      send(
        "POST /v1/campaigns/{code}/redemptions/{phone}/void",
        {
          params: { code, phone },
          headers: idempotencyKey === undefined ? {} : { "idempotency-key": idempotencyKey },
          body,
        },
        call,
      ),
  };
}

export type DiscountClient = ReturnType<typeof createDiscountClient>;
