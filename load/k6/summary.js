/**
 * The end-of-test summary every script exports as handleSummary: k6's usual text on
 * stdout, and the same text plus the whole summary as JSON under RESULTS_DIR
 * (default load/results, git-ignored), named <script>-<UTC time>.{txt,json}.
 *
 * k6 v0.48 has no text summary of its own once handleSummary is defined (only the remote
 * jslib k6-summary, which needs the network), so the text is made here. k6 does not
 * create directories: the directory must exist (load/results/ is kept in git), and the
 * run must start from the repository root, as every command in load/README.md does.
 */
import { env, PROFILE } from "./config.js";

const RESULTS_DIR = env("RESULTS_DIR", "load/results");

const round = (value, digits) => String(Math.round(value * 10 ** digits) / 10 ** digits);

/** Milliseconds as k6 shows them: µs below 1 ms, s from 1 s, m from a minute. */
function duration(ms) {
  if (ms < 1) return `${round(ms * 1000, 2)}µs`;
  if (ms < 1000) return `${round(ms, 2)}ms`;
  if (ms < 60000) return `${round(ms / 1000, 2)}s`;
  return `${Math.floor(ms / 60000)}m${round((ms % 60000) / 1000, 1)}s`;
}

function bytes(n) {
  const units = ["B", "kB", "MB", "GB"];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${round(value, 1)} ${units[unit]}`;
}

/** One metric's values in k6's order: trends by summaryTrendStats, counters as count and rate, rates as a share. */
function values(metric, trendStats) {
  const v = metric.values;
  const show = (n) => (metric.contains === "time" ? duration(n) : metric.contains === "data" ? bytes(n) : round(n, 2));
  if (metric.type === "trend") return trendStats.map((stat) => `${stat}=${show(v[stat])}`).join(" ");
  if (metric.type === "counter") {
    const rate = metric.contains === "data" ? `${bytes(v.rate)}/s` : `${round(v.rate, 2)}/s`;
    return `${show(v.count)} ${rate}`;
  }
  if (metric.type === "rate") return `${round(v.rate * 100, 2)}% ✓ ${v.passes} ✗ ${v.fails}`;
  return `${show(v.value)} min=${show(v.min)} max=${show(v.max)}`;
}

/** Every check of a group and its subgroups, ✓ when all passed, with the failure share otherwise. */
function checkLines(group, indent, lines) {
  if (group.name) lines.push(`${indent}█ ${group.name}`);
  const inner = group.name ? `${indent}  ` : indent;
  for (const c of group.checks) {
    const total = c.passes + c.fails;
    lines.push(`${inner}${c.fails === 0 ? "✓" : "✗"} ${c.name}`);
    if (c.fails > 0) lines.push(`${inner}  ↳ ${round((c.passes / total) * 100, 2)}% — ✓ ${c.passes} / ✗ ${c.fails}`);
  }
  for (const g of group.groups) checkLines(g, inner, lines);
}

/** The text summary: checks, then every metric (✓/✗ before those with thresholds, failed thresholds named). */
export function textSummary(data, script) {
  const lines = [`${script}: profile ${PROFILE}, ${duration(data.state.testRunDurationMs)}`, ""];
  checkLines(data.root_group, "  ", lines);
  lines.push("");
  const names = Object.keys(data.metrics).sort();
  const width = Math.max(...names.map((n) => n.length)) + 3;
  let failed = 0;
  for (const name of names) {
    const metric = data.metrics[name];
    const thresholds = metric.thresholds || {};
    const broken = Object.keys(thresholds).filter((t) => !thresholds[t].ok);
    failed += broken.length;
    const mark = Object.keys(thresholds).length === 0 ? " " : broken.length === 0 ? "✓" : "✗";
    const dots = ".".repeat(width - name.length);
    const why = broken.length > 0 ? `   (failed: ${broken.join(", ")})` : "";
    lines.push(`  ${mark} ${name}${dots}: ${values(metric, data.options.summaryTrendStats)}${why}`);
  }
  lines.push("", failed === 0 ? "thresholds: all held" : `thresholds: ${failed} failed`, "");
  return lines.join("\n");
}

/**
 * A handleSummary for `script` (e.g. "smoke"): the text on stdout, and text and JSON in
 * RESULTS_DIR. The JSON is k6's summary with the script and profile added, without
 * setup_data: that holds the admin and service tokens, which must not land in a file.
 */
export function summaryWriter(script) {
  return function handleSummary(data) {
    const text = textSummary(data, script);
    const base = `${RESULTS_DIR}/${script}-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    const { state, options, metrics, root_group } = data;
    const json = JSON.stringify({ script, profile: PROFILE, state, options, metrics, root_group }, null, 2);
    return { stdout: text, [`${base}.txt`]: text, [`${base}.json`]: json };
  };
}
