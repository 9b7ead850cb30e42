import { type Static, Type as T } from "@sinclair/typebox";
import { EntryHeaders, EntryRequest, LedgerEntry, PhoneParams } from "../wallets/model";

/** Most credits one request may carry: one batch still fits the ledger writer's group commit easily. */
export const MAX_BATCH_ITEMS = 500;

/**
 * One credit of a batch: the single credit's body, plus what the single credit takes from its
 * path (the phone) and its header (the Idempotency-Key), each with the very same schema.
 */
export const BatchItem = T.Composite(
  [
    T.Object({
      phone: PhoneParams.properties.phone,
      idempotencyKey: EntryHeaders.properties["idempotency-key"],
    }),
    EntryRequest,
  ],
  { additionalProperties: false },
);
export type BatchItem = Static<typeof BatchItem>;

export const CreditBatchRequest = T.Object(
  { items: T.Array(BatchItem, { minItems: 1, maxItems: MAX_BATCH_ITEMS }) },
  { additionalProperties: false },
);
export type CreditBatchRequest = Static<typeof CreditBatchRequest>;

/** A credit applied now (`replayed: false`) or earlier under the same key and request (`replayed: true`). */
const Credited = T.Object({ status: T.Literal(201), replayed: T.Boolean(), entry: LedgerEntry });

/** A credit the ledger refused, as the single credit would have answered it (its code and title). */
const Refused = T.Object({
  status: T.Literal(409),
  code: T.Union([
    T.Literal("IDEMPOTENCY_KEY_REUSED"),
    T.Literal("BALANCE_LIMIT_EXCEEDED"),
    T.Literal("INSUFFICIENT_FUNDS"),
  ]),
  detail: T.String(),
});

export const BatchResult = T.Union([Credited, Refused]);
export type BatchResult = Static<typeof BatchResult>;

export const CreditBatchResponse = T.Object({
  items: T.Array(BatchResult, { description: "One result per item, in the request's order" }),
});
export type CreditBatchResponse = Static<typeof CreditBatchResponse>;
