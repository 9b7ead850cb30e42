import { requirePhone } from "@matchday/shared/phone";
import { AppError } from "../../errors";
import type { WalletMetrics } from "../../metrics";
import type { EntryCommand } from "../wallets/entry";
import type { LedgerWriter } from "../wallets/ledger-batch";
import type { BatchItem, BatchResult } from "./model";

/**
 * Every item as the single credit's command, or the first bad phone refused by its place in
 * the batch: all are checked before any is applied, so a bad item changes nothing.
 */
export function toCommands(items: BatchItem[]): EntryCommand[] {
  return items.map(({ phone, ...item }, i) => ({
    ...item,
    phone: requirePhone(phone, `body.items.${i}.phone`),
    kind: "credit",
  }));
}

/**
 * Applies each credit through the same ledger writer as a single credit, all handed to it in
 * one turn so they share its group commit: the same rows, keys and replays as one request
 * each. A domain refusal is that item's result; a failed transaction fails the request (the
 * caller re-sends and the items it did commit replay).
 */
export async function applyCredits(
  writer: LedgerWriter,
  metrics: WalletMetrics,
  commands: EntryCommand[],
): Promise<BatchResult[]> {
  const outcomes = await Promise.all(commands.map((command) => writer.apply(command)));
  return outcomes.map((outcome, i): BatchResult => {
    if (!outcome.ok) {
      // The single credit's code and title for the same refusal (its status is 409 for each).
      return { status: 409, code: outcome.error, detail: new AppError(outcome.error).title };
    }
    if (!outcome.replayed) metrics.recordEntry("credit", (commands[i] as EntryCommand).amount);
    return { status: 201, replayed: outcome.replayed, entry: outcome.entry };
  });
}
