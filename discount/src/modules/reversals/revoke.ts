import type { Clock } from "@matchday/shared/clock";
import { eq } from "drizzle-orm";
import { type CampaignRow, couponRevocations, redemptions } from "../../db/schema";
import type { DiscountStore, DiscountTx } from "../../db/store";
import { type GateDeps, takeSeat } from "../claims/gate";
import { REVOKED_HOLDER, revocationOf } from "../claims/winners";
import type { Revoked } from "./model";

export type RevokeOutcome = { kind: "revoked"; answer: Revoked } | { kind: "used" };

/** Writes the revocation unless the coupon has a winner: the DB's word (and its trigger) settles a race. */
export function createRevocationLane(store: DiscountStore) {
  const record = async (tx: DiscountTx, asks: { campaignId: number; actor: string; reason?: string; at: number }[]) => {
    const answers: boolean[] = [];
    for (const ask of asks) {
      const [winner] = await tx
        .select({ id: redemptions.id })
        .from(redemptions)
        .where(eq(redemptions.campaignId, ask.campaignId))
        .limit(1);
      if (winner) {
        answers.push(false);
        continue;
      }
      await tx
        .insert(couponRevocations)
        .values({ campaignId: ask.campaignId, actor: ask.actor, reason: ask.reason ?? null, revokedAt: ask.at })
        .onConflictDoNothing();
      answers.push(true);
    }
    return answers;
  };
  return store.writes.lane(record);
}

export interface RevokeDeps extends GateDeps {
  recordRevocation: ReturnType<typeof createRevocationLane>;
  clock: Clock;
}

/**
 * Revokes an unused coupon. The coupon's one slot is claimed at the gate for REVOKED_HOLDER
 * first, so a claimant racing the revocation either won before it (the coupon is used: 409)
 * or hears "sold out" after it; then the DB records it. Revoking twice answers the first.
 * A crash between the two leaves the gate's slot held until the coupon's gate state expires
 * (an hour), after which it is seeded from the DB again, unused.
 */
export async function revokeCoupon(
  deps: RevokeDeps,
  coupon: CampaignRow,
  ask: { actor: string; reason?: string },
): Promise<RevokeOutcome | { kind: "unavailable" }> {
  const earlier = await revocationOf(deps.store, coupon.id);
  if (earlier) return { kind: "revoked", answer: revokedOf(coupon, earlier.revokedAt) };
  const seat = await takeSeat(deps, coupon, REVOKED_HOLDER);
  if (seat.kind === "unavailable") return { kind: "unavailable" };
  if (seat.kind !== "seat") return { kind: "used" };
  const at = deps.clock();
  if (!(await deps.recordRevocation({ campaignId: coupon.id, ...ask, at }))) return { kind: "used" };
  const row = await revocationOf(deps.store, coupon.id);
  return { kind: "revoked", answer: revokedOf(coupon, row?.revokedAt ?? at) };
}

const revokedOf = (coupon: CampaignRow, at: number): Revoked => ({
  code: coupon.code,
  status: "REVOKED",
  revokedAt: new Date(at).toISOString(),
});
