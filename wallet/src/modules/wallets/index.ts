import { requireSelfOrRole, type TokenVerifier } from "@matchday/shared/auth";
import { authPlugin } from "@matchday/shared/http";
import { requirePhone } from "@matchday/shared/phone";
import { Elysia } from "elysia";
import type { WalletStore } from "../../db/store";
import { AppError } from "../../errors";
import type { WalletMetrics } from "../../metrics";
import type { EntryKind } from "./entry";
import type { LedgerWriter } from "./ledger-batch";
import {
  EntryHeaders,
  EntryRequest,
  LedgerEntry,
  PhoneParams,
  TransactionsPage,
  TransactionsQuery,
  WalletView,
} from "./model";
import { applyEntry, getWallet, listTransactions } from "./service";

export interface WalletRoutesDeps {
  store: WalletStore;
  /** The process's one ledger writer, shared with the credit batches. */
  writer: LedgerWriter;
  verifyToken: TokenVerifier;
  metrics: WalletMetrics;
}

const readers = ["user", "admin", "service"] as const;
const writers = ["admin", "service"] as const;

export function walletRoutes({ store, writer, verifyToken, metrics }: WalletRoutesDeps) {
  const entryRoute = (kind: EntryKind) => ({
    auth: writers,
    parse: "json" as const,
    params: PhoneParams,
    headers: EntryHeaders,
    body: EntryRequest,
    response: { 201: LedgerEntry },
    detail: {
      summary: kind === "credit" ? "Credit a wallet" : "Debit a wallet",
      description:
        "Requires an Idempotency-Key header. The same key with the same request returns the stored entry " +
        "again with `Idempotent-Replayed: true`; with a different request it is refused with 409." +
        (kind === "debit" ? " A debit beyond the balance is refused with 409 INSUFFICIENT_FUNDS." : ""),
      tags: ["wallets"],
    },
  });

  const handleEntry =
    (kind: EntryKind) =>
    async ({
      params,
      headers,
      body,
      set,
    }: {
      params: PhoneParams;
      headers: EntryHeaders;
      body: EntryRequest;
      set: { status?: number | string; headers: Record<string, string | number> };
    }) => {
      const phone = requirePhone(params.phone, "params.phone");
      const idempotencyKey = headers["idempotency-key"];
      const outcome = await applyEntry(writer, { phone, kind, idempotencyKey, ...body });
      if (!outcome.ok) throw new AppError(outcome.error);
      if (outcome.replayed) set.headers["idempotent-replayed"] = "true";
      else metrics.recordEntry(kind, body.amount);
      set.status = 201;
      return outcome.entry;
    };

  return new Elysia({ name: "wallets", prefix: "/v1/wallets" })
    .use(authPlugin(verifyToken))
    .onStop(() => writer.drain())
    .get(
      "/:phone",
      ({ params, principal }) => {
        const phone = requirePhone(params.phone, "params.phone");
        requireSelfOrRole(principal, phone, writers);
        return getWallet(store, phone);
      },
      {
        auth: readers,
        params: PhoneParams,
        response: { 200: WalletView },
        detail: { summary: "A wallet's balance (0 for a phone never credited)", tags: ["wallets"] },
      },
    )
    .get(
      "/:phone/transactions",
      ({ params, query, principal }) => {
        const phone = requirePhone(params.phone, "params.phone");
        requireSelfOrRole(principal, phone, writers);
        return listTransactions(store, phone, { limit: Number(query.limit ?? 20), cursor: query.cursor });
      },
      {
        auth: readers,
        params: PhoneParams,
        query: TransactionsQuery,
        response: { 200: TransactionsPage },
        detail: { summary: "A wallet's ledger entries, newest first, by cursor", tags: ["wallets"] },
      },
    )
    .post("/:phone/credits", handleEntry("credit"), entryRoute("credit"))
    .post("/:phone/debits", handleEntry("debit"), entryRoute("debit"));
}
