import type { Clock } from "@matchday/shared/clock";
import type { Logger } from "@matchday/shared/logger";
import type { CampaignRow } from "../../db/schema";
import type { DiscountStore } from "../../db/store";
import type { DiscountMetrics } from "../../metrics";
import type { ClaimResult, Gate } from "../../redis/gate";
import type { LimitedClaim } from "../../redis/limit-pair";
import type { RebuildNotices } from "../../redis/rebuild-notices";
import { type ClaimLimits, checkLimits, limitRefusal, limitsUnavailable } from "./limits";
import { type ClaimOutcome, SOLD_OUT_OUTCOME, UNAVAILABLE } from "./model";
import { campaignWinners, couponSeats, findAnswer } from "./winners";

export interface GateDeps {
  store: DiscountStore;
  gate: Gate;
  rebuilds: GateRebuilds;
  /** Wakes this process's claimants when another instance's rebuild of their campaign's gate ends. */
  notices: Pick<RebuildNotices, "next">;
  clock: Clock;
  logger: Logger;
  metrics: DiscountMetrics;
}

/** A rank the gate handed this phone: `won` by this request, or taken by an earlier one that left no row. */
export type Seat = { kind: "seat"; rank: number; answer: "won" | "repeat" };

const REBUILD_LOCK_MS = 5_000;
const REBUILD_WAIT_MS = 1_000;
/**
 * How often a claimant looks again while another instance holds a campaign's rebuild lock, if
 * no notice of the rebuild's end has woken it first (one lost to a reconnect, say).
 */
const OTHER_INSTANCE_POLL_MS = 25;

/**
 * This process's attempts to rebuild a campaign's gate, one at a time per campaign: a claimant
 * that finds the gate not ready joins the attempt under way, and claims the moment it ends. A
 * fixed pause instead let claims that arrived after the rebuild overtake the ones that waited
 * for it (measured: every early claimant of a cold gate ranked behind the later ones).
 */
export function gateRebuilds() {
  const running = new Map<string, Promise<boolean>>();
  return (key: string, attempt: () => Promise<boolean>): Promise<boolean> => {
    let joined = running.get(key);
    if (!joined) {
      joined = attempt().finally(() => running.delete(key));
      running.set(key, joined);
    }
    return joined;
  };
}

export type GateRebuilds = ReturnType<typeof gateRebuilds>;

/**
 * A coupon's Redis state is kept an hour, then rebuilt from the DB on its next attempt:
 * there may be millions of coupons, each tried rarely. A gift campaign's state stays.
 */
const COUPON_GATE_TTL_MS = 3_600_000;
const gateTtlOf = (campaign: CampaignRow) => (campaign.kind === "coupon" ? COUPON_GATE_TTL_MS : undefined);

/** One incarnation of a campaign: Redis state of another database's campaign with this code is not ours. */
export const generationOf = (campaign: CampaignRow) => `${campaign.id}.${campaign.createdAt}`;

/**
 * The claim's limits, then, only if they allow it, the gate: in one round trip where the
 * limits' and the gate's keys share a server (LimitPair.checkThenClaim), else one after the other.
 */
export async function seatWithinLimits(
  deps: GateDeps & { limits: ClaimLimits },
  campaign: CampaignRow,
  phone: string,
  clientIp: string,
): Promise<Seat | ClaimOutcome> {
  const { limits } = deps;
  if (!limits.checkThenClaim)
    return (await checkLimits(limits, deps.logger, phone, clientIp)) ?? takeSeat(deps, campaign, phone);
  const started = performance.now();
  let reply: LimitedClaim;
  try {
    const gate = { code: campaign.code, cap: campaign.maxRedemptions, generation: generationOf(campaign) };
    reply = await limits.checkThenClaim(phone, clientIp, { ...gate, ttlMs: gateTtlOf(campaign) });
  } catch (error) {
    return limitsUnavailable(deps.logger, error);
  }
  const refused = limitRefusal(reply.limits);
  if (refused) return refused;
  // No seat: the limits timed out (and let the attempt through) before the gate was asked.
  if (!reply.seat) return takeSeat(deps, campaign, phone);
  deps.metrics.gateSeconds.observe({}, (performance.now() - started) / 1000);
  return takeSeat(deps, campaign, phone, reply.seat);
}

/**
 * Asks the Redis gate for a rank: a seat to record, or the answer when there is none to give.
 * `first`: the gate's answer to a claim already made (with the limits), to go on from.
 */
