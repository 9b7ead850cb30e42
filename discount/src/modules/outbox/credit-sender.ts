import { createWalletClient as walletApi } from "@matchday/client/wallet";
import { serviceTokenSource } from "@matchday/shared/auth";
import type { Credit } from "./owed";

export type CreditResult =
  /** `replayed`: the wallet already held this key and answered with the stored entry (reconcile needs it). */
  | { outcome: "credited"; replayed: boolean }
  | { outcome: "retry"; error: string }
  | { outcome: "refused"; error: string };

/**
 * A reversal's debit: `debited` with the wallet's entry (replayed or not); `insufficient-funds` when the
 * money was already spent (the wallet changed nothing); otherwise as for a credit.
 */
export type DebitResult =
  | { outcome: "debited"; entryId: number; replayed: boolean }
  | { outcome: "insufficient-funds" }
  | { outcome: "retry"; error: string }
  | { outcome: "refused"; error: string };

/** Sends credits (and reversals' debits) to the wallet and classifies its answers (named apart from the client package's WalletClient). */
export interface CreditSender {
  credit(credit: Credit, timeoutMs: number): Promise<CreditResult>;
  /** One debit, keyed like a credit: any number of sends debit once. */
  debit(debit: Credit, timeoutMs: number): Promise<DebitResult>;
  /** One result per credit, in order, from as few wallet requests as the batch limits allow. */
  creditMany(credits: Credit[], timeoutMs: number): Promise<CreditResult[]>;
}

/** The wallet's item limit for one batch. */
const MAX_BATCH_ITEMS = 500;
/**
 * Room for a batch's JSON under the wallet's default 16 KiB body limit (~140 gift credits). A
 * wallet with a lower limit answers 413, and its credits then go one request each.
 */
const MAX_BATCH_BYTES = 15 * 1024;

/** Consecutive runs of credits within the wallet's item and byte limits for one batch. */
export function batchesOf(credits: Credit[]): Credit[][] {
  const batches: Credit[][] = [];
  let batch: Credit[] = [];
  let bytes = 0;
  for (const credit of credits) {
    const size = Buffer.byteLength(JSON.stringify(credit)) + 1;
    if (batch.length > 0 && (batch.length === MAX_BATCH_ITEMS || bytes + size > MAX_BATCH_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(credit);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/**
 * 4xx answers that say nothing against this credit: timeouts, rate limits, and our own
 * credentials being refused (a JWT secret that differs or was rotated). Recording those
 * as a failed credit would drop every winner's money over a configuration mistake.
 */
const RETRYABLE_4XX = new Set([401, 403, 408, 429]);

/** Why no answer came, in words an operator can act on; a certificate we do not trust is a setup mistake. */
function unreachable(error: unknown, timeoutMs: number): string {
  const { name, code } = error as { name?: string; code?: string };
  if (name === "TimeoutError") return `wallet did not answer in ${timeoutMs} ms`;
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
    return `wallet's TLS certificate not trusted (${code}; is TLS_CA its CA?)`;
  }
  return "wallet unreachable";
}

/** The one Deno API this client needs, typed here so the Bun build needs no Deno types. */
type DenoGlobal = { Deno?: { createHttpClient(options: { caCerts: string[] }): unknown } };

/**
 * Discount's client for the wallet, on the typed wallet client (so the compiler checks this call
 * against the wallet's own schemas): a service token it signs itself (re-minted before it
 * expires), the deterministic Idempotency-Key, and a short timeout. It classifies the answer:
 * 2xx credited; a 4xx about the credit itself is a definitive refusal; anything else
 * (timeout, network, 5xx) is worth retrying.
 */
export function createCreditSender(options: {
  baseUrl: string;
  jwtSecret: string;
  /** PEM CA certificates to trust for an HTTPS wallet instead of the public roots. */
  ca?: string;
  now?: () => number;
}): CreditSender {
  const now = options.now ?? Date.now;
  // Verification pinned on: NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment must not turn it off.
  const tls = { ca: options.ca, rejectUnauthorized: true };
  // Under Deno, fetch ignores `tls`: a private CA is trusted through an HTTP client of its own.
  const denoClient = options.ca
    ? (globalThis as DenoGlobal).Deno?.createHttpClient({ caCerts: [options.ca] })
    : undefined;
  const wallet = walletApi({
    baseUrl: options.baseUrl,
    token: serviceTokenSource(options.jwtSecret, "discount", now),
    fetch: { tls, ...(denoClient ? { client: denoClient } : {}) },
  });

  async function credit({ phone, amount, reference, idempotencyKey }: Credit, timeoutMs: number) {
    const result = await wallet.credit(phone, { amount, reference }, idempotencyKey, { timeoutMs });
    if (result.ok)
      return { outcome: "credited", replayed: result.headers.get("idempotent-replayed") === "true" } as const;
    return classify(result.error, timeoutMs);
  }

  async function creditBatch(credits: Credit[], timeoutMs: number): Promise<CreditResult[]> {
    const result = await wallet.creditMany(credits, { timeoutMs });
    if (result.ok) {
      return result.data.items.map((item): CreditResult => {
        if (item.status === 201) return { outcome: "credited", replayed: item.replayed };
        return { outcome: "refused", error: `wallet answered ${item.status} ${item.code}` };
      });
    }
    const answer = classify(result.error, timeoutMs);
    // The wallet refused the batch itself (an item it would not take, a body over its limit, no such
    // route on an older wallet): asked one by one, each credit gets its own answer.
    if (answer.outcome === "refused") return Promise.all(credits.map((c) => credit(c, timeoutMs)));
    return credits.map(() => answer);
  }

  async function debit({ phone, amount, reference, idempotencyKey }: Credit, timeoutMs: number): Promise<DebitResult> {
    const result = await wallet.debit(phone, { amount, reference }, idempotencyKey, { timeoutMs });
    if (result.ok) {
      const replayed = result.headers.get("idempotent-replayed") === "true";
      return { outcome: "debited", entryId: result.data.id, replayed };
    }
    if (result.error.code === "INSUFFICIENT_FUNDS") return { outcome: "insufficient-funds" };
    return classify(result.error, timeoutMs);
  }

  return {
    credit,
    debit,
    async creditMany(credits, timeoutMs) {
      // Only the credit's own fields: callers may pass richer rows (the relay's outbox rows), and the
      // wallet refuses unknown fields; the byte limit is counted on what is sent.
      const sent = credits.map(({ phone, amount, reference, idempotencyKey }) => ({
        phone,
        amount,
        reference,
        idempotencyKey,
      }));
      return (await Promise.all(batchesOf(sent).map((batch) => creditBatch(batch, timeoutMs)))).flat();
    },
  };
}

/** A wallet answer other than success: a definitive 4xx is a refusal, anything else worth retrying. */
function classify(
  { status, code, cause }: { status: number; code: string; cause?: unknown },
  timeoutMs: number,
): Extract<CreditResult, { outcome: "retry" | "refused" }> {
  if (status === 0) return { outcome: "retry", error: unreachable(cause, timeoutMs) };
  const error = `wallet answered ${status}${code === "BAD_RESPONSE" ? "" : ` ${code}`}`;
  const definitive = status >= 400 && status < 500 && !RETRYABLE_4XX.has(status);
  return definitive ? { outcome: "refused", error } : { outcome: "retry", error };
}
