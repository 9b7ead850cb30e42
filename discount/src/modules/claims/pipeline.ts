import { setTimeout as sleep } from "node:timers/promises";
import { type Logger, maskPhone } from "@matchday/shared";
import type { CampaignRow, RedemptionRow } from "../../db/schema";
import type { DiscountStore } from "../../db/store";
import { campaignLabel, type DiscountMetrics } from "../../metrics";
import type { Gate } from "../../redis/gate";
import type { RateLimitDecision, RateLimiter } from "../../redis/rate-limit";
import type { RedeemResult } from "./model";
import {
  type Clock,
  campaignWinners,
  conflictOf,
  findRedemption,
  idempotencyKeyOf,
  type Records,
  rankHolder,
} from "./records";
import type { SettledAnswers } from "./settled-answers";
import type { SoldOutBook } from "./sold-out";
import type { WalletClient } from "./wallet-client";

export interface RedeemDeps {
  store: DiscountStore;
  gate: Gate;
  records: Records;
  wallet: WalletClient;
  soldOut: SoldOutBook;
  answers: SettledAnswers;
  limits: { perPhone: RateLimiter; perIp: RateLimiter };
  walletTimeoutMs: number;
  clock: Clock;
  logger: Logger;
  metrics: DiscountMetrics;
}

/** Every answer the redeem path can give, as a value; the controller maps it to HTTP. */
export type RedeemOutcome =
  | { kind: "won"; result: RedeemResult }
  | { kind: "repeat"; result: RedeemResult }
  | { kind: "sold-out" }
  | { kind: "not-started" }
  | { kind: "ended" }
  | { kind: "rate-limited"; decision: RateLimitDecision }
  | { kind: "unavailable"; retryAfterSeconds: number };

const UNAVAILABLE = { kind: "unavailable", retryAfterSeconds: 1 } as const;
const REBUILD_LOCK_MS = 5_000;
const REBUILD_WAIT_MS = 1_000;
/** Claims per request when the DB refuses the gate's rank; each refusal repairs the gate first. */
const MAX_CLAIM_ATTEMPTS = 3;
/** record()'s answer when the DB already holds the rank the gate gave: claim again. */
const RANK_TAKEN = Symbol("rank taken");

function resultOf(campaign: CampaignRow, row: RedemptionRow, status = row.status): RedeemResult {
  return {
    status,
    code: campaign.code,
    phone: row.phone,
    rank: row.rank,
    amount: campaign.amount,
    redeemedAt: new Date(row.redeemedAt).toISOString(),
  };
}

/**
 * Decides one redemption, in the order of DESIGN §4: window → local sold-out flag
 * (no I/O) → rate limits → settled winners' answers (no I/O) → the Redis gate → the
 * durable record → the wallet. Every winner's answer that can no longer change is
 * remembered.
 */
export async function redeem(
  deps: RedeemDeps,
  campaign: CampaignRow,
  phone: string,
  clientIp: string,
): Promise<RedeemOutcome> {
  const outcome = await decide(deps, campaign, phone, clientIp);
  if (outcome.kind === "won" || outcome.kind === "repeat") deps.answers.remember(outcome.result);
  return outcome;
}

