/**
 * CI's k6 runs (`.ci/run`, the GitHub workflow): load/k6/smoke.js and a short match burst,
 * with PROFILE=ci (every correctness threshold, latency only loosely), against a stack this
 * script starts and stops (scripts/k6-stack.ts). Each run's summary lands in load/results/.
 *
 * Finds k6 as `bun run soak` does (K6_BIN, the PATH, ../shared/tools/k6). Without one it
 * says so and exits 0: the k6 runs are then skipped, not failed. Its last line is
 * `k6: N passed, N failed` or `k6: skipped, ...`, which .ci/run adds to its own summary.
 * Exits 1 when a run failed or the stack did not start.
 *
 *   bun scripts/ci-k6.ts
 */
import { testToken } from "@matchday/testkit/http";
import { type K6Stack, startK6Stack } from "./k6-stack";
import { k6Verdict, locateK6, runK6 } from "./soak-k6";

/** A burst small enough for a busy 2-core runner (~1,800 requests in 10 s) that still sells out. */
const RUNS: { script: string; vars: Record<string, string> }[] = [
  { script: "load/k6/smoke.js", vars: {} },
  { script: "load/k6/match-burst.js", vars: { CAP: "300", RATE: "200", RAMP: "2s", DURATION: "8s" } },
];

const k6 = (() => {
  try {
    return locateK6();
  } catch (error) {
    // K6_BIN names no file: someone asked for a k6 that is not there, so the runs fail.
    console.error(`ci-k6: ${(error as Error).message}`);
    console.log(`k6: 0 passed, ${RUNS.length} failed`);
    process.exit(1);
  }
})();
if (!k6) {
  console.log("k6: skipped, no k6 binary (set K6_BIN, put k6 on the PATH, or place it at ../shared/tools/k6)");
  process.exit(0);
}

let passed = 0;
let failed = 0;
let stack: K6Stack | undefined;
try {
  stack = await startK6Stack({ LOG_LEVEL: "warn" });
  const common = {
    PROFILE: "ci",
    WALLET_URL: stack.wallet.url,
    DISCOUNT_URL: stack.discount.url,
    ADMIN_TOKEN: await testToken("admin", "ci-k6-admin"),
    SERVICE_TOKEN: await testToken("service", "ci-k6"),
  };
  console.log(`ci-k6: ${k6}; wallet ${stack.wallet.url}, discount ${stack.discount.url}`);
  for (const run of RUNS) {
    const code = await runK6(k6, run.script, { ...common, ...run.vars });
    console.log(`ci-k6: ${run.script}: ${k6Verdict(code)}`);
    if (code === 0) passed++;
    else {
      failed++;
      stack.printLogTails();
    }
  }
} catch (error) {
  console.error(`ci-k6: stopped before every run ended: ${(error as Error).message}`);
  failed = RUNS.length - passed;
} finally {
  await stack?.stop();
}
console.log(`k6: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
