import { type CallOptions, type ClientOptions, type RequestOf, routeCaller, type SuccessOf } from "./core";
import type { WalletRoutes } from "./generated/wallet-routes";

export type { ApiError, ApiResult, CallOptions, ClientOptions, ErrorCode, TokenSource } from "./core";
export type { WalletRoutes } from "./generated/wallet-routes";
export { idempotencyKeyFor } from "./idempotency";

/** `{amount, reference?, description?}` as the wallet's own schema says: integer Tomans. */
export type EntryBody = RequestOf<WalletRoutes["POST /v1/wallets/{phone}/credits"]>["body"];
/** `{items: [{phone, amount, idempotencyKey, reference?, description?}]}`: 1-500 credits, each keyed. */
export type CreditBatch = RequestOf<WalletRoutes["POST /v1/credit-batches"]>["body"];
export type CreditBatchItem = CreditBatch["items"][number];
export type TransactionsQuery = RequestOf<WalletRoutes["GET /v1/wallets/{phone}/transactions"]>["query"];
/** What a route answers on success, e.g. `WalletAnswer<"GET /v1/wallets/{phone}">`. */
export type WalletAnswer<K extends keyof WalletRoutes> = SuccessOf<WalletRoutes[K]>;
export type WalletView = WalletAnswer<"GET /v1/wallets/{phone}">;
export type TransactionsPage = WalletAnswer<"GET /v1/wallets/{phone}/transactions">;
export type LedgerEntry = TransactionsPage["items"][number];

/**
 * The wallet's v1 API. Credits and debits take the Idempotency-Key as a required argument:
 * the caller must decide what makes two calls the same (see idempotencyKeyFor).
 */
export function createWalletClient(options: ClientOptions) {
  const send = routeCaller<WalletRoutes>(options);
  const entry =
    (route: "POST /v1/wallets/{phone}/credits" | "POST /v1/wallets/{phone}/debits") =>
    (phone: string, body: EntryBody, idempotencyKey: string, call?: CallOptions) =>
      send(route, { params: { phone }, headers: { "idempotency-key": idempotencyKey }, body }, call);
  return {
    balance: (phone: string, call?: CallOptions) => send("GET /v1/wallets/{phone}", { params: { phone } }, call),
    transactions: (phone: string, query: TransactionsQuery = {}, call?: CallOptions) =>
      send("GET /v1/wallets/{phone}/transactions", { params: { phone }, query }, call),
    credit: entry("POST /v1/wallets/{phone}/credits"),
    /** Many credits in one request, each with its own key and its own result (201 entry or 409 refusal), in order. */
    creditMany: (items: CreditBatchItem[], call?: CallOptions) =>
      send("POST /v1/credit-batches", { body: { items } }, call),
    debit: entry("POST /v1/wallets/{phone}/debits"),
  };
}

export type WalletClient = ReturnType<typeof createWalletClient>;
