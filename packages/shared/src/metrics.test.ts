import { expect, test } from "bun:test";
import { Registry } from "./metrics";

test("the same labels in any order count into one series", () => {
  const registry = new Registry();
  const claims = registry.counter("claims_total", "Claims by outcome");
  claims.inc({ outcome: "won", campaign: "IRAN" });
  claims.inc({ campaign: "IRAN", outcome: "won" }, 2);
  claims.inc({ campaign: "IRAN", outcome: "sold-out" });
  expect(claims.get({ outcome: "won", campaign: "IRAN" })).toBe(3);
  expect(registry.render()).toContain('claims_total{campaign="IRAN",outcome="won"} 3');
  expect(registry.render()).toContain('claims_total{campaign="IRAN",outcome="sold-out"} 1');
});

test("label values are escaped as the Prometheus text format requires", () => {
  const registry = new Registry();
  registry.counter("odd_total", "Odd labels").inc({ route: 'a"b\\c\nd' });
  expect(registry.render()).toContain('odd_total{route="a\\"b\\\\c\\nd"} 1');
});

test("a histogram's buckets are cumulative and its count and sum add up", () => {
  const registry = new Registry();
  const latency = registry.histogram("latency_seconds", "Latency", [0.01, 0.1]);
  for (const seconds of [0.005, 0.05, 0.5]) latency.observe({ route: "/x" }, seconds);
  const text = registry.render();
  expect(text).toContain('latency_seconds_bucket{route="/x",le="0.01"} 1');
  expect(text).toContain('latency_seconds_bucket{route="/x",le="0.1"} 2');
  expect(text).toContain('latency_seconds_bucket{route="/x",le="+Inf"} 3');
  expect(text).toContain('latency_seconds_count{route="/x"} 3');
  expect(text).toContain('latency_seconds_sum{route="/x"} 0.555');
});

test("a bound series adds to the same series as the labels it was bound with", () => {
  const registry = new Registry();
  const claims = registry.counter("claims_total", "Claims by outcome");
  const latency = registry.histogram("latency_seconds", "Latency", [0.01]);
  const soldOut = claims.series({ outcome: "sold-out", campaign: "IRAN" });
  const timed = latency.series({ route: "/x" });
  soldOut.inc();
  soldOut.inc(2);
  claims.inc({ campaign: "IRAN", outcome: "sold-out" });
  timed.observe(0.005);
  latency.observe({ route: "/x" }, 0.5);
  expect(claims.get({ campaign: "IRAN", outcome: "sold-out" })).toBe(4);
  const text = registry.render();
  expect(text.match(/claims_total\{/g)).toHaveLength(1);
  expect(text).toContain('latency_seconds_bucket{route="/x",le="0.01"} 1');
  expect(text).toContain('latency_seconds_count{route="/x"} 2');
});
