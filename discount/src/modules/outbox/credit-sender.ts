import { createWalletClient as walletApi } from "@matchday/client/wallet";
import { serviceTokenSource } from "@matchday/shared/auth";
import type { Credit } from "./owed";

export type CreditResult =
  /** `replayed`: the wallet already held this key and answered with the stored entry (reconcile needs it). */
  | { outcome: "credited"; replayed: boolean }
  | { outcome: "retry"; error: string }
  | { outcome: "refused"; error: string };

/** Sends one credit to the wallet and classifies its answer (named apart from the client package's WalletClient). */
export interface CreditSender {
  credit(credit: Credit, timeoutMs: number): Promise<CreditResult>;
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

  return {
    async credit(credit, timeoutMs) {
      const { phone, amount, reference, idempotencyKey } = credit;
      const result = await wallet.credit(phone, { amount, reference }, idempotencyKey, { timeoutMs });
      if (result.ok) return { outcome: "credited", replayed: result.headers.get("idempotent-replayed") === "true" };
      const { status, code, cause } = result.error;
      if (status === 0) return { outcome: "retry", error: unreachable(cause, timeoutMs) };
      const error = `wallet answered ${status}${code === "BAD_RESPONSE" ? "" : ` ${code}`}`;
      const definitive = status >= 400 && status < 500 && !RETRYABLE_4XX.has(status);
      return definitive ? { outcome: "refused", error } : { outcome: "retry", error };
    },
  };
}
