import { inArray } from "drizzle-orm";
import { type CampaignRow, campaigns } from "../../db/schema";
import { every } from "../../periodic";
import { type ReversalDeps, send, settle } from "./service";

export interface ReversalRelayOptions {
  intervalMs: number;
  /** Identifies this instance's leases. */
  owner?: string;
}

const BATCH = 20;

/**
 * Finishes reversals whose request path got no answer from the wallet (or died before
 * recording one): leased like the outbox's credits, re-sent with the same debit key until
 * the wallet answers, then settled exactly as the request path would have. A debit the
 * wallet already made is replayed by it, so however many sends, one debit.
 */
export function startReversalRelay(deps: ReversalDeps, options: ReversalRelayOptions) {
  const owner = options.owner ?? crypto.randomUUID();
  const leaseMs = deps.walletTimeoutMs * 4 + 5_000;
  let stopped = false;

  async function pass(): Promise<void> {
    try {
      const due = await deps.reversals.lease({ owner, limit: BATCH, leaseMs });
      if (due.length === 0 || stopped) return;
      const ids = [...new Set(due.map((r) => r.campaignId))];
      const byId = new Map(
        (await deps.store.db.select().from(campaigns).where(inArray(campaigns.id, ids))).map((c) => [c.id, c]),
      );
      for (const row of due) {
        const campaign = byId.get(row.campaignId) as CampaignRow; // a reversal's campaign is never deleted
        const outcome = await settle(deps, campaign, row, await send(deps, row));
        if (outcome.kind === "refused") deps.logger.warn({ reversal: row.id, code: outcome.code }, "reversal refused");
      }
    } catch (error) {
      deps.logger.warn({ err: error }, "reversal relay pass failed; will retry");
    }
  }

  const passes = every(options.intervalMs, pass);

  return {
    /** Runs one pass now (tests use it). */
    runOnce: () => pass(),
    async stop() {
      stopped = true;
      await passes.stop();
    },
  };
}
