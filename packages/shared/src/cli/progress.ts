/**
 * Progress of a long operator command, always on stderr: stdout may carry the command's
 * data (coupon codes, a table), and a pipe must get that alone. On a terminal: one line
 * redrawn in place, at most ten times a second, with a bar, percent, count, rate and ETA.
 * Anywhere else (CI logs, a file): a plain line every few seconds, and one at the end, so
 * a log shows the run is alive without a line per page.
 */
import { type Env, type EnvReader, envReader } from "../env";

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  /** A terminal's width: a line that wrapped could not be redrawn in place. */
  columns?: number;
}

export interface ProgressSettings {
  out: ProgressOutput;
  /** Redraw one line in place rather than print lines. */
  tty: boolean;
  /** How often a plain line is printed when not on a terminal. */
  everyMs: number;
  /** Milliseconds from any fixed start; tests pass their own clock. */
  now: () => number;
}

/** What one step of a command counts: `label` starts every line, `unit` names what is counted. */
export interface ProgressTask {
  label: string;
  unit: string;
  /** Undefined when the command cannot know it: no bar, percent or ETA then. */
  total?: number;
}

export interface ProgressState extends ProgressTask {
  done: number;
  elapsedMs: number;
}

export interface Progress {
  update(done: number): void;
  /**
   * A line of its own, printed above the bar without tearing it: on stderr, or on `to`
   * (stdout, for a command's data) when that is the same terminal.
   */
  note(message: string, to?: ProgressOutput): void;
  finish(): void;
}

const TTY_REDRAW_MS = 100;
const BAR_WIDTH = 24;
const MIN_BAR = 10;
const DEFAULT_COLUMNS = 80;
/** Back to the start of the line and clear it: the next draw replaces the last. */
const REDRAW = "\r\x1b[2K";

/** PROGRESS_EVERY_MS sets the plain lines' period; TERM=dumb terminals get plain lines too. */
export function readProgressSettings(read: EnvReader, out: ProgressOutput = process.stderr): ProgressSettings {
  return {
    out,
    tty: out.isTTY === true && read.optional("TERM") !== "dumb",
    everyMs: read.int("PROGRESS_EVERY_MS", 5_000, 100, 3_600_000),
    now: () => performance.now(),
  };
}

/** The settings for a tool that reads no other env through a reader; throws a ConfigError. */
export function progressSettingsOf(env: Env): ProgressSettings {
  const read = envReader(env);
  const settings = readProgressSettings(read);
  read.done();
  return settings;
}

/** Whole numbers with thousands separators; a fraction under 10 (0.4 MB, 2.5/s) keeps one decimal. */
const count = (n: number) => (n < 10 && !Number.isInteger(n) ? n.toFixed(1) : Math.round(n).toLocaleString("en"));

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${two(seconds % 60)}s`;
  return `${Math.floor(seconds / 3600)}h${two(Math.floor((seconds % 3600) / 60))}m`;
}

/** Units per second over the whole run so far; undefined before anything was timed. */
export function rateOf({ done, elapsedMs }: ProgressState): number | undefined {
  return elapsedMs > 0 && done > 0 ? done / (elapsedMs / 1000) : undefined;
}

/** Milliseconds left at the rate so far; undefined without a total or a rate. */
export function etaOf(state: ProgressState): number | undefined {
  const rate = rateOf(state);
  if (state.total === undefined || rate === undefined) return undefined;
  return (Math.max(state.total - state.done, 0) / rate) * 1000;
}

export function barOf(fraction: number, width = BAR_WIDTH): string {
  const full = Math.round(Math.min(Math.max(fraction, 0), 1) * width);
  return `[${"#".repeat(full)}${".".repeat(width - full)}]`;
}

/** The parts both kinds of line share: "21,000/50,000 codes", "42%", "12,345/s", "ETA 3s" or "in 4s". */
function parts(state: ProgressState, final: boolean) {
  const { done, total, unit } = state;
  const fraction = total === undefined ? undefined : total === 0 ? 1 : done / total;
  const rate = rateOf(state);
  const eta = etaOf(state);
  return {
    fraction,
    counted: `${count(done)}${total === undefined ? "" : `/${count(total)}`} ${unit}`,
    percent: fraction === undefined ? undefined : `${Math.floor(fraction * 100)}%`,
    rate: `${rate === undefined ? "-" : count(rate)}/s`,
    time: final ? `in ${formatDuration(state.elapsedMs)}` : eta === undefined ? "ETA ?" : `ETA ${formatDuration(eta)}`,
  };
}

/**
 * "coupons [##########..............] 42% 21,000/50,000 codes 12,345/s ETA 3s". A line must
 * stay narrower than the terminal (`columns`) or it wraps and cannot be redrawn: the bar
 * narrows first, then the label is cut short.
 */
export function terminalLine(state: ProgressState, final = false, columns = Number.POSITIVE_INFINITY): string {
  const p = parts(state, final);
  const time = p.fraction === undefined && !final ? formatDuration(state.elapsedMs) : p.time;
  const numbers = [p.percent, p.counted, p.rate, time].filter((part) => part !== undefined).join(" ");
  // Everything but the bar, plus the spaces and brackets around it.
  const width = columns - 1 - (state.label.length + numbers.length + 4);
  const bar = p.fraction === undefined ? "" : `${barOf(p.fraction, Math.min(Math.max(width, MIN_BAR), BAR_WIDTH))} `;
  const rest = `${bar}${numbers}`;
  const room = Math.max(columns - rest.length - 2, 1);
  const label = state.label.length <= room ? state.label : `${state.label.slice(0, room - 1)}…`;
  return `${label} ${rest}`;
}

/** "coupons: 21,000/50,000 codes (42%), 12,345/s, ETA 3s" */
export function plainLine(state: ProgressState, final = false): string {
  const p = parts(state, final);
  const percent = p.percent === undefined ? "" : ` (${p.percent})`;
  const time = p.fraction === undefined && !final ? [] : [p.time];
  return `${state.label}: ${[`${p.counted}${percent}`, p.rate, ...time].join(", ")}`;
}

export function startProgress(settings: ProgressSettings, task: ProgressTask): Progress {
  const { out, tty, now } = settings;
  const started = now();
  let done = 0;
  let shownAt = started;
  let finished = false;
  const state = (): ProgressState => ({ ...task, done, elapsedMs: now() - started });
  // A terminal that does not say its width (0 on a bare pseudo-terminal) is taken as the classic 80.
  const line = (final = false) => terminalLine(state(), final, out.columns || DEFAULT_COLUMNS);
  const draw = () => out.write(`${REDRAW}${line()}`);
  if (tty) draw();
  return {
    update(value) {
      done = value;
      const at = now();
      // The last count is shown by finish(), with the run's time.
      if (finished || done === task.total || at - shownAt < (tty ? TTY_REDRAW_MS : settings.everyMs)) return;
      shownAt = at;
      if (tty) draw();
      else out.write(`${plainLine(state())}\n`);
    },
    note(message, to = out) {
      if (!tty || finished) {
        to.write(`${message}\n`);
        return;
      }
      out.write(REDRAW);
      to.write(`${message}\n`);
      draw();
    },
    finish() {
      if (finished) return;
      finished = true;
      out.write(tty ? `${REDRAW}${line(true)}\n` : `${plainLine(state(), true)}\n`);
    },
  };
}
