import type { Logger } from "@matchday/shared/logger";
import type { CreditSender } from "./credit-sender";
import type { OutboxLanes } from "./lanes";
import type { Credit } from "./owed";

export interface DeliverDeps {
  sender: CreditSender;
  outbox: OutboxLanes;
  walletTimeoutMs: number;
  logger: Logger;
}

/** A credit just recorded with its outbox row: what the request path sends at once. */
export interface OwedCredit {
  credit: Credit;
  outboxId: number;
  redemptionId: number;
}

/**
 * One immediate wallet attempt; whatever it says is settled, and anything short of a 2xx
 * stays owed. Answers the winner's status: credited, failed (refused for good), or pending.
 */
export async function deliverNow(deps: DeliverDeps, owed: OwedCredit): Promise<"credited" | "pending" | "failed"> {
  const answer = await deps.sender.credit(owed.credit, deps.walletTimeoutMs);
  if (answer.outcome === "retry") return "pending"; // the relay takes over at its next due time
  const ids = { id: owed.outboxId, redemptionId: owed.redemptionId };
  const settled =
    answer.outcome === "credited"
      ? ({ ...ids, outcome: "credited" } as const)
      : ({ ...ids, outcome: "refused", error: answer.error } as const);
  // Not awaited: the wallet has answered; if this note is lost the relay re-sends, and the wallet replays.
  void deps.outbox.settleLater(settled).catch((err) => deps.logger.error({ err }, "could not record a wallet answer"));
  return answer.outcome === "credited" ? "credited" : "failed";
}
