import { expect, test } from "bun:test";
import { BoundedMap } from "./bounded-map";

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

test("it never holds more than its limit, and what it drops is older than everything it keeps", () => {
  const map = new BoundedMap<number, string>(100);
  for (const n of range(0, 1_000)) {
    map.set(n, `v${n}`);
    expect(map.size).toBeLessThanOrEqual(100);
    const kept = range(0, n + 1).filter((k) => map.has(k));
    // Kept keys are the newest ones, without a gap: nothing older survives something newer.
    expect(kept).toEqual(range(n + 1 - kept.length, n + 1));
    expect(kept.length).toBeGreaterThanOrEqual(Math.min(n + 1, 50));
  }
  expect(map.get(999)).toBe("v999");
});

test("each entry the bound drops is reported once, and one deleted by hand is not", () => {
  const dropped: [number, string][] = [];
  const map = new BoundedMap<number, string>(4, (key, value) => dropped.push([key, value]));
  for (const n of range(0, 4)) map.set(n, `v${n}`);
  map.delete(1);
  for (const n of range(4, 8)) map.set(n, `v${n}`);
  expect(dropped).toEqual([
    [0, "v0"],
    [2, "v2"],
    [3, "v3"],
  ]);
  expect(range(0, 8).filter((k) => map.has(k))).toEqual([4, 5, 6, 7]);
});

test("setting a key it holds changes the value and keeps its age", () => {
  const map = new BoundedMap<string, number>(4);
  map.set("a", 1);
  map.set("b", 2);
  map.set("c", 3);
  map.set("a", 10); // held in the older generation: stays there
  map.set("d", 4);
  expect(map.get("a")).toBe(10);
  map.set("e", 5); // the generation holding a and b is dropped
  expect(map.has("a")).toBe(false);
  expect(map.get("e")).toBe(5);
});

test("a deleted key is gone from either generation", () => {
  const map = new BoundedMap<string, number>(4);
  for (const [i, key] of ["a", "b", "c"].entries()) map.set(key, i);
  expect(map.delete("a")).toBe(true);
  expect(map.delete("c")).toBe(true);
  expect(map.delete("c")).toBe(false);
  expect([map.has("a"), map.has("b"), map.has("c"), map.size]).toEqual([false, true, false, 1]);
});

test("clear lets every entry of both generations go, reports none as dropped, and the map fills again", () => {
  const dropped: number[] = [];
  const map = new BoundedMap<number, string>(4, (key) => dropped.push(key));
  for (const n of range(0, 4)) map.set(n, `v${n}`);
  map.clear();
  expect(map.size).toBe(0);
  expect(range(0, 4).some((n) => map.has(n))).toBe(false);
  map.set(9, "v9");
  expect(map.get(9)).toBe("v9");
  expect(dropped).toEqual([]);
});
