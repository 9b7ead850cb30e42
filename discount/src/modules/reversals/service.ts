import { createHash } from "node:crypto";
import type { Clock } from "@matchday/shared/clock";
import type { Logger } from "@matchday/shared/logger";
import { and, eq } from "drizzle-orm";
import { type CampaignRow, outbox, type RedemptionRow, type ReversalRow, redemptions } from "../../db/schema";
import type { DiscountStore } from "../../db/store";
import type { ErrorCode } from "../../errors";
import type { Gate } from "../../redis/gate";
import { generationOf } from "../claims/gate";
import type { ClaimMemory } from "../claims/memory";
import { findRedemption } from "../claims/winners";
import type { CreditSender, DebitResult } from "../outbox/credit-sender";
import { type Credit, creditOf } from "../outbox/owed";
import { retryDelayMs } from "../outbox/relay";
import { debitKeyOf } from "./keys";
import type { ReversalLanes } from "./lanes";
import type { ReversalView } from "./model";

export interface ReversalDeps {
  store: DiscountStore;
  gate: Gate;
  memory: ClaimMemory;
  sender: CreditSender;
  reversals: ReversalLanes;
  clock: Clock;
  logger: Logger;
  walletTimeoutMs: number;
}

/** What an admin (or a service) asked: roll a coupon back, or void a gift winner. */
export interface ReversalAsk {
  kind: "rollback" | "void";
  campaign: CampaignRow;
  /** The winner voided; a coupon's one winner is found by its rank. */
  phone?: string;
  /** The caller's Idempotency-Key; a void without one gets one derived from its winner. */
  requestKey?: string;
  reason: string;
  actor: string;
}

export type ReversalOutcome =
  | { kind: "done" | "pending"; reversal: ReversalView; replayed: boolean }
  | { kind: "refused"; code: ErrorCode };

/** How long the request path holds a fresh intent before a relay may send it too. */
const leaseMsOf = (walletTimeoutMs: number) => walletTimeoutMs * 4 + 5_000;

/**
 * A coupon's gate is released once more this long after a rollback: where its state had expired,
 * a claim that read the DB's winners just before the rollback committed may have seeded the old
 * winner back.
 */
const RELEASE_AGAIN_MS = 1_000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function viewOf(code: string, row: ReversalRow): ReversalView {
  return {
    kind: row.kind,
    code,
    phone: row.phone,
    rank: row.rank,
    amount: row.amount,
    status: row.status,
    reason: row.reason,
    actor: row.actor,
    requestedAt: new Date(row.requestedAt).toISOString(),
    completedAt: iso(row.completedAt),
  };
}

const hashOf = (ask: ReversalAsk) =>
  createHash("sha256")
    .update(JSON.stringify([ask.kind, ask.campaign.code, ask.phone ?? null, ask.reason]))
    .digest("hex");

/**
 * Reverses a winner's credit, debit first. Why this order (docs/RELIABILITY.md, "Reversals"):
 * a refusal must change nothing, and only the wallet knows whether the money is still there.
 * So the intent is written first (the debit's outbox row, with its deterministic key), then the
 * wallet is asked; the redemption changes only once the wallet confirmed, in the transaction that
 * marks the reversal done. A refusal withdraws the intent; no answer leaves it to the relay, which
 * re-sends the same key until the wallet answers (a debit it already made is replayed, not
 * repeated), so a crash between the wallet's commit and ours is completed exactly once.
 */
export async function reverse(deps: ReversalDeps, ask: ReversalAsk): Promise<ReversalOutcome> {
  if (ask.requestKey !== undefined) return reverseOnce(deps, { ...ask, requestKey: ask.requestKey });
  // A redemption is voided once at most: without a key of the caller's, a second void with
  // another reason is simply a second void.
  const derived = { ...ask, requestKey: `void:${ask.campaign.id}:${ask.phone}` };
  const outcome = await reverseOnce(deps, derived);
  return outcome.kind === "refused" && outcome.code === "IDEMPOTENCY_KEY_REUSED"
    ? { kind: "refused", code: "ALREADY_REVERSED" }
    : outcome;
}

async function reverseOnce(deps: ReversalDeps, ask: ReversalAsk & { requestKey: string }): Promise<ReversalOutcome> {
  const requestHash = hashOf(ask);
  const earlier = await deps.store.db.query.reversals.findFirst({
    where: (r, { eq }) => eq(r.requestKey, ask.requestKey),
  });
  if (earlier) return replay(ask, earlier, requestHash);

  let target = await targetOf(deps.store, ask);
  if (target?.status === "pending") {
    // The wallet's answer to the credit may be a note still queued here (deliverNow does not wait for it).
    await deps.store.writes.drain();
    target = await targetOf(deps.store, ask);
  }
  if (!target) return { kind: "refused", code: ask.kind === "rollback" ? "COUPON_NOT_USED" : "REDEMPTION_NOT_FOUND" };
  if (target.status === "pending") return { kind: "refused", code: "CREDIT_NOT_SETTLED" };

  const creditKey = await creditKeyOf(deps.store, ask.campaign, target);
  const at = deps.clock();
  const opened = await deps.reversals.open({
    redemptionId: target.id,
    campaignId: ask.campaign.id,
    kind: ask.kind,
    phone: target.phone,
    rank: target.rank,
    // A credit the wallet refused for good never reached it: nothing to debit.
    amount: target.status === "credited" ? ask.campaign.amount : 0,
    redeemedAt: target.redeemedAt,
    creditKey,
    debitKey: debitKeyOf(creditKey),
    requestKey: ask.requestKey,
    requestHash,
    actor: ask.actor,
    reason: ask.reason,
    nextAttemptAt: at + leaseMsOf(deps.walletTimeoutMs),
    leaseOwner: "request",
    leaseUntil: at + leaseMsOf(deps.walletTimeoutMs),
    requestedAt: at,
  });
  if (opened.kind === "exists") {
    if (opened.row.requestKey === ask.requestKey) return replay(ask, opened.row, requestHash);
    return { kind: "refused", code: "ALREADY_REVERSED" };
  }
  const answer = await send(deps, opened.row);
  return settle(deps, ask.campaign, opened.row, answer);
}

