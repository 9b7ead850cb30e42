/** What every bench prints: a table of phases with throughput, latency and the ratio to a baseline. */

export interface Row {
  name: string;
  ops: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU µs per answer (every process that served it), when the bench measured it. */
  cpuUs?: number;
}

/** A positive integer from `--flag N` or an env var, else the fallback. */
export function option(flag: string, envVar: string, fallback: number): number {
  const at = process.argv.indexOf(flag);
  const raw = at >= 0 ? process.argv[at + 1] : process.env[envVar];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${flag} / ${envVar} must be a positive integer`);
  return value;
}

export function percentile(sortedMs: number[], p: number): number {
  return sortedMs[Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1)] ?? Number.NaN;
}

/** The middle of the values (the upper one of an even count); NaN for none. */
export const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/**
 * Each round's `a` over the same round's `b`, and the median of those ratios. A round's pair
 * runs back to back, so its ratio cancels most of this machine's drift, which has minutes at
 * half speed; two medians taken apart may come from a slow minute and a fast one.
 */
export function pairedRatios(a: number[], b: number[]): { ratio: number; rounds: number[] } {
  const rounds = a.map((value, i) => value / (b[i] ?? Number.NaN));
  return { ratio: median(rounds), rounds };
}

export function printTable(rows: Row[], baseline: Row): void {
  const rate = (r: Row) => r.ops / r.seconds;
  const withCpu = rows.some((r) => r.cpuUs !== undefined);
  const cells = rows.map((r) => [
    r.name,
    String(r.ops),
    r.seconds.toFixed(2),
    rate(r).toFixed(0),
    Number.isNaN(r.p50Ms) ? "-" : r.p50Ms.toFixed(2),
    Number.isNaN(r.p99Ms) ? "-" : r.p99Ms.toFixed(2),
    `${(rate(r) / rate(baseline)).toFixed(2)}x`,
    ...(withCpu ? [r.cpuUs === undefined ? "-" : r.cpuUs.toFixed(1)] : []),
  ]);
  const header = ["name", "ops", "seconds", "ops/s", "p50 ms", "p99 ms", "vs baseline"];
  if (withCpu) header.push("CPU µs/op");
  for (const line of columns(header, cells)) console.log(line);
}

/** A header and rows as aligned lines: the first column (names) left-aligned, the numbers right-aligned. */
export function columns(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]?.length ?? 0)));
  const line = (row: string[]) =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join("  ");
  return [header, ...rows].map(line);
}
