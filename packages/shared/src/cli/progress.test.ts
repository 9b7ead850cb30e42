import { expect, test } from "bun:test";
import { ConfigError, envReader } from "../env";
import {
  barOf,
  etaOf,
  formatDuration,
  type ProgressSettings,
  plainLine,
  progressSettingsOf,
  rateOf,
  readProgressSettings,
  startProgress,
  terminalLine,
} from "./progress";

/** An output that keeps what was written, and a clock the test moves by hand. */
function harness(tty: boolean, everyMs = 5_000) {
  const written: string[] = [];
  let clock = 0;
  const settings: ProgressSettings = { out: { write: (text) => written.push(text) }, tty, everyMs, now: () => clock };
  return {
    settings,
    written,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

const half = { label: "coupons", unit: "codes", done: 50_000, total: 100_000, elapsedMs: 4_000 };

test("durations read as seconds, minutes and seconds, or hours and minutes", () => {
  expect(formatDuration(0)).toBe("0s");
  expect(formatDuration(59_400)).toBe("59s");
  expect(formatDuration(65_000)).toBe("1m05s");
  expect(formatDuration(2 * 3_600_000 + 3 * 60_000 + 40_000)).toBe("2h03m");
});

test("the rate is the count over the time so far, and the ETA is what is left at that rate", () => {
  expect(rateOf(half)).toBe(12_500);
  expect(etaOf(half)).toBe(4_000);
  expect(rateOf({ ...half, done: 0 })).toBeUndefined();
  expect(etaOf({ ...half, elapsedMs: 0 })).toBeUndefined();
  expect(etaOf({ ...half, total: undefined })).toBeUndefined();
});

test("the bar fills in proportion and never spills over either end", () => {
  expect(barOf(0.5, 10)).toBe("[#####.....]");
  expect(barOf(0, 4)).toBe("[....]");
  expect(barOf(1.7, 4)).toBe("[####]");
  expect(barOf(-1, 4)).toBe("[....]");
});

test("a terminal line shows bar, percent, count, rate and ETA, and the run's time once finished", () => {
  expect(terminalLine(half)).toBe("coupons [############............] 50% 50,000/100,000 codes 12,500/s ETA 4s");
  expect(terminalLine({ ...half, done: 100_000 }, true)).toBe(
    "coupons [########################] 100% 100,000/100,000 codes 25,000/s in 4s",
  );
  expect(terminalLine({ ...half, done: 0, elapsedMs: 0 })).toContain("0% 0/100,000 codes -/s ETA ?");
});

test("a line too wide for the terminal narrows its bar, then shortens its label, never its numbers", () => {
  const numbers = "50% 50,000/100,000 codes 12,500/s ETA 4s";
  const narrower = terminalLine({ ...half, label: "archive wallet: writing ledger" }, false, 90);
  expect(narrower).toHaveLength(89);
  expect(narrower).toBe(`archive wallet: writing ledger [########.......] ${numbers}`);
  const cut = terminalLine({ ...half, label: `archive wallet: ${"x".repeat(200)}` }, false, 80);
  expect(cut.length).toBe(79);
  expect(cut).toBe(`archive wallet: ${"x".repeat(8)}… [#####.....] ${numbers}`);
});

test("a plain line says the same in words for a log, and without a total just counts", () => {
  expect(plainLine(half)).toBe("coupons: 50,000/100,000 codes (50%), 12,500/s, ETA 4s");
  expect(plainLine({ ...half, total: undefined })).toBe("coupons: 50,000 codes, 12,500/s");
  expect(plainLine({ ...half, total: undefined }, true)).toBe("coupons: 50,000 codes, 12,500/s, in 4s");
  expect(terminalLine({ ...half, total: undefined })).toBe("coupons 50,000 codes 12,500/s 4s");
  expect(plainLine({ label: "backup", unit: "MB", done: 0.25, total: 0.5, elapsedMs: 1_000 })).toBe(
    "backup: 0.3/0.5 MB (50%), 0.3/s, ETA 1s",
  );
});

test("on a terminal the line is redrawn in place at most ten times a second and ends with a newline", () => {
  const { settings, written, advance } = harness(true);
  const progress = startProgress(settings, { label: "rows", unit: "rows", total: 1_000 });
  expect(written).toEqual([
    `\r\x1b[2K${terminalLine({ label: "rows", unit: "rows", total: 1_000, done: 0, elapsedMs: 0 })}`,
  ]);
  // A thousand updates a millisecond apart: one redraw per 100 ms.
  for (let done = 1; done <= 1_000; done++) {
    advance(1);
    progress.update(done);
  }
  progress.finish();
  const redraws = written.slice(1, -1);
  expect(redraws).toHaveLength(9);
  for (const line of written) expect(line.startsWith("\r\x1b[2K")).toBe(true);
  expect(written.at(-1)).toMatch(/\[#{24}\] 100% 1,000\/1,000 rows 1,000\/s in 1s\n$/);
  expect(written.join("")).not.toContain("\n\r");
});

test("off a terminal a plain line is printed every period, and one at the end", () => {
  const { settings, written, advance } = harness(false, 5_000);
  const progress = startProgress(settings, { label: "backup", unit: "MB", total: 120 });
  expect(written).toEqual([]);
  for (let second = 1; second <= 12; second++) {
    advance(1_000);
    progress.update(second * 10);
  }
  progress.finish();
  progress.finish();
  expect(written).toEqual([
    "backup: 50/120 MB (41%), 10/s, ETA 7s\n",
    "backup: 100/120 MB (83%), 10/s, ETA 2s\n",
    "backup: 120/120 MB (100%), 10/s, in 12s\n",
  ]);
});

test("a note on a terminal, on stderr or stdout, goes above the bar, which is drawn again under it", () => {
  const { settings, written } = harness(true);
  const progress = startProgress(settings, { label: "reconcile", unit: "winners", total: 10 });
  written.length = 0;
  progress.note("reconcile: rank 3 refused");
  expect(written.slice(0, 2)).toEqual(["\r\x1b[2K", "reconcile: rank 3 refused\n"]);
  expect(written[2]).toStartWith("\r\x1b[2Kreconcile [");
  // A data line for stdout goes there; the bar's line is cleared before it and drawn after it.
  const data: string[] = [];
  written.length = 0;
  progress.note("CODE1234", { write: (text) => data.push(text) });
  expect(data).toEqual(["CODE1234\n"]);
  expect(written[0]).toBe("\r\x1b[2K");
  expect(written[1]).toStartWith("\r\x1b[2Kreconcile [");
  progress.finish();
  written.length = 0;
  progress.note("after");
  expect(written).toEqual(["after\n"]);
});

test("settings: only a terminal other than TERM=dumb gets the redrawn line; a bad period is a config error", () => {
  const terminal = { write: () => true, isTTY: true };
  expect(readProgressSettings(envReader({}), terminal)).toMatchObject({ tty: true, everyMs: 5_000 });
  expect(readProgressSettings(envReader({ TERM: "dumb" }), terminal).tty).toBe(false);
  expect(readProgressSettings(envReader({}), { write: () => true }).tty).toBe(false);
  expect(readProgressSettings(envReader({ PROGRESS_EVERY_MS: "250" }), terminal).everyMs).toBe(250);
  expect(() => progressSettingsOf({ PROGRESS_EVERY_MS: "soon" })).toThrow(ConfigError);
});
