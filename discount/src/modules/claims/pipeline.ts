import type { CampaignRow } from "../../db/schema";
import { type DeliverDeps, deliverNow } from "../outbox/deliver";
import { type GateDeps, seatWithinLimits, takeSeat } from "./gate";
import { type ClaimLimits, checkLimits } from "./limits";
import type { ClaimMemory } from "./memory";
import { type ClaimOutcome, resultOf, UNAVAILABLE } from "./model";
import { RANK_TAKEN, type RecordDeps, recordSeat } from "./record";
import { windowAnswer } from "./window";
import { findAnswer } from "./winners";

export interface ClaimDeps extends GateDeps, RecordDeps, DeliverDeps {
  memory: ClaimMemory;
  limits: ClaimLimits;
}

/** Claims per request when the DB refuses the gate's rank; each refusal repairs the gate first. */
const MAX_CLAIM_ATTEMPTS = 3;

/**
 * The one decision for a gift code or a coupon (a coupon is a campaign whose cap is 1), in
 * the order of DESIGN §4, each step in its own file and called once: the window → what
 * memory knows (sold out, settled answers; no I/O) → the rate limits → the Redis gate →
 * the durable record (winner and outbox row in one transaction) → one immediate wallet
 * attempt. Memory learns from every outcome.
 */
export async function claim(
  deps: ClaimDeps,
  campaign: CampaignRow,
  phone: string,
  clientIp: string,
): Promise<ClaimOutcome> {
  const outcome = await decide(deps, campaign, phone, clientIp);
  deps.memory.learn(campaign, outcome, deps.clock());
  return outcome;
}

async function decide(deps: ClaimDeps, campaign: CampaignRow, phone: string, clientIp: string): Promise<ClaimOutcome> {
  const closed = await windowAnswer(deps.store, campaign, phone, deps.clock());
  if (closed) return closed;

  const remembered = deps.memory.answer(campaign.code, phone);
  if (remembered.kind === "sold-out" || remembered.kind === "repeat") return remembered;
  if (remembered.kind === "winner") {
    // A full campaign's winners are all in the DB: no limit, gate or write stands between them and their answer.
    const earlier = await findAnswer(deps.store, campaign, phone);
    if (earlier) return { kind: "repeat", result: earlier };
  }

  // Limits first: a winner asking again counts against them like anyone else.
  if (remembered.kind === "open" && remembered.settled) {
    return (
      (await checkLimits(deps.limits, deps.logger, phone, clientIp)) ?? { kind: "repeat", result: remembered.settled }
    );
  }

  for (let attempt = 1; ; attempt++) {
    // The limits count once, with the first claim at the gate.
    const seat =
      attempt === 1 ? await seatWithinLimits(deps, campaign, phone, clientIp) : await takeSeat(deps, campaign, phone);
    if (seat.kind !== "seat") return seat;
    const recorded = await recordSeat(deps, campaign, phone, seat);
    if (recorded.kind === RANK_TAKEN.kind) {
      if (attempt >= MAX_CLAIM_ATTEMPTS) return UNAVAILABLE;
      continue; // the gate was repaired: claim again for a rank no one holds
    }
    if (recorded.kind !== "recorded") return recorded;
    const { row, credit, outboxId } = recorded;
    const status = await deliverNow(deps, { credit, outboxId, redemptionId: row.id });
    return { kind: seat.answer, result: resultOf(campaign, row, status) };
  }
}
