import { Registry } from "@matchday/shared/metrics";

/** The wallet's business counters, on the same registry as the HTTP metrics. */
export function createWalletMetrics(registry = new Registry()) {
  const entries = registry.counter("wallet_entries_total", "Ledger entries written, by kind");
  const tomans = registry.counter("wallet_entry_tomans_total", "Tomans moved by new ledger entries, by kind");
  return {
    registry,
    recordEntry(kind: "credit" | "debit", amount: number) {
      entries.inc({ kind });
      tomans.inc({ kind }, amount);
    },
  };
}

export type WalletMetrics = ReturnType<typeof createWalletMetrics>;
