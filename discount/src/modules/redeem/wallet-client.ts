import { mintToken } from "@matchday/shared";
import type { Delivery } from "./records";

export type CreditResult =
  /** `replayed`: the wallet already held this key and answered with the stored entry (reconcile needs it). */
  | { outcome: "credited"; replayed: boolean }
  | { outcome: "retry"; error: string }
  | { outcome: "refused"; error: string };

export interface WalletClient {
  credit(
    delivery: Pick<Delivery, "phone" | "amount" | "idempotencyKey" | "reference">,
    timeoutMs: number,
  ): Promise<CreditResult>;
}

const TOKEN_TTL_SECONDS = 3600;
/**
 * 4xx answers that say nothing against this credit: timeouts, rate limits, and our own
 * credentials being refused (a JWT secret that differs or was rotated). Recording those
 * as a failed credit would drop every winner's money over a configuration mistake.
 */
const RETRYABLE_4XX = new Set([401, 403, 408, 429]);
const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

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
 * Discount's client for the wallet: a service token it signs itself (re-minted
 * before it expires), the deterministic Idempotency-Key, and a short timeout. It
 * classifies the answer: 2xx credited; a 4xx about the credit itself is a definitive
 * refusal; anything else (timeout, network, 5xx) is worth retrying.
 */
export function createWalletClient(options: {
  baseUrl: string;
  jwtSecret: string;
  /** PEM CA certificates to trust for an HTTPS wallet instead of the public roots. */
  ca?: string;
  now?: () => number;
}): WalletClient {
  const now = options.now ?? Date.now;
  // Verification pinned on: NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment must not turn it off.
  const tls = { ca: options.ca, rejectUnauthorized: true };
  // Under Deno, fetch ignores `tls`: a private CA is trusted through an HTTP client of its own.
  const denoClient = options.ca
    ? (globalThis as DenoGlobal).Deno?.createHttpClient({ caCerts: [options.ca] })
    : undefined;
  let token: { value: string; expiresAtMs: number } | undefined;

  async function bearer(): Promise<string> {
    if (!token || token.expiresAtMs - now() < TOKEN_REFRESH_MARGIN_MS) {
      const value = await mintToken(
        options.jwtSecret,
        { role: "service", subject: "discount", ttlSeconds: TOKEN_TTL_SECONDS },
        now(),
      );
      token = { value, expiresAtMs: now() + TOKEN_TTL_SECONDS * 1000 };
    }
    return `Bearer ${token.value}`;
  }

  return {
    async credit(delivery, timeoutMs) {
      let res: Response;
      try {
        res = await fetch(`${options.baseUrl}/v1/wallets/${encodeURIComponent(delivery.phone)}/credits`, {
          method: "POST",
          headers: {
            authorization: await bearer(),
            "content-type": "application/json",
            "idempotency-key": delivery.idempotencyKey,
          },
          body: JSON.stringify({ amount: delivery.amount, reference: delivery.reference }),
          signal: AbortSignal.timeout(timeoutMs),
          tls,
          ...(denoClient ? { client: denoClient } : {}),
        } as RequestInit);
      } catch (error) {
        return { outcome: "retry", error: unreachable(error, timeoutMs) };
      }
      if (res.ok) {
        await res.body?.cancel();
        return { outcome: "credited", replayed: res.headers.get("idempotent-replayed") === "true" };
      }
      const problem = (await res.json().catch(() => ({}))) as { code?: string };
      const error = `wallet answered ${res.status}${problem.code ? ` ${problem.code}` : ""}`;
      const definitive = res.status >= 400 && res.status < 500 && !RETRYABLE_4XX.has(res.status);
      return definitive ? { outcome: "refused", error } : { outcome: "retry", error };
    },
  };
}
