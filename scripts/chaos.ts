/**
 * Chaos runs (issue #8): many seeded runChaos runs, one fault each, full size by default.
 *
 *   bun scripts/chaos.ts [--runs 12] [--seed 1] [--fault NAME] [--topology single|cluster|sentinel]
 *                        [--requests 20000] [--phones 5000] [--cap 1000] [--ask-once]
 *
 * Seeds run from --seed upward; without --fault each seed picks one of the six
 * single-server faults (seed % 6), so six consecutive seeds cover them. The failover
 * faults are named: `--fault cluster-master-kill` runs on a Redis Cluster and
 * `--fault sentinel-failover` on a Sentinel set; `--topology` runs the other faults
 * (wallet and discount ones) on a replicated topology too. Prints one row per run and exits 1 if any run broke
 * an invariant or got an answer other than 200/201/409/503. A row's seed (with its fault
 * and size) re-runs that exact run. `--ask-once`: every phone asks once and never retries
 * (`--requests` is ignored), so a prize whose slot died with a process stays lost unless the
 * orphan sweep records it.
 */
import { parseArgs } from "node:util";
import {
  type ChaosResult,
  FAULTS,
  faultOfSeed,
  isFault,
  isTopology,
  runChaos,
  TOPOLOGIES,
} from "@matchday/testkit/chaos";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "12" },
    seed: { type: "string", default: "1" },
    fault: { type: "string" },
    topology: { type: "string" },
    requests: { type: "string", default: "20000" },
    phones: { type: "string", default: "5000" },
    cap: { type: "string", default: "1000" },
    "ask-once": { type: "boolean", default: false },
  },
});

function int(name: string, raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got ${raw}`);
  return n;
}

if (values.fault !== undefined && !isFault(values.fault)) {
  console.error(`--fault must be one of ${FAULTS.join(", ")}`);
  process.exit(2);
}
if (values.topology !== undefined && !isTopology(values.topology)) {
  console.error(`--topology must be one of ${TOPOLOGIES.join(", ")}`);
  process.exit(2);
}
const fault = values.fault;
const topology = values.topology;
const runs = int("runs", values.runs);
const firstSeed = int("seed", values.seed);
const size = {
  requests: int("requests", values.requests),
  phones: int("phones", values.phones),
  cap: int("cap", values.cap),
  askOnce: values["ask-once"],
};

const rows: string[][] = [
  [
    "run",
    "seed",
    "fault",
    "topology",
    "injected at",
    "requests",
    "statuses",
    "pending",
    "winners",
    "seconds",
    "result",
  ],
];
let failed = 0;

const statusesOf = (r: ChaosResult) =>
  Object.entries(r.statuses)
    .map(([status, n]) => `${status}:${n}`)
    .join(" ");

for (let run = 1; run <= runs; run++) {
  const seed = firstSeed + run - 1;
  let row: string[];
  try {
    const r = await runChaos({ seed, fault, topology, ...size });
    const bad = r.violations.length + (r.unexpected > 0 ? 1 : 0);
    if (bad > 0) failed++;
    const result = bad === 0 ? "ok" : `FAIL: ${r.violations.length} violations, ${r.unexpected} unexpected answers`;
    row = [
      String(run),
      String(seed),
      r.fault,
      r.topology,
      String(r.injectedAt),
      String(r.requests),
      statusesOf(r),
      String(r.pending),
      String(r.winners),
      String(r.seconds),
      result,
    ];
    for (const v of r.violations) console.log(`  seed ${seed}: ${v}`);
    console.log(`  seed ${seed}: ${r.injected}; ${statusesOf(r)}; ${r.seconds} s; ${result}`);
  } catch (error) {
    // A run that could not finish (a process that would not restart, an outbox that never drained) fails too.
    failed++;
    row = [
      String(run),
      String(seed),
      fault ?? faultOfSeed(seed),
      topology ?? "-",
      "-",
      String(size.requests),
      "-",
      "-",
      "-",
      "-",
      `ERROR: ${String(error).split("\n")[0]}`,
    ];
    console.log(`  seed ${seed}: ${String(error)}`);
  }
  rows.push(row);
}

const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
for (const r of rows) console.log(r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  "));
console.log(failed === 0 ? `\nall ${runs} runs held every invariant` : `\n${failed} of ${runs} runs failed`);
process.exit(failed === 0 ? 0 : 1);
