import { createHash } from "node:crypto";
import type { LedgerRow } from "../../db/schema";
import type { LedgerEntry } from "./model";

/**
 * A ledger entry as a command, an outcome and a row. Its own module so the ledger writer
 * and the service, which hands commands to the writer, both import it one way.
 */
export type EntryKind = "credit" | "debit";

export interface EntryCommand {
  phone: string;
  kind: EntryKind;
  amount: number;
  reference?: string;
  description?: string;
  idempotencyKey: string;
}

/** Expected outcomes are values: the caller decides how to present them. */
export type EntryOutcome =
  | { ok: true; entry: LedgerEntry; replayed: boolean }
  | { ok: false; error: "INSUFFICIENT_FUNDS" | "IDEMPOTENCY_KEY_REUSED" | "BALANCE_LIMIT_EXCEEDED" };

export const iso = (ms: number) => new Date(ms).toISOString();

export function toEntry(row: LedgerRow): LedgerEntry {
  return {
    id: row.id,
    phone: row.phone,
    kind: row.kind,
    amount: row.amount,
    balanceAfter: row.balanceAfter,
    reference: row.reference,
    description: row.description,
    createdAt: iso(row.createdAt),
  };
}

/** What makes two requests under one Idempotency-Key "the same request". */
export function requestHash(command: EntryCommand): string {
  const canonical = [
    command.phone,
    command.kind,
    command.amount,
    command.reference ?? null,
    command.description ?? null,
  ];
  return createHash("sha256").update(JSON.stringify(canonical)).digest("hex");
}
