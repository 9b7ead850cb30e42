import type { Logger } from "@matchday/shared/logger";
import { maskPhone } from "@matchday/shared/phone";
import { and, gt, isNull, lte, or, sql } from "drizzle-orm";
import { type CampaignRow, campaignCounts, campaigns } from "../../db/schema";
import type { DiscountStore } from "../../db/store";
import type { Gate } from "../../redis/gate";
import { generationOf } from "../claims/gate";
import { conflictOf, type WinnerRecords } from "../claims/record";
import { campaignWinners, recordedThrough, winnersAmong } from "../claims/winners";

/**
 * Orphaned slots (DESIGN §3.6, §4): a process can die after the gate handed a phone its
 * rank and before the DB recorded it. That phone arrived in time, so the slot is its:
 * this sweep records gate winners that have no DB row as winners at their gate rank,
 * with the usual outbox row and idempotency key, once they have stayed orphaned for a
 * grace period (a live request may still be writing them). Every instance sweeps; a
 * short Redis lease per campaign keeps two from doing the same work, and the DB's
 * unique ranks and phones keep a race between them harmless.
 */
export interface OrphanSweepDeps {
  store: DiscountStore;
  gate: Gate;
  records: WinnerRecords;
  clock: () => number;
  logger: Logger;
}

export interface OrphanSweepOptions {
  /** How long a gate winner must have had no DB row before it is recorded. */
  graceMs: number;
  /** Identifies this instance's leases. */
  owner?: string;
}

export interface Slot {
  phone: string;
  rank: number;
}

/** Gate winners whose phone has no DB row and whose rank no DB row holds. */
export function orphansOf(gateWinners: ReadonlyMap<string, number>, recorded: readonly Slot[]): Slot[] {
  const phones = new Set(recorded.map((r) => r.phone));
  const ranks = new Set(recorded.map((r) => r.rank));
  const orphans: Slot[] = [];
  for (const [phone, rank] of gateWinners) {
    if (!phones.has(phone) && !ranks.has(rank)) orphans.push({ phone, rank });
  }
  return orphans.sort((a, b) => a.rank - b.rank);
}

/**
 * Ranks above `settled` up to `handedOut` that nobody holds: not in the DB, not a gate
 * winner, not already free. Their holder was lost with Redis' state (or its claim's reply
 * never came back), so nobody can ever record them: after the grace period they are
 * handed out again. (Ranks up to `settled` are all in the DB.)
 */
export function lostRanksOf(
  handedOut: number,
  gateWinners: ReadonlyMap<string, number>,
  recorded: readonly Slot[],
  free: readonly number[],
  settled = 0,
): number[] {
  const held = new Set([...gateWinners.values(), ...recorded.map((r) => r.rank), ...free]);
  const lost: number[] = [];
  for (let rank = settled + 1; rank <= handedOut; rank++) if (!held.has(rank)) lost.push(rank);
  return lost;
}

/** Gift campaigns that are running (or just ended) and whose DB holds fewer winners than their cap. */
export function openGiftCampaigns(store: DiscountStore, now: number, graceMs: number) {
  const recorded = sql<number>`coalesce((select sum(${campaignCounts.n}) from ${campaignCounts}
    where ${campaignCounts.campaignId} = ${campaigns.id}), 0)`;
  return store.db
    .select({ campaign: campaigns, recorded })
    .from(campaigns)
    .where(
      and(
        // Written out, not a parameter: only then can SQLite match the partial index of gifts.
        sql`${campaigns.kind} = 'gift'`,
        or(isNull(campaigns.startsAt), lte(campaigns.startsAt, now)),
        // A slot handed out just before the end was still in time.
        or(isNull(campaigns.endsAt), gt(campaigns.endsAt, now - graceMs * 2)),
        gt(campaigns.maxRedemptions, recorded),
      ),
    );
}

