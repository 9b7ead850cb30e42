import type { TokenVerifier } from "@matchday/shared/auth";
import { authPlugin } from "@matchday/shared/http";
import { Elysia } from "elysia";
import type { WalletMetrics } from "../../metrics";
import type { LedgerWriter } from "../wallets/ledger-batch";
import { CreditBatchRequest, CreditBatchResponse, MAX_BATCH_ITEMS } from "./model";
import { applyCredits, toCommands } from "./service";

export interface CreditBatchRoutesDeps {
  /** The single credits' own writer, so a batch lands in the same lane and group commit. */
  writer: LedgerWriter;
  verifyToken: TokenVerifier;
  metrics: WalletMetrics;
}

/** Many credits in one request: one HTTP round trip, token check and log line for all of them. */
export function creditBatchRoutes({ writer, verifyToken, metrics }: CreditBatchRoutesDeps) {
  return new Elysia({ name: "credit-batches", prefix: "/v1/credit-batches" })
    .use(authPlugin(verifyToken))
    .post("", async ({ body }) => ({ items: await applyCredits(writer, metrics, toCommands(body.items)) }), {
      auth: ["admin", "service"],
      parse: "json",
      body: CreditBatchRequest,
      response: { 200: CreditBatchResponse },
      detail: {
        summary: "Credit many wallets in one request",
        description:
          `1-${MAX_BATCH_ITEMS} credits, each validated like a single credit (its Idempotency-Key in the item); ` +
          "any invalid item refuses the whole request and changes nothing. Otherwise each item gets its own " +
          "result, in order: 201 with the entry (`replayed: true` when its key was already used for the same " +
          "credit, singly or in a batch, or earlier in this one) or 409 with the code a single credit would get.",
        tags: ["wallets"],
      },
    });
}
