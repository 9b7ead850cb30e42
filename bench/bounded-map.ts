/**
 * The bounded caches' insert past their limit, in one process: BoundedMap against the
 * Map that evicts `keys().next()` on every insert, which it replaced (issue 18). Keys are
 * shaped like the settled answers' (`code\nphone`); each side is priced in CPU µs per
 * insert (process.cpuUsage), the two alternating within each round, medians over rounds.
 *
 *   bun bench/bounded-map.ts [--rounds 5] [--inserts 200000] [--limit 5000]
 */
import { BoundedMap } from "@matchday/shared/bounded-map";
import { median, option } from "./table";

const rounds = option("--rounds", "BENCH_ROUNDS", 5);
const inserts = option("--inserts", "BENCH_INSERTS", 200_000);
const limit = option("--limit", "BENCH_LIMIT", 5_000);

const keyOf = (i: number) => `IRBR2026\n+98912${String(i).padStart(7, "0")}`;

function evictingFirstKey(): void {
  const map = new Map<string, number>();
  for (let i = 0; i < inserts; i++) {
    if (map.size >= limit) map.delete(map.keys().next().value as string);
    map.set(keyOf(i), i);
  }
}

function bounded(): void {
  const map = new BoundedMap<string, number>(limit);
  for (let i = 0; i < inserts; i++) map.set(keyOf(i), i);
}

function microsPerInsert(work: () => void): number {
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / inserts;
}

const sides = { "Map, evicting keys().next()": evictingFirstKey, BoundedMap: bounded };
const samples = new Map<string, number[]>(Object.keys(sides).map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const [name, work] of Object.entries(sides)) samples.get(name)?.push(microsPerInsert(work));
}
const baseline = median(samples.get("Map, evicting keys().next()") ?? []);
console.log(`${inserts} inserts into a cache bounded at ${limit}; CPU µs per insert, median of ${rounds} rounds`);
for (const [name, xs] of samples) {
  const us = median(xs);
  console.log(
    `  ${name.padEnd(28)} ${us.toFixed(3).padStart(8)} µs   ${(baseline / us).toFixed(1)}x the baseline's speed`,
  );
}
