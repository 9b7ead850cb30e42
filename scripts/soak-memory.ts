/**
 * The soak's memory rule, measured in Bun because k6 sees the services only from
 * outside: both services' RSS every 5 s, kept as each minute's floor and peak.
 *
 * Retained memory is each minute's floor: the lowest sample, which falls just after
 * the full collection each service runs once a minute. A single sample lands anywhere
 * between two collections and swings ±10 % with it (docs/RELIABILITY.md); a leak
 * raises the floor, garbage awaiting collection does not. Peaks are printed too.
 */
import { memoryKb } from "@matchday/testkit/processes";

const SAMPLE_MS = 5_000;
const MAX_RSS_GROWTH = 0.1;

/** The lowest and highest RSS sampled in one minute, in kB. */
interface Range {
  floor: number;
  peak: number;
}

interface Minute {
  wallet: Range;
  discount: Range;
}

type Service = keyof Minute;

const noSamples = (): Range => ({ floor: Number.POSITIVE_INFINITY, peak: 0 });
const sampled = (m: Minute) => m.wallet.peak > 0 && m.discount.peak > 0;

/** Samples both processes from now on, each sample filed under the minute it fell in, until stop(). */
export function sampleMemory(pids: Record<Service, () => number | undefined>, minutes: number) {
  const byMinute: Minute[] = Array.from({ length: minutes }, () => ({ wallet: noSamples(), discount: noSamples() }));
  const startedAt = Date.now();
  const timer = setInterval(() => {
    const index = Math.floor((Date.now() - startedAt - 1) / 60_000);
    // Past the last minute is k6's teardown (verification), not the soak's traffic.
    if (index >= minutes) return;
    const minute = byMinute[index] as Minute;
    for (const service of ["wallet", "discount"] as const) {
      const kb = memoryKb(pids[service](), "VmRSS");
      minute[service].floor = Math.min(minute[service].floor, kb);
      minute[service].peak = Math.max(minute[service].peak, kb);
    }
  }, SAMPLE_MS);
  return {
    /** Stops sampling; the minutes, the unsampled ones (k6 stopped early) left out. */
    stop(): Minute[] {
      clearInterval(timer);
      return byMinute.filter(sampled);
    },
  };
}

/** Prints each minute's floor and peak and the rule's verdict; true when retained memory grew too much. */
export function judgeMemory(byMinute: Minute[], warmup: number): boolean {
  const mb = (kb: number) => (kb / 1024).toFixed(1);
  const range = (r: Range) => `${mb(r.floor)}–${mb(r.peak)}`;
  console.log("\nminute | wallet RSS MB (floor–peak) | discount RSS MB (floor–peak)");
  byMinute.forEach((m, i) => {
    const label = `${i + 1}${i < warmup ? "w" : " "}`.padStart(6);
    console.log(`${label} | ${range(m.wallet).padStart(26)} | ${range(m.discount).padStart(28)}`);
  });
  if (byMinute.length < warmup + 2) {
    console.log("memory: not judged, fewer than two measured minutes were sampled (k6 stopped early)");
    return false;
  }
  const first = byMinute[warmup] as Minute;
  const last = byMinute[byMinute.length - 1] as Minute;
  const growth = (service: Service, of: keyof Range) => (last[service][of] - first[service][of]) / first[service][of];
  const pct = (g: number) => `${g >= 0 ? "+" : ""}${(g * 100).toFixed(1)} %`;
  const retained = { wallet: growth("wallet", "floor"), discount: growth("discount", "floor") };
  console.log(
    `retained RSS (floor) from minute ${warmup + 1} to minute ${byMinute.length}: ` +
      `wallet ${pct(retained.wallet)}, discount ${pct(retained.discount)}`,
  );
  console.log(
    `  for reference, peaks: wallet ${pct(growth("wallet", "peak"))}, discount ${pct(growth("discount", "peak"))}`,
  );
  const tooMuch = retained.wallet >= MAX_RSS_GROWTH || retained.discount >= MAX_RSS_GROWTH;
  if (tooMuch) console.log(`FAIL: retained RSS grew ${MAX_RSS_GROWTH * 100} % or more`);
  return tooMuch;
}