async function decide(
  deps: RedeemDeps,
  campaign: CampaignRow,
  phone: string,
  clientIp: string,
): Promise<RedeemOutcome> {
  const now = deps.clock();
  if (campaign.startsAt !== null && now < campaign.startsAt) return { kind: "not-started" };
  if (campaign.endsAt !== null && now >= campaign.endsAt) {
    const row = await findRedemption(deps.store, campaign.id, phone);
    return row ? { kind: "repeat", result: resultOf(campaign, row) } : { kind: "ended" };
  }

  const verdict = deps.soldOut.verdict(campaign.code, phone);
  if (verdict === "loser") return { kind: "sold-out" };
  if (verdict === "winner") {
    const known = deps.answers.get(campaign.code, phone);
    if (known) return { kind: "repeat", result: known };
    const row = await findRedemption(deps.store, campaign.id, phone);
    if (row) return { kind: "repeat", result: resultOf(campaign, row) };
  }

  let byPhone: RateLimitDecision;
  let byIp: RateLimitDecision;
  try {
    [byPhone, byIp] = await Promise.all([deps.limits.perPhone.check(phone), deps.limits.perIp.check(clientIp)]);
  } catch (error) {
    deps.logger.warn({ err: error }, "rate limiter unavailable");
    return UNAVAILABLE;
  }
  if (!byPhone.allowed || !byIp.allowed) {
    // The refusal the client must wait out, for its Retry-After and RateLimit fields: the one that resets last.
    const decision = !byIp.allowed && (byPhone.allowed || byIp.resetAtMs > byPhone.resetAtMs) ? byIp : byPhone;
    return { kind: "rate-limited", decision };
  }
  // Limits first: a winner asking again counts against them like anyone else.
  const settled = deps.answers.get(campaign.code, phone);
  if (settled) return { kind: "repeat", result: settled };

  for (let attempt = 1; ; attempt++) {
    let gate: Awaited<ReturnType<Gate["claim"]>>;
    try {
      gate = await claimWhenReady(deps, campaign, phone);
    } catch (error) {
      deps.logger.warn({ err: error, campaignId: campaign.id }, "cap gate unavailable");
      return UNAVAILABLE;
    }
    if (gate.kind === "sold-out") {
      deps.soldOut.markSoldOut(campaign, deps.clock());
      return { kind: "sold-out" };
    }
    if (gate.kind === "not-ready") return UNAVAILABLE;
    if (gate.kind === "duplicate") {
      const row = await findRedemption(deps.store, campaign.id, phone);
      if (row) return { kind: "repeat", result: resultOf(campaign, row) };
      // The gate gave this phone a rank, but no row holds it: the first request is
      // still being written, or its process died before writing. Record it now with
      // the same rank, so the slot it took is not lost.
    }
    const outcome = await record(deps, campaign, phone, gate.rank, gate.kind === "won" ? "won" : "repeat");
    // The gate was repaired; claim again for a rank no one holds.
    if (outcome !== RANK_TAKEN) return outcome;
    if (attempt >= MAX_CLAIM_ATTEMPTS) return UNAVAILABLE;
  }
}

/**
 * A coupon's Redis state is kept an hour, then rebuilt from the DB on its next attempt:
 * there may be millions of coupons, each tried rarely. A gift campaign's state stays.
 */
const COUPON_GATE_TTL_MS = 3_600_000;
const gateTtlOf = (campaign: CampaignRow) => (campaign.kind === "coupon" ? COUPON_GATE_TTL_MS : undefined);

/** One incarnation of a campaign: Redis state of another database's campaign with this code is not ours. */
export const generationOf = (campaign: CampaignRow) => `${campaign.id}.${campaign.createdAt}`;

/** Claims at the gate, rebuilding the campaign's Redis state from the DB when it is missing. */
async function claimWhenReady(deps: RedeemDeps, campaign: CampaignRow, phone: string) {
  const started = performance.now();
  const generation = generationOf(campaign);
  const ttlMs = gateTtlOf(campaign);
  const first = await deps.gate.claim(campaign.code, phone, campaign.maxRedemptions, generation, ttlMs);
  deps.metrics.gateSeconds.observe({}, (performance.now() - started) / 1000);
  if (first.kind !== "not-ready") return first;
  const owner = crypto.randomUUID();
  const deadline = deps.clock() + REBUILD_WAIT_MS;
  while (true) {
    if (await deps.gate.tryLockRebuild(campaign.code, owner, REBUILD_LOCK_MS)) {
      try {
        // Checked again under the lock: another instance may have rebuilt since our claim, and
        // rebuilding twice would forget the wins it has handed out but not yet written.
        if (!(await deps.gate.isReady(campaign.code, generation))) await rebuildGate(deps, campaign, generation);
      } finally {
        await deps.gate.unlockRebuild(campaign.code, owner);
      }
    }
    const next = await deps.gate.claim(campaign.code, phone, campaign.maxRedemptions, generation, ttlMs);
    if (next.kind !== "not-ready" || deps.clock() >= deadline) return next;
    await sleep(25); // another instance is rebuilding
  }
}

