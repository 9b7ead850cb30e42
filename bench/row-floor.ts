/**
 * Issue 18's rows that one process answers, in pinned CPU µs per answer (bench/pinned.ts):
 * a wallet balance read, a wallet credit and a winner's repeat, beside the bare Elysia POST
 * the targets are ratios to. Each target's ratio becomes a CPU budget (baseline µs ÷ ratio);
 * with bench/floor-parts.ts's price of the I/O a row cannot skip, docs/PERFORMANCE.md shows
 * which budgets no implementation could meet. Both services log at info, as deployed.
 *
 *   bun bench/row-floor.ts [--rounds 3] [--seconds 3]
 */
import { createCampaign } from "@matchday/testkit/burst";
import { testToken } from "@matchday/testkit/http";
import { measureRounds, microsOf, type PinnedStack, printTable, runPinned, SERVER_CORE, type Target } from "./pinned";
import { option } from "./table";
import { type Load, wrk } from "./wrk";

const rounds = option("--rounds", "BENCH_ROUNDS", 3);
const seconds = option("--seconds", "BENCH_SECONDS", 3);
const WINNERS = 2_000;

/** Issue 18's targets for these rows, as ratios to the baseline's throughput. */
const TARGETS: Record<string, number> = {
  "wallet balance read": 0.5,
  "wallet credit": 0.35,
  "winner's repeat": 0.6,
};

async function main({ baseline, wallet, discount }: PinnedStack): Promise<void> {
  const token = await testToken("service");
  const code = await createCampaign(discount.url, { name: "row floor", amount: 1_000, maxRedemptions: 10_000_000 });
  const repeat: Load = { mode: "redeem", code, phones: WINNERS, offset: 0, token };
  // The winners first, until a run finds every phone has won: each measured repeat is one asking again.
  for (let run = 1; ; run++) {
    const { statuses } = await wrk(discount.url, repeat, { seconds: 2, threads: 1, connections: 32 });
    if (Object.keys(statuses).every((s) => s === "200")) break;
    if (run === 10 || Object.keys(statuses).some((s) => s !== "201" && s !== "200")) {
      throw new Error(`the winners were not made: ${JSON.stringify(statuses)}`);
    }
  }
  let creditRuns = 0;
  const targets: Target[] = [
    {
      name: "bare Elysia POST (baseline)",
      server: baseline,
      expect: ["200"],
      load: { mode: "redeem", code: "BENCH", phones: 1_000_000, offset: 0 },
      samples: [],
    },
    {
      name: "wallet balance read",
      server: wallet,
      expect: ["200"],
      load: { mode: "balance", phones: 100_000, offset: 0, token },
      samples: [],
    },
    {
      name: "wallet credit",
      server: wallet,
      expect: ["201"],
      // A million phones apart each run, so every run's idempotency keys are new: no replays.
      load: () => ({ mode: "credit", phones: 10_000, offset: 1_000_000 * creditRuns++, token }),
      samples: [],
    },
    { name: "winner's repeat", server: discount, expect: ["200"], load: repeat, samples: [] },
  ];
  await measureRounds(targets, rounds, seconds);
  printTable(targets, targets[0] as Target);
  console.log(`\nservers pinned to core ${SERVER_CORE}, wrk -t1 -c32 on the other; medians of ${rounds} rounds`);
  const base = microsOf(targets[0] as Target);
  for (const target of targets.slice(1)) {
    const ratio = TARGETS[target.name] as number;
    const budget = base / ratio;
    const verdict = microsOf(target) <= budget ? "within" : "over";
    console.log(
      `${target.name}: target ${ratio}x allows ${budget.toFixed(1)} CPU µs per answer; it takes ${microsOf(target).toFixed(1)} (${verdict})`,
    );
  }
}

process.exit(await runPinned(main));
