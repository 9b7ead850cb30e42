import { setTimeout as sleep } from "node:timers/promises";
import type { Clock } from "@matchday/shared/clock";
import type { Logger } from "@matchday/shared/logger";
import type { CampaignRow } from "../../db/schema";
import type { DiscountStore } from "../../db/store";
import type { DiscountMetrics } from "../../metrics";
import type { Gate } from "../../redis/gate";
import { type ClaimOutcome, SOLD_OUT_OUTCOME, UNAVAILABLE } from "./model";
import { campaignWinners, findAnswer } from "./winners";

export interface GateDeps {
  store: DiscountStore;
  gate: Gate;
  clock: Clock;
  logger: Logger;
  metrics: DiscountMetrics;
}

/** A rank the gate handed this phone: `won` by this request, or taken by an earlier one that left no row. */
export type Seat = { kind: "seat"; rank: number; answer: "won" | "repeat" };

const REBUILD_LOCK_MS = 5_000;
const REBUILD_WAIT_MS = 1_000;

/**
 * A coupon's Redis state is kept an hour, then rebuilt from the DB on its next attempt:
 * there may be millions of coupons, each tried rarely. A gift campaign's state stays.
 */
const COUPON_GATE_TTL_MS = 3_600_000;
const gateTtlOf = (campaign: CampaignRow) => (campaign.kind === "coupon" ? COUPON_GATE_TTL_MS : undefined);

/** One incarnation of a campaign: Redis state of another database's campaign with this code is not ours. */
export const generationOf = (campaign: CampaignRow) => `${campaign.id}.${campaign.createdAt}`;

/** Asks the Redis gate for a rank: a seat to record, or the answer when there is none to give. */
export async function takeSeat(deps: GateDeps, campaign: CampaignRow, phone: string): Promise<Seat | ClaimOutcome> {
  let gate: Awaited<ReturnType<Gate["claim"]>>;
  try {
    gate = await claimWhenReady(deps, campaign, phone);
  } catch (error) {
    deps.logger.warn({ err: error, campaignId: campaign.id }, "cap gate unavailable");
    return UNAVAILABLE;
  }
  if (gate.kind === "sold-out") return SOLD_OUT_OUTCOME;
  if (gate.kind === "not-ready") return UNAVAILABLE;
  if (gate.kind === "duplicate") {
    const earlier = await findAnswer(deps.store, campaign, phone);
    if (earlier) return { kind: "repeat", result: earlier };
    // The gate gave this phone a rank, but no row holds it: the first request is
    // still being written, or its process died before writing. Record it now with
    // the same rank, so the slot it took is not lost.
  }
  return { kind: "seat", rank: gate.rank, answer: gate.kind === "won" ? "won" : "repeat" };
}

/** Claims at the gate, rebuilding the campaign's Redis state from the DB when it is missing. */
async function claimWhenReady(deps: GateDeps, campaign: CampaignRow, phone: string) {
  const started = performance.now();
  const generation = generationOf(campaign);
  const ttlMs = gateTtlOf(campaign);
  const first = await deps.gate.claim(campaign.code, phone, campaign.maxRedemptions, generation, ttlMs);
  deps.metrics.gateSeconds.observe({}, (performance.now() - started) / 1000);
  if (first.kind !== "not-ready") return first;
  if (ttlMs !== undefined) {
    // A coupon: its state is missing on nearly every first claim, and its winners are one row
    // at most, cheap for each claimant to read. The DB's winners go with the claim, which
    // seeds the state only if it is still missing (so no lock): one round trip, not five.
    const winners = await campaignWinners(deps.store, campaign.id);
    return deps.gate.seedAndClaim(campaign.code, phone, campaign.maxRedemptions, winners, generation, ttlMs);
  }
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

async function rebuildGate(deps: GateDeps, campaign: CampaignRow, generation: string): Promise<void> {
  const winners = await campaignWinners(deps.store, campaign.id);
  await deps.gate.rebuild(campaign.code, winners, generation, gateTtlOf(campaign));
  deps.logger.info({ campaignId: campaign.id, winners: winners.length }, "cap gate rebuilt from the database");
}