async function rebuildGate(deps: RedeemDeps, campaign: CampaignRow, generation: string): Promise<void> {
  const winners = await campaignWinners(deps.store, campaign.id);
  await deps.gate.rebuild(campaign.code, winners, generation, gateTtlOf(campaign));
  deps.logger.info({ campaignId: campaign.id, winners: winners.length }, "cap gate rebuilt from the database");
}

/** Makes the win durable before anyone hears of it, then tries the wallet once. */
async function record(
  deps: RedeemDeps,
  campaign: CampaignRow,
  phone: string,
  rank: number,
  kind: "won" | "repeat",
): Promise<RedeemOutcome | typeof RANK_TAKEN> {
  let recorded: { row: RedemptionRow; outboxId: number };
  try {
    recorded = await deps.records.recordWinner({
      campaignId: campaign.id,
      code: campaign.code,
      phone,
      rank,
      amount: campaign.amount,
    });
  } catch (error) {
    const conflict = conflictOf(error);
    if (!conflict) throw error;
    // Either this phone's own first request (or a concurrent repeat of it) committed
    // first: both constraints fire, and SQLite names whichever it checked first. The
    // request that took the rank at the gate still answers as the winner.
    const existing = await findRedemption(deps.store, campaign.id, phone);
    if (existing) return { kind: existing.rank === rank ? kind : "repeat", result: resultOf(campaign, existing) };
    // ...or the gate handed out a rank the DB already holds: its state was lost and
    // rebuilt while that win was being written. The DB is right; bring the gate in line.
    const taken = await rankHolder(deps.store, campaign.id, rank);
    deps.logger.warn(
      { campaignId: campaign.id, rank, conflict, holder: taken && maskPhone(taken.holder) },
      "the DB refused the gate's rank",
    );
    if (!taken) return UNAVAILABLE;
    try {
      await deps.gate.repair(campaign.code, { phone, rank, ...taken }, generationOf(campaign));
    } catch (err) {
      deps.logger.warn({ err, campaignId: campaign.id }, "cap gate unavailable for a repair");
      return UNAVAILABLE;
    }
    return RANK_TAKEN;
  }
  deps.metrics.winners.inc({ campaign: campaignLabel(campaign, deps.clock()) });
  const status = await deliverNow(deps, campaign, recorded.row, recorded.outboxId);
  return { kind, result: resultOf(campaign, recorded.row, status) };
}

/** One immediate wallet attempt; whatever it says is settled, and anything short of a 2xx stays owed. */
async function deliverNow(
  deps: RedeemDeps,
  campaign: CampaignRow,
  row: RedemptionRow,
  outboxId: number,
): Promise<RedeemResult["status"]> {
  const delivery = {
    phone: row.phone,
    amount: campaign.amount,
    idempotencyKey: idempotencyKeyOf(campaign.code, row.phone),
    reference: `gift:${campaign.code}`,
  };
  const answer = await deps.wallet.credit(delivery, deps.walletTimeoutMs);
  if (answer.outcome === "retry") return "pending"; // the relay takes over at its next due time
  const settled =
    answer.outcome === "credited"
      ? ({ id: outboxId, redemptionId: row.id, outcome: "credited" } as const)
      : ({ id: outboxId, redemptionId: row.id, outcome: "refused", error: answer.error } as const);
  // Not awaited: the wallet has answered; if this note is lost the relay re-sends, and the wallet replays.
  void deps.records.settle(settled).catch((err) => deps.logger.error({ err }, "could not record a wallet answer"));
  return answer.outcome === "credited" ? "credited" : "failed";
}
