import type { TokenVerifier } from "@matchday/shared/auth";
import type { Clock } from "@matchday/shared/clock";
import { authPlugin } from "@matchday/shared/http";
import { Elysia } from "elysia";
import type { DiscountStore } from "../../db/store";
import { ADMIN_ONLY } from "../campaigns";
import type { DestinationPolicy } from "./destination";
import { CreatedWebhook, CreateWebhook, DeliveryList, DeliveryListQuery, WebhookList, WebhookParams } from "./model";
import { createWebhook, createWebhookWrites, findWebhook, listDeliveries, listWebhooks } from "./service";

export interface WebhookRoutesDeps {
  store: DiscountStore;
  verifyToken: TokenVerifier;
  clock: Clock;
  policy: DestinationPolicy;
}

const admins = ["admin"] as const;

export function webhookRoutes({ store, verifyToken, clock, policy }: WebhookRoutesDeps) {
  const writes = createWebhookWrites(store, clock);
  return new Elysia({ name: "webhooks", prefix: "/v1/webhooks" })
    .use(authPlugin(verifyToken))
    .post(
      "/",
      async ({ body, set }) => {
        const created = await createWebhook(writes, body, policy);
        set.status = 201;
        return created;
      },
      {
        auth: admins,
        parse: "json",
        body: CreateWebhook,
        response: { 201: CreatedWebhook },
        detail: {
          summary: "Register a webhook endpoint (admin)",
          description:
            `${ADMIN_ONLY} Events are POSTed as Standard Webhooks, signed with the secret in this answer (shown ` +
            "once), at least once: receivers de-duplicate on webhook-id. 422 WEBHOOK_URL_REFUSED for a URL that is " +
            "not https, or whose host resolves to a loopback, private, link-local or metadata address; 422 " +
            "VALIDATION_FAILED for an unknown event type.",
          tags: ["webhooks"],
        },
      },
    )
    .get("/", () => listWebhooks(store), {
      auth: admins,
      response: { 200: WebhookList },
      detail: {
        summary: "Webhook endpoints, with whether each is still enabled (admin)",
        description: `${ADMIN_ONLY} Secrets are never listed.`,
        tags: ["webhooks"],
      },
    })
    .delete(
      "/:id",
      async ({ params, set }) => {
        const endpoint = await findWebhook(store, Number(params.id));
        await writes.remove(endpoint.id);
        set.status = 204;
      },
      {
        auth: admins,
        params: WebhookParams,
        detail: {
          summary: "Remove a webhook endpoint and the deliveries it is still owed (admin)",
          description: `${ADMIN_ONLY} 404 WEBHOOK_NOT_FOUND when there is no such endpoint.`,
          tags: ["webhooks"],
          responses: { 204: { description: "Removed: nothing more is sent to it" } },
        },
      },
    )
    .get(
      "/:id/deliveries",
      async ({ params, query }) => {
        const endpoint = await findWebhook(store, Number(params.id));
        return listDeliveries(store, endpoint.id, { limit: Number(query.limit ?? 20), cursor: query.cursor });
      },
      {
        auth: admins,
        params: WebhookParams,
        query: DeliveryListQuery,
        response: { 200: DeliveryList },
        detail: {
          summary: "An endpoint's deliveries, newest first, by cursor (admin)",
          description: `${ADMIN_ONLY} 404 WEBHOOK_NOT_FOUND when there is no such endpoint.`,
          tags: ["webhooks"],
        },
      },
    );
}
