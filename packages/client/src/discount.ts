import type { DiscountApp } from "@matchday/discount/app";
import type { Summary, Winner } from "@matchday/discount/report/model";
import { type ApiResult, type CallOptions, type ClientOptions, callInit, connect, settle } from "./core";

export type { ApiError, ApiResult, CallOptions, ClientOptions, TokenSource } from "./core";

type Api = ReturnType<typeof connect<DiscountApp>>;
type Campaign = ReturnType<Api["v1"]["campaigns"]>;
type Batch = ReturnType<Api["v1"]["coupon-batches"]>;
type WebhookEndpoint = ReturnType<Api["v1"]["webhooks"]>;
type QueryOf<Get extends (options: never) => unknown> = NonNullable<NonNullable<Parameters<Get>[0]>["query"]>;

export type RedeemBody = Parameters<Api["v1"]["redeem"]["post"]>[0];
export type RedeemCouponBody = Parameters<Api["redeem-coupon"]["post"]>[0];
export type CreateCampaignBody = Parameters<Api["v1"]["campaigns"]["post"]>[0];
export type GenerateCouponBody = NonNullable<Parameters<Api["generate-coupon"]["post"]>[0]>;
export type CreateBatchBody = Parameters<Api["v1"]["coupon-batches"]["post"]>[0];
export type CampaignListQuery = QueryOf<Api["v1"]["campaigns"]["get"]>;
export type ReportQuery = Omit<QueryOf<Campaign["report"]["get"]>, "format">;
export type BatchCouponsQuery = Omit<QueryOf<Batch["coupons"]["get"]>, "format">;
export type CreateWebhookBody = Parameters<Api["v1"]["webhooks"]["post"]>[0];
export type DeliveryListQuery = QueryOf<WebhookEndpoint["deliveries"]["get"]>;
/** `{reason}`: why the credit is reversed, kept in the report. */
export type ReversalBody = Parameters<ReturnType<Api["v1"]["coupons"]>["rollback"]["post"]>[0];
export type RevokeBody = NonNullable<Parameters<ReturnType<Api["v1"]["coupons"]>["revoke"]["post"]>[0]>;

/** One Server-Sent Event of a campaign's live stream, parsed. */
export type CampaignEvent =
  | { event: "winner"; id: number; data: Winner }
  | { event: "summary"; data: Summary }
  | { event: "sold-out"; data: Pick<Summary, "soldOutAt" | "redeemed"> };

/**
 * The route returns a Response, so that is Eden's type for it; at run time Eden hands over its SSE
 * reader. Each message goes on but the reconnect hint (`retry:`), which is the transport's business.
 */
async function* campaignEvents(reader: unknown): AsyncGenerator<CampaignEvent> {
  for await (const message of reader as AsyncIterable<Record<string, unknown>>) {
    if (typeof message.event === "string") yield message as CampaignEvent;
  }
}

/** The schemas of the report and batch routes describe their JSON form; `format=csv` answers text. */
const asText = (pending: Promise<ApiResult<unknown>>) => pending as Promise<ApiResult<string>>;

/**
 * The discount service's v1 API and its coupon endpoints. Redeeming needs a user token (the phone
 * comes from it) or a service/admin token with `phone` in the body; everything else is admin-only.
 */
