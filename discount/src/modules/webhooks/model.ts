import { type Static, Type as T, type TLiteral } from "@sinclair/typebox";
import { Timestamp } from "../campaigns/model";
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from "./events";

const [first, ...others] = WEBHOOK_EVENT_TYPES.map((type) => T.Literal(type));
const EventType = T.Union([first as TLiteral<WebhookEventType>, ...others], {
  description: "An event an endpoint receives",
});

export const CreateWebhook = T.Object(
  {
    url: T.String({
      minLength: 1,
      maxLength: 2_048,
      description:
        "Where events are POSTed: https (http only where the service allows it), never to a loopback, " +
        "private, link-local or metadata address",
    }),
    events: T.Array(EventType, { minItems: 1, maxItems: WEBHOOK_EVENT_TYPES.length, uniqueItems: true }),
  },
  { additionalProperties: false },
);
export type CreateWebhook = Static<typeof CreateWebhook>;

const WebhookFields = {
  id: T.Integer({ description: "The endpoint's handle (/v1/webhooks/{id})" }),
  url: T.String(),
  events: T.Array(EventType),
  enabled: T.Boolean({ description: "False once every attempt failed for the whole retry window" }),
  createdAt: Timestamp,
  lastSuccessAt: T.Union([Timestamp, T.Null()], { description: "When it last answered 2xx" }),
  failingSince: T.Union([Timestamp, T.Null()], { description: "Start of its current run of failed attempts" }),
  consecutiveFailures: T.Integer(),
  disabledAt: T.Union([Timestamp, T.Null()]),
  disabledReason: T.Union([T.String(), T.Null()]),
};

export const Webhook = T.Object(WebhookFields);
export type Webhook = Static<typeof Webhook>;

export const CreatedWebhook = T.Object({
  ...WebhookFields,
  secret: T.String({
    description: "whsec_ and base64: verifies the webhook-signature header. Shown only in this answer.",
  }),
});

export const WebhookList = T.Object({ items: T.Array(Webhook) });

export const WebhookParams = T.Object({ id: T.String({ pattern: "^[1-9][0-9]{0,15}$" }) });

export const DeliveryListQuery = T.Object({
  limit: T.Optional(T.String({ pattern: "^(100|[1-9][0-9]?)$", description: "Page size, 1-100 (default 20)" })),
  cursor: T.Optional(T.String({ pattern: "^[1-9][0-9]{0,15}$", description: "nextCursor of the previous page" })),
});

export const Delivery = T.Object({
  id: T.Integer(),
  messageId: T.String({ description: "The webhook-id header: the same for every attempt, for de-duplication" }),
  type: EventType,
  status: T.Union([T.Literal("pending"), T.Literal("delivered"), T.Literal("failed")]),
  attempts: T.Integer(),
  lastStatus: T.Union([T.Integer(), T.Null()], { description: "HTTP status of the last attempt, if it got one" }),
  lastError: T.Union([T.String(), T.Null()]),
  nextAttemptAt: T.Union([Timestamp, T.Null()]),
  createdAt: Timestamp,
  deliveredAt: T.Union([Timestamp, T.Null()]),
});
export type Delivery = Static<typeof Delivery>;

export const DeliveryList = T.Object({ items: T.Array(Delivery), nextCursor: T.Union([T.String(), T.Null()]) });
export type DeliveryList = Static<typeof DeliveryList>;
