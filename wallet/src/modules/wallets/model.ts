import { SAFE_TEXT } from "@matchday/shared/safe-text";
import { type Static, Type as T } from "@sinclair/typebox";
import { problemCodes } from "../../errors";

/** Largest single credit or debit: far above any real campaign, far below 2^53. */
export const MAX_AMOUNT = 1_000_000_000_000;

export const PhoneParams = T.Object({
  phone: T.String({ maxLength: 64, description: "Iranian mobile in any common form, e.g. 09121234567" }),
});

export const EntryRequest = T.Object(
  {
    amount: T.Integer({ minimum: 1, maximum: MAX_AMOUNT, description: "Integer Tomans" }),
    reference: T.Optional(T.String({ minLength: 1, maxLength: 128, ...SAFE_TEXT })),
    description: T.Optional(T.String({ maxLength: 500, ...SAFE_TEXT })),
  },
  { additionalProperties: false },
);
export type EntryRequest = Static<typeof EntryRequest>;

export const EntryHeaders = T.Object({
  "idempotency-key": T.String({
    pattern: "^[\\x21-\\x7e]{1,255}$",
    description: "1-255 printable ASCII characters. The same key with the same request replays the stored entry.",
    ...problemCodes({ missing: "IDEMPOTENCY_KEY_REQUIRED", invalid: "IDEMPOTENCY_KEY_INVALID" }),
  }),
});

export const LedgerEntry = T.Object({
  id: T.Integer(),
  phone: T.String(),
  kind: T.Union([T.Literal("credit"), T.Literal("debit")]),
  amount: T.Integer({ description: "Signed integer Tomans: debits are negative" }),
  balanceAfter: T.Integer(),
  reference: T.Union([T.String(), T.Null()]),
  description: T.Union([T.String(), T.Null()]),
  createdAt: T.String({ format: "date-time" }),
});
export type LedgerEntry = Static<typeof LedgerEntry>;

export const WalletView = T.Object({
  phone: T.String(),
  balance: T.Integer(),
  currency: T.Literal("IRT"),
  updatedAt: T.Union([T.String({ format: "date-time" }), T.Null()]),
});
export type WalletView = Static<typeof WalletView>;

/** Query values stay text, checked by pattern, so a bad one is named like any other field. */
export const TransactionsQuery = T.Object({
  limit: T.Optional(T.String({ pattern: "^(100|[1-9][0-9]?)$", description: "Page size, 1-100 (default 20)" })),
  cursor: T.Optional(T.String({ pattern: "^[1-9][0-9]{0,15}$", description: "nextCursor from the previous page" })),
});

export const TransactionsPage = T.Object({
  items: T.Array(LedgerEntry),
  nextCursor: T.Union([T.String(), T.Null()]),
});
export type TransactionsPage = Static<typeof TransactionsPage>;
export type PhoneParams = Static<typeof PhoneParams>;
export type EntryHeaders = Static<typeof EntryHeaders>;