export function createDiscountClient(options: ClientOptions) {
  const api = connect<DiscountApp>(options);
  const init = (call?: CallOptions) => callInit(options, call);
  // Eden puts path parameters in the URL as they are.
  const campaign = (code: string) => api.v1.campaigns({ code: encodeURIComponent(code) });
  const batch = (id: number | string) => api.v1["coupon-batches"]({ id: encodeURIComponent(id) });
  const webhook = (id: number | string) => api.v1.webhooks({ id: encodeURIComponent(id) });
  const coupon = (code: string) => api.v1.coupons({ code: encodeURIComponent(code) });
  return {
    redeem: (body: RedeemBody, call?: CallOptions) => settle(api.v1.redeem.post(body, init(call))),
    createCampaign: (body: CreateCampaignBody, call?: CallOptions) => settle(api.v1.campaigns.post(body, init(call))),
    campaigns: (query: CampaignListQuery = {}, call?: CallOptions) =>
      settle(api.v1.campaigns.get({ query, ...init(call) })),
    campaign: (code: string, call?: CallOptions) => settle(campaign(code).get(init(call))),
    report: (code: string, query: ReportQuery = {}, call?: CallOptions) =>
      settle(campaign(code).report.get({ query, ...init(call) })),
    reportCsv: (code: string, call?: CallOptions) =>
      asText(settle(campaign(code).report.get({ query: { format: "csv" }, ...init(call) }))),
    /** Live winners until the signal aborts or the stream ends; no `timeoutMs` here unless the stream should stop. */
    events: (code: string, query: { cursor?: string } = {}, call?: CallOptions) =>
      settle(campaign(code).events.get({ query, ...init(call) })).then(
        (result): ApiResult<AsyncGenerator<CampaignEvent>> =>
          result.ok ? { ...result, data: campaignEvents(result.data) } : result,
      ),
    generateCoupon: (body: GenerateCouponBody = {}, call?: CallOptions) =>
      settle(api["generate-coupon"].post(body, init(call))),
    redeemCoupon: (body: RedeemCouponBody, call?: CallOptions) => settle(api["redeem-coupon"].post(body, init(call))),
    couponStatus: (code: string, call?: CallOptions) =>
      settle(api["coupon-status"].get({ query: { code }, ...init(call) })),
    createCouponBatch: (body: CreateBatchBody, call?: CallOptions) =>
      settle(api.v1["coupon-batches"].post(body, init(call))),
    couponBatch: (id: number | string, call?: CallOptions) => settle(batch(id).get(init(call))),
    batchCoupons: (id: number | string, query: BatchCouponsQuery = {}, call?: CallOptions) =>
      settle(batch(id).coupons.get({ query, ...init(call) })),
    batchCouponsCsv: (id: number | string, call?: CallOptions) =>
      asText(settle(batch(id).coupons.get({ query: { format: "csv" }, ...init(call) }))),
    /** Registers an endpoint; the answer's `secret` (whsec_...) is shown this once. */
    createWebhook: (body: CreateWebhookBody, call?: CallOptions) => settle(api.v1.webhooks.post(body, init(call))),
    webhooks: (call?: CallOptions) => settle(api.v1.webhooks.get(init(call))),
    deleteWebhook: (id: number | string, call?: CallOptions) => settle(webhook(id).delete(undefined, init(call))),
    webhookDeliveries: (id: number | string, query: DeliveryListQuery = {}, call?: CallOptions) =>
      settle(webhook(id).deliveries.get({ query, ...init(call) })),
    /**
     * Debits a redeemed coupon's credit back and makes it UNUSED again: 200 done, 202 while the wallet
     * has not confirmed (the service finishes it); 409 REVERSAL_INSUFFICIENT_FUNDS changed nothing.
     */
    rollbackCoupon: (code: string, body: ReversalBody, idempotencyKey: string, call?: CallOptions) =>
      settle(coupon(code).rollback.post(body, { headers: { "idempotency-key": idempotencyKey }, ...init(call) })),
    /** Makes an unused coupon unredeemable (status REVOKED); 409 COUPON_ALREADY_USED for a used one. */
    revokeCoupon: (code: string, body: RevokeBody = {}, call?: CallOptions) =>
      settle(coupon(code).revoke.post(body, init(call))),
    /** Voids a gift winner: its credit is debited back, the report shows it voided, the slot stays taken. */
    voidRedemption: (code: string, phone: string, body: ReversalBody, idempotencyKey?: string, call?: CallOptions) =>
      settle(
        campaign(code)
          .redemptions({ phone: encodeURIComponent(phone) })
          .void.post(body, {
            headers: idempotencyKey === undefined ? {} : { "idempotency-key": idempotencyKey },
            ...init(call),
          }),
      ),
  };
}

export type DiscountClient = ReturnType<typeof createDiscountClient>;
