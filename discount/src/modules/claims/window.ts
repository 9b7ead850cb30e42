import type { CampaignRow } from "../../db/schema";
import type { DiscountStore } from "../../db/store";
import type { ClaimOutcome } from "./model";
import { findAnswer } from "./winners";

const NOT_STARTED = { kind: "not-started" } as const;
const ENDED = { kind: "ended" } as const;

/**
 * The campaign's window: before it opens nobody wins; once it has closed only its winners
 * hear their answer again. Undefined while it is open.
 */
export async function windowAnswer(
  store: DiscountStore,
  campaign: CampaignRow,
  phone: string,
  now: number,
): Promise<ClaimOutcome | undefined> {
  if (campaign.startsAt !== null && now < campaign.startsAt) return NOT_STARTED;
  if (campaign.endsAt === null || now < campaign.endsAt) return undefined;
  const earlier = await findAnswer(store, campaign, phone);
  return earlier ? { kind: "repeat", result: earlier } : ENDED;
}
