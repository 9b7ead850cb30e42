import { createClient } from "@libsql/client";
import { createCampaign, phoneOf, seeded, waitForOutboxDrained } from "../burst";
import { bearer } from "../http/tokens";
import { waitFor } from "../processes/ports";
import { injectionPoint, startStage, type Teardown } from "./chaos";
import { type Fault, inject } from "./faults";

/**
 * Reversals under the chaos harness's faults (issue 19): a gift campaign's winners are all
 * voided, each void asked on both discount processes at once with the same Idempotency-Key
 * (as a retrying admin client would), and one fault strikes at a seeded moment. Afterwards
 * every winner must have been debited back exactly once, by its deterministic key, and no
 * wallet may hold a balance other than its ledger sum or below zero.
 */

/** The faults that act on the wallet or a discount process: what reversals go through. */
export const REVERSAL_FAULTS = ["kill-wallet", "kill-discount", "wallet-unreachable", "slow-wallet"] as const;
export type ReversalFault = (typeof REVERSAL_FAULTS)[number] & Fault;

export interface ReversalChaosOptions {
  seed: number;
  fault: ReversalFault;
  /** Winners recorded, then voided. */
  winners?: number;
  log?: (line: string) => void;
}

export interface ReversalChaosResult {
  seed: number;
  fault: ReversalFault;
  injected: string;
  /** Final answers of the void requests, by HTTP status. */
  statuses: Record<string, number>;
  violations: string[];
}

const AMOUNT = 10_000;
/** Void answers a caller may end with: done, still pending, or "try again" after every retry. */
const ALLOWED = new Set([200, 202, 503]);
/** Time for the reversal relay to finish what the fault left pending (its backoff after a 10 s outage). */
const SETTLE_TIMEOUT_MS = 90_000;

export async function runReversalChaos(options: ReversalChaosOptions): Promise<ReversalChaosResult> {
  const { seed, fault, winners = 100 } = options;
  const log = options.log ?? console.log;
  const random = seeded(seed ^ 0x7e5e);
  const injectedAt = injectionPoint(winners, random);
  log(`reversal chaos seed=${seed} fault=${fault} at=${injectedAt}/${winners}`);
  const teardown: Teardown = [];
  try {
    const processes = await startStage(fault, "single", teardown);
    const urls = processes.discounts.map((d) => d.url);
    const code = await createCampaign(urls[0] as string, {
      name: `reversals ${seed}`,
      amount: AMOUNT,
      maxRedemptions: winners,
    });
    const phones = Array.from({ length: winners }, (_, i) => phoneOf(i));
    const service = await bearer("service");
    for (const phone of phones) await call(`${urls[0]}/v1/redeem`, service, { code, phone });
    await waitForOutboxDrained(processes.discountDbUrl);

    const admin = await bearer("admin");
    const stage = { ...processes, code };
    let injection: Promise<{ detail: string } | { error: unknown }> | undefined;
    let done = 0;
    const statuses: Record<string, number> = {};
    const voidOne = async (phone: string, i: number) => {
      const headers = { ...admin, "idempotency-key": `chaos-void-${seed}-${i}` };
      const path = `/v1/campaigns/${code}/redemptions/${encodeURIComponent(phone)}/void`;
      // The same void on both processes at once: one reversal, one debit, both answers alike.
      const answers = await Promise.all(urls.map((url) => call(`${url}${path}`, headers, { reason: "chaos" })));
      for (const status of answers) statuses[status] = (statuses[status] ?? 0) + 1;
      if (++done !== injectedAt) return;
      // Settled into a value: a failing fault is reported after the voids, not as an unhandled rejection.
      injection = inject(fault, stage, random).then(
        (detail) => ({ detail }),
        (error: unknown) => ({ error }),
      );
    };
    for (let i = 0; i < phones.length; i += 8) {
      await Promise.all(phones.slice(i, i + 8).map((phone, k) => voidOne(phone, i + k)));
    }
    const outcome = await injection;
    if (!outcome) throw new Error(`the voids ended before ${injectedAt} answers`);
    if ("error" in outcome) throw outcome.error;

    const facts = await settledFacts(processes.discountDbUrl, processes.walletDbUrl, code);
    return { seed, fault, injected: outcome.detail, statuses, violations: reversalViolations(facts, phones, statuses) };
  } finally {
    for (const step of teardown.reverse()) {
      await Promise.resolve()
        .then(step)
        .catch((error: unknown) => log(`reversal chaos teardown: ${String(error)}`));
    }
  }
}

