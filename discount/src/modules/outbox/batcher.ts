import type { CreditResult, CreditSender } from "./credit-sender";
import type { Credit } from "./owed";

interface Waiting {
  credit: Credit;
  timeoutMs: number;
  resolve: (result: CreditResult) => void;
}

/**
 * The request path's sender: credits asked for one at a time in the same event-loop turn (the
 * winners one write-queue commit just recorded all resume in one turn) go to the wallet as one
 * batch request, each caller getting its own item's result. The batch leaves at the end of the
 * turn (setImmediate, after every microtask), so a credit alone waits one turn more than before.
 */
export function batchingSender(sender: CreditSender): CreditSender {
  let waiting: Waiting[] = [];

  function flush() {
    const batch = waiting;
    waiting = [];
    // One timeout per request: the request path uses one, but a caller's own is never stretched.
    const byTimeout = Map.groupBy(batch, (w) => w.timeoutMs);
    for (const [timeoutMs, group] of byTimeout) {
      sender
        .creditMany(
          group.map((w) => w.credit),
          timeoutMs,
        )
        .then(
          (results) => {
            for (const [i, w] of group.entries()) w.resolve(results[i] as CreditResult);
          },
          (error: unknown) => {
            // Never expected (the sender classifies every failure); the relay still owes these credits.
            for (const w of group) w.resolve({ outcome: "retry", error: String(error) });
          },
        );
    }
  }

  return {
    credit(credit, timeoutMs) {
      return new Promise((resolve) => {
        if (waiting.length === 0) setImmediate(flush);
        waiting.push({ credit, timeoutMs, resolve });
      });
    },
    creditMany: (credits, timeoutMs) => sender.creditMany(credits, timeoutMs),
    // Reversals are rare and one at a time: nothing to batch.
    debit: (debit, timeoutMs) => sender.debit(debit, timeoutMs),
  };
}
