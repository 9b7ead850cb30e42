import type { WalletApp } from "@matchday/wallet/app";
import { type CallOptions, type ClientOptions, callInit, connect, settle } from "./core";

export type { ApiError, ApiResult, CallOptions, ClientOptions, TokenSource } from "./core";
export { idempotencyKeyFor } from "./idempotency";

type Wallet = ReturnType<ReturnType<typeof connect<WalletApp>>["v1"]["wallets"]>;
/** `{amount, reference?, description?}` as the wallet's own schema says: integer Tomans. */
export type EntryBody = Parameters<Wallet["credits"]["post"]>[0];
/** `{items: [{phone, amount, idempotencyKey, reference?, description?}]}`: 1-500 credits, each keyed. */
export type CreditBatch = Parameters<ReturnType<typeof connect<WalletApp>>["v1"]["credit-batches"]["post"]>[0];
export type CreditBatchItem = CreditBatch["items"][number];
export type TransactionsQuery = NonNullable<NonNullable<Parameters<Wallet["transactions"]["get"]>[0]>["query"]>;

/**
 * The wallet's v1 API. Credits and debits take the Idempotency-Key as a required argument:
 * the caller must decide what makes two calls the same (see idempotencyKeyFor).
 */
export function createWalletClient(options: ClientOptions) {
  const api = connect<WalletApp>(options);
  // Eden puts path parameters in the URL as they are.
  const wallet = (phone: string) => api.v1.wallets({ phone: encodeURIComponent(phone) });
  const entry =
    (kind: "credits" | "debits") => (phone: string, body: EntryBody, idempotencyKey: string, call?: CallOptions) =>
      settle(
        wallet(phone)[kind].post(body, { headers: { "idempotency-key": idempotencyKey }, ...callInit(options, call) }),
      );
  return {
    balance: (phone: string, call?: CallOptions) => settle(wallet(phone).get(callInit(options, call))),
    transactions: (phone: string, query: TransactionsQuery = {}, call?: CallOptions) =>
      settle(wallet(phone).transactions.get({ query, ...callInit(options, call) })),
    credit: entry("credits"),
    /** Many credits in one request, each with its own key and its own result (201 entry or 409 refusal), in order. */
    creditMany: (items: CreditBatchItem[], call?: CallOptions) =>
      settle(api.v1["credit-batches"].post({ items }, callInit(options, call))),
    debit: entry("debits"),
  };
}

export type WalletClient = ReturnType<typeof createWalletClient>;