/** A POST that retries a 503 or no answer (a process down) as a real caller would; returns the final status. */
async function call(url: string, headers: Record<string, string>, body: object): Promise<number> {
  let status = 0;
  for (let attempt = 0; attempt < 40; attempt++) {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      status = res.status;
      await res.body?.cancel();
      if (status !== 503) return status;
    } catch {
      status = 0;
    }
    await Bun.sleep(250);
  }
  return status;
}

interface ReversalFacts {
  pending: number;
  done: number;
  /** Per phone: the reversal debits in the ledger, the balance, and the ledger sum. */
  wallets: Map<string, { debits: number; balance: number; ledgerSum: number }>;
}

/** Waits for the reversal relay to finish, then reads what both databases say. */
async function settledFacts(discountDbUrl: string, walletDbUrl: string, code: string): Promise<ReversalFacts> {
  const discount = createClient({ url: discountDbUrl });
  const wallet = createClient({ url: walletDbUrl });
  try {
    const count = async (status: string) =>
      Number(
        (await discount.execute({ sql: "SELECT COUNT(*) AS n FROM reversals WHERE status = ?", args: [status] }))
          .rows[0]?.n,
      );
    await waitFor("the reversal relay to finish", async () => (await count("pending")) === 0, SETTLE_TIMEOUT_MS).catch(
      () => undefined, // reported as a violation below
    );
    const rows = await wallet.execute({
      sql: `SELECT w.phone, w.balance,
              (SELECT COALESCE(SUM(l.amount), 0) FROM ledger l WHERE l.phone = w.phone) AS total,
              (SELECT COUNT(*) FROM ledger l WHERE l.phone = w.phone AND l.idempotency_key LIKE ?) AS debits
            FROM wallets w`,
      args: [`reverse:gift:${code}:%`],
    });
    const wallets = new Map(
      rows.rows.map((r) => [
        String(r.phone),
        { debits: Number(r.debits), balance: Number(r.balance), ledgerSum: Number(r.total) },
      ]),
    );
    return { pending: await count("pending"), done: await count("done"), wallets };
  } finally {
    discount.close();
    wallet.close();
  }
}

export function reversalViolations(facts: ReversalFacts, phones: string[], statuses: Record<string, number>): string[] {
  const found: string[] = [];
  if (facts.pending > 0) found.push(`${facts.pending} reversals still pending`);
  if (facts.done !== phones.length) found.push(`${facts.done} reversals done, not ${phones.length}`);
  for (const phone of phones) {
    const wallet = facts.wallets.get(phone);
    if (wallet?.debits !== 1) found.push(`${phone}: ${wallet?.debits ?? 0} reversal debits, not 1`);
    if (wallet && wallet.balance !== 0) found.push(`${phone}: balance ${wallet.balance} after its void, not 0`);
  }
  for (const [phone, w] of facts.wallets) {
    if (w.balance !== w.ledgerSum) found.push(`${phone}: balance ${w.balance} ≠ ledger sum ${w.ledgerSum}`);
    if (w.balance < 0) found.push(`${phone}: negative balance ${w.balance}`);
  }
  for (const status of Object.keys(statuses)) {
    if (!ALLOWED.has(Number(status))) found.push(`${statuses[status]} void answers were ${status}`);
  }
  return found;
}