export async function takeSeat(
  deps: GateDeps,
  campaign: CampaignRow,
  phone: string,
  first?: ClaimResult,
): Promise<Seat | ClaimOutcome> {
  let gate: ClaimResult;
  try {
    gate = await claimWhenReady(deps, campaign, phone, first);
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

/**
 * Builds a new gift campaign's gate as it is created, so that a match's first claims find it
 * ready on every instance: none waits on another instance's rebuild while later claims are
 * seated. Best effort: while Redis is unavailable the first claim builds it, as after a loss.
 */
export async function prepareGate(deps: GateDeps, campaign: CampaignRow): Promise<void> {
  if (campaign.kind !== "gift") return;
  try {
    await rebuildOnce(deps, campaign, generationOf(campaign));
  } catch (err) {
    deps.logger.warn({ err, campaignId: campaign.id }, "cap gate not built with its campaign; its first claim will");
  }
}

/**
 * This process's one attempt at the rebuild, joined by every claimant who asks while it runs:
 * true once the gate is ready by this instance's hand, false if another instance holds the lock.
 */
function rebuildOnce(deps: GateDeps, campaign: CampaignRow, generation: string): Promise<boolean> {
  return deps.rebuilds(`${campaign.code} ${generation}`, () => rebuildUnderLock(deps, campaign, generation));
}

/** Claims at the gate, rebuilding the campaign's Redis state from the DB when it is missing. */
async function claimWhenReady(deps: GateDeps, campaign: CampaignRow, phone: string, given?: ClaimResult) {
  const generation = generationOf(campaign);
  const ttlMs = gateTtlOf(campaign);
  const first = given ?? (await timedClaim(deps, campaign, phone, generation, ttlMs));
  if (first.kind !== "not-ready") return first;
  if (ttlMs !== undefined) {
    // A coupon: its state is missing on nearly every first claim, and its winners are one row
    // at most, cheap for each claimant to read. The DB's winners go with the claim, which
    // seeds the state only if it is still missing (so no lock): one round trip, not five.
    const winners = await couponSeats(deps.store, campaign.id);
    return deps.gate.seedAndClaim(campaign.code, phone, campaign.maxRedemptions, winners, generation, ttlMs);
  }
  const deadline = deps.clock() + REBUILD_WAIT_MS;
  let woken = false;
  while (true) {
    // Listening before the claim: a rebuild that ends after it found the gate not ready still wakes us.
    const rebuiltElsewhere = deps.notices.next(campaign.code, OTHER_INSTANCE_POLL_MS);
    // Woken by a rebuild, claim at once. Otherwise this process's rebuild attempt runs beside the
    // claim, not before it: a claimant whose poll ran out as another instance's rebuild ended would
    // else pay the lock's round trip first, which claims arriving after that rebuild do not.
    const rebuilding: Promise<boolean> = woken ? Promise.resolve(false) : rebuildOnce(deps, campaign, generation);
    const claimed = deps.gate.claim(campaign.code, phone, campaign.maxRedemptions, generation, ttlMs);
    const [next, rebuiltHere] = await Promise.all([claimed, rebuilding]);
    if (next.kind !== "not-ready" || deps.clock() >= deadline) return next;
    // Another instance holds the rebuild lock: its notice, or the poll, says when to claim again.
    woken = rebuiltHere || (await rebuiltElsewhere);
  }
}

/** Rebuilds the campaign's gate from the DB if this instance gets the lock; otherwise another instance is at it. */
async function rebuildUnderLock(deps: GateDeps, campaign: CampaignRow, generation: string): Promise<boolean> {
  const owner = crypto.randomUUID();
  if (!(await deps.gate.tryLockRebuild(campaign.code, owner, REBUILD_LOCK_MS))) return false;
  try {
    // Checked again under the lock: another instance may have rebuilt since our claim, and
    // rebuilding twice would forget the wins it has handed out but not yet written.
    if (!(await deps.gate.isReady(campaign.code, generation))) await rebuildGate(deps, campaign, generation);
    return true;
  } finally {
    // Not waited for: the claimants waiting on this rebuild claim at once, ahead of anyone who
    // arrives after it. A lock left behind by a failed unlock expires on its own.
    deps.gate
      .unlockRebuild(campaign.code, owner)
      .catch((err) => deps.logger.warn({ err, campaignId: campaign.id }, "cap gate rebuild lock not released"));
  }
}

async function timedClaim(
  deps: GateDeps,
  campaign: CampaignRow,
  phone: string,
  generation: string,
  ttlMs: number | undefined,
): Promise<ClaimResult> {
  const started = performance.now();
  const result = await deps.gate.claim(campaign.code, phone, campaign.maxRedemptions, generation, ttlMs);
  deps.metrics.gateSeconds.observe({}, (performance.now() - started) / 1000);
  return result;
}

async function rebuildGate(deps: GateDeps, campaign: CampaignRow, generation: string): Promise<void> {
  const winners = await campaignWinners(deps.store, campaign.id);
  await deps.gate.rebuild(campaign.code, winners, generation, gateTtlOf(campaign));
  deps.logger.info({ campaignId: campaign.id, winners: winners.length }, "cap gate rebuilt from the database");
}
