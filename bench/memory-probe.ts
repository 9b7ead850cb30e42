/**
 * Preloaded into a server by bench/memory-floor.ts (BUN_OPTIONS="--preload <this file>"): what
 * the process's resident memory is made of at its highest, and how much of its JS heap is live.
 *
 *   MEMORY_PROBE_OUT         the JSON file (a MemoryProbeReport) rewritten whenever it changes
 *   MEMORY_PROBE_COLLECT_MS  if set, a full collection this often, and the heap's size after it:
 *                            the live heap. Collections move the peak, so such a run is for this only.
 */

import { fullGC, heapStats } from "bun:jsc";
import { readFileSync, writeFileSync } from "node:fs";

export interface MemoryProbeReport {
  /** At the highest resident size the samples saw. */
  peak: { rssMb: number; fileBackedMb: number; heapCapacityMb: number };
  /** [epoch ms, heap MB after a full collection], one per MEMORY_PROBE_COLLECT_MS. */
  live: [number, number][];
}

/** Often enough to catch a peak that a full collection ends within a few hundred ms. */
const SAMPLE_MS = 50;
const MB = 1024 * 1024;

/** Pages backed by files, Bun's executable above all: shared with every Bun process, and none of ours. */
function fileBackedMb(): number {
  return Number(/RssFile:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1]) / 1024;
}

function startProbe(out: string, collectMs: number): void {
  const report: MemoryProbeReport = { peak: { rssMb: 0, fileBackedMb: 0, heapCapacityMb: 0 }, live: [] };
  const save = () => writeFileSync(out, JSON.stringify(report));
  setInterval(() => {
    const rssMb = process.memoryUsage.rss() / MB;
    if (rssMb <= report.peak.rssMb) return;
    // heapStats walks the heap: paid only when a new peak is seen.
    report.peak = { rssMb, fileBackedMb: fileBackedMb(), heapCapacityMb: heapStats().heapCapacity / MB };
    save();
  }, SAMPLE_MS).unref();
  if (collectMs > 0) {
    setInterval(() => {
      report.live.push([Date.now(), fullGC() / MB]);
      save();
    }, collectMs).unref();
  }
}

const out = process.env.MEMORY_PROBE_OUT;
if (out) startProbe(out, Number(process.env.MEMORY_PROBE_COLLECT_MS ?? 0));
