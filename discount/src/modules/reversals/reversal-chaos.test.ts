import { expect, test } from "bun:test";
import { type ReversalFault, runReversalChaos } from "@matchday/testkit/chaos/reversals";

/**
 * The chaos harness's wallet and discount faults while 60 winners are voided, each void asked
 * on both discount processes at once. Fixed seeds, so a failure replays.
 */
const TIMEOUT_MS = 180_000;

async function voidsUnder(seed: number, fault: ReversalFault) {
  const result = await runReversalChaos({ seed, fault, winners: 60 });
  expect({ fault: result.fault, injected: result.injected }).toMatchObject({ fault });
  expect(result.violations).toEqual([]);
  // The fault reached the callers: some voids were left to the relay.
  expect(result.statuses["202"] ?? 0).toBeGreaterThan(0);
  return result;
}

test(
  "the wallet killed with SIGKILL mid-voids and restarted: every winner is debited back exactly once",
  async () => {
    await voidsUnder(1, "kill-wallet");
  },
  TIMEOUT_MS,
);

test(
  "a discount process killed with SIGKILL mid-voids and restarted: every winner is debited back exactly once",
  async () => {
    await voidsUnder(2, "kill-discount");
  },
  TIMEOUT_MS,
);