/** One sweep at a time per instance; returns a function that runs one pass and says how many slots it recorded. */
export function createOrphanSweep(deps: OrphanSweepDeps, options: OrphanSweepOptions) {
  const owner = options.owner ?? crypto.randomUUID();
  const { graceMs } = options;
  /** When this instance first saw each orphan (campaign id, phone and rank). */
  const firstSeen = new Map<string, number>();
  /**
   * Per campaign id, the rank up to which the DB held every rank at the last pass. Recorded
   * ranks never change, so each pass looks only above it: the DB's index walks on from there,
   * and the gate's and the DB's winners are read above where it stops.
   */
  const settledUpTo = new Map<number, number>();

  async function sweepCampaign(campaign: CampaignRow, recordedCount: number, seen: Set<string>): Promise<number> {
    // The gate's counter is the highest rank it handed out: nothing is orphaned or lost unless it is ahead of the DB.
    const handedOut = await deps.gate.count(campaign.code);
    if (handedOut <= recordedCount) return 0;
    const generation = generationOf(campaign);
    if (!(await deps.gate.isReady(campaign.code, generation))) return 0; // another incarnation's state
    // Held across passes by the instance that took it: its first sightings count toward the grace.
    if (!(await deps.gate.tryLease(campaign.code, "sweep", owner, graceMs * 2))) return 0;
    // A DB that holds fewer winners than were settled was replaced or restored: read it all again.
    // Then the DB says how far its ranks now run unbroken: in a flood, the thousands recorded
    // since the last pass are not read, only the slots still in flight above them.
    const settled = await recordedThrough(
      deps.store,
      campaign.id,
      Math.min(settledUpTo.get(campaign.id) ?? 0, recordedCount),
    );
    const [gateWinners, allFree, recordedAbove] = await Promise.all([
      deps.gate.winners(campaign.code, settled),
      deps.gate.freeRanks(campaign.code),
      campaignWinners(deps.store, campaign.id, settled),
    ]);
    settledUpTo.set(campaign.id, settled);
    const free = allFree.filter((rank) => rank > settled);
    // A gate winner above the settled ranks whose phone the DB holds at a settled rank is not an orphan.
    const heldRanks = new Set(recordedAbove.map((r) => r.rank));
    const unrecorded = [...gateWinners].filter(([, rank]) => !heldRanks.has(rank)).map(([phone]) => phone);
    const recorded = [...recordedAbove, ...(await winnersAmong(deps.store, campaign.id, unrecorded))];
    const now = deps.clock();
    /** Whether this slot has looked the same for the whole grace period. */
    const overdue = (key: string) => {
      seen.add(key);
      const since = firstSeen.get(key) ?? now;
      firstSeen.set(key, since);
      return now - since >= graceMs;
    };
    let fixed = 0;
    for (const orphan of orphansOf(gateWinners, recorded)) {
      const key = `${campaign.id}\n${orphan.phone}\n${orphan.rank}`;
      if (!overdue(key)) continue;
      if (await recordOrphan(campaign, orphan)) fixed++;
      firstSeen.delete(key);
    }
    for (const rank of lostRanksOf(handedOut, gateWinners, recorded, free, settled)) {
      const key = `${campaign.id}\n#${rank}`;
      if (!overdue(key)) continue;
      if (await deps.gate.freeRank(campaign.code, rank, generation)) {
        deps.logger.warn({ campaignId: campaign.id, rank }, "a rank whose holder was lost is handed out again");
        fixed++;
      }
      firstSeen.delete(key);
    }
    return fixed;
  }

  async function recordOrphan(campaign: CampaignRow, orphan: Slot): Promise<boolean> {
    const { id: campaignId, code, amount } = campaign;
    try {
      await deps.records.recordWinner({ campaignId, code, phone: orphan.phone, rank: orphan.rank, amount });
    } catch (error) {
      // Its own request (or another instance's sweep) wrote it after all: nothing is orphaned.
      if (conflictOf(error)) return false;
      throw error;
    }
    deps.logger.warn(
      { campaignId, rank: orphan.rank, phone: maskPhone(orphan.phone) },
      "recorded an orphaned gate slot as its winner",
    );
    return true;
  }

  return async function sweepOnce(): Promise<number> {
    const seen = new Set<string>();
    let fixed = 0;
    for (const { campaign, recorded } of await openGiftCampaigns(deps.store, deps.clock(), graceMs)) {
      try {
        fixed += await sweepCampaign(campaign, Number(recorded), seen);
      } catch (err) {
        deps.logger.warn({ err, campaignId: campaign.id }, "orphan sweep failed for a campaign; next pass retries");
      }
    }
    // Orphans no longer seen were written by their own request (or are another instance's work now).
    for (const key of firstSeen.keys()) if (!seen.has(key)) firstSeen.delete(key);
    return fixed;
  };
}

/** Runs the sweep every `intervalMs` until stopped; a stop waits for the pass in hand. */
export function startOrphanSweep(deps: OrphanSweepDeps, options: OrphanSweepOptions & { intervalMs: number }) {
  const sweepOnce = createOrphanSweep(deps, options);
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    running ??= sweepOnce()
      .catch((err) => deps.logger.warn({ err }, "orphan sweep failed; next pass retries"))
      .finally(() => {
        running = undefined;
      });
  }, options.intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