function replay(ask: ReversalAsk, row: ReversalRow, requestHash: string): ReversalOutcome {
  if (row.requestHash !== requestHash) return { kind: "refused", code: "IDEMPOTENCY_KEY_REUSED" };
  return { kind: row.status, reversal: viewOf(ask.campaign.code, row), replayed: true };
}

/** The redemption a reversal is about: a coupon's one winner, or the gift winner named. */
async function targetOf(store: DiscountStore, ask: ReversalAsk): Promise<RedemptionRow | undefined> {
  if (ask.phone !== undefined) return findRedemption(store, ask.campaign.id, ask.phone);
  return store.db.query.redemptions.findFirst({
    where: and(eq(redemptions.campaignId, ask.campaign.id), eq(redemptions.rank, 1)),
  });
}

/** The key the credit went to the wallet with: its outbox row's (a re-issued coupon credit has its own). */
async function creditKeyOf(store: DiscountStore, campaign: CampaignRow, target: RedemptionRow): Promise<string> {
  const [row] = await store.db
    .select({ key: outbox.idempotencyKey })
    .from(outbox)
    .where(eq(outbox.redemptionId, target.id));
  return row?.key ?? creditOf(campaign.code, target.phone, campaign.amount).idempotencyKey;
}

/** The debit of a reversal; one with nothing to debit is confirmed without asking the wallet. */
export function send(deps: ReversalDeps, row: ReversalRow): Promise<DebitResult> {
  if (row.amount === 0) return Promise.resolve({ outcome: "debited", entryId: 0, replayed: false });
  const debit: Credit = {
    phone: row.phone,
    amount: row.amount,
    idempotencyKey: row.debitKey,
    reference: row.creditKey,
  };
  return deps.sender.debit(debit, deps.walletTimeoutMs);
}

/** Records what the wallet said about a reversal's debit, and answers the caller with it. */
export async function settle(
  deps: ReversalDeps,
  campaign: CampaignRow,
  row: ReversalRow,
  answer: DebitResult,
): Promise<ReversalOutcome> {
  const { code } = campaign;
  switch (answer.outcome) {
    case "debited": {
      const done = await deps.reversals.complete({ id: row.id, walletEntryId: answer.entryId || null });
      if (done) afterReversal(deps, campaign, done);
      // Not completed by this call: the relay (or a concurrent request) did, an instant before.
      const view = done ?? (await deps.store.db.query.reversals.findFirst({ where: (r, { eq }) => eq(r.id, row.id) }));
      return { kind: "done", reversal: viewOf(code, view ?? row), replayed: false };
    }
    case "insufficient-funds":
    case "refused":
      await deps.reversals.withdraw(row.id);
      if (answer.outcome === "refused")
        deps.logger.error({ reversal: row.id, error: answer.error }, "wallet refused a reversal");
      return {
        kind: "refused",
        code: answer.outcome === "refused" ? "REVERSAL_REFUSED" : "REVERSAL_INSUFFICIENT_FUNDS",
      };
    case "retry": {
      const retryAt = deps.clock() + retryDelayMs(row.attempts + 1);
      await deps.reversals.retry({ id: row.id, error: answer.error, retryAt });
      return { kind: "pending", reversal: viewOf(code, row), replayed: false };
    }
  }
}

/**
 * What this instance remembers of the campaign goes at once (other instances age theirs out,
 * MEMORY_MAX_AGE_MS). A rolled-back coupon's winner leaves the gate and its rank is freed, the
 * state staying ready so that no claim seeds it from a DB read older than the rollback; a voided
 * gift winner keeps its slot, and the gate with it.
 */
function afterReversal(deps: ReversalDeps, campaign: CampaignRow, row: ReversalRow): void {
  deps.memory.forget(campaign.code, row.phone);
  if (row.kind !== "rollback") return;
  const release = () =>
    deps.gate.release(campaign.code, row.phone, row.rank, generationOf(campaign)).catch((err) => {
      // The state expires on its own (coupons' gate TTL); until then the coupon may look used.
      deps.logger.warn({ err, campaignId: row.campaignId }, "could not release a rolled-back coupon's gate slot");
    });
  void release();
  setTimeout(release, RELEASE_AGAIN_MS).unref?.();
}
