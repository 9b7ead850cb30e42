/**
 * Configuration of a run: the -e variables (k6 -e NAME=value, or the process
 * environment), durations, the services' URLs and the options every script shares.
 */

/** One environment variable (k6 -e NAME=value, or the process environment), trimmed; undefined when empty. */
export function env(name, fallback) {
  const raw = __ENV[name];
  if (raw === undefined || raw === null) return fallback;
  const value = String(raw).trim();
  return value === "" ? fallback : value;
}

export function envInt(name, fallback, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
  const raw = env(name);
  if (raw === undefined) return fallback;
  const value = Number(raw.replace(/_/g, ""));
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer in ${min}..${max}, got "${raw}"`);
  }
  return value;
}

export function envNumber(name, fallback) {
  const raw = env(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got "${raw}"`);
  return value;
}

export function envBool(name, fallback) {
  const raw = env(name);
  if (raw === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const DURATION_WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|h|m|s))+$/;
const UNIT_SECONDS = { h: 3600, m: 60, s: 1, ms: 0.001 };

/** A k6 duration string ("30s", "1m30s", "500ms", "2h") in seconds. */
export function durationSeconds(text) {
  if (!DURATION_WHOLE.test(text)) throw new Error(`not a duration: "${text}" (use e.g. 30s, 5m, 1m30s)`);
  let seconds = 0;
  DURATION_PART.lastIndex = 0;
  for (let match = DURATION_PART.exec(text); match !== null; match = DURATION_PART.exec(text)) {
    seconds += Number(match[1]) * UNIT_SECONDS[match[2]];
  }
  return seconds;
}

/** A duration from the environment, validated, as the k6 string. */
export function envDuration(name, fallback) {
  const value = env(name, fallback);
  durationSeconds(value);
  return value;
}

const stripSlash = (url) => url.replace(/\/+$/, "");

export const DISCOUNT_URL = stripSlash(env("DISCOUNT_URL", "http://127.0.0.1:3002"));
export const WALLET_URL = stripSlash(env("WALLET_URL", "http://127.0.0.1:3001"));

/** Options every script shares; TLS verification can be skipped for a development CA (INSECURE_TLS=true). */
export function baseOptions() {
  return {
    insecureSkipTLSVerify: envBool("INSECURE_TLS", false),
    // Nothing of ours is a redirect: a 3xx would be a misrouted request, and should be seen as one.
    maxRedirects: 0,
    summaryTrendStats: ["avg", "min", "med", "p(90)", "p(95)", "p(99)", "max"],
  };
}

/**
 * Where a run happens decides how much its latency says (PROFILE=ci|laptop|prod, default laptop).
 * Correctness thresholds (exact winners, no 5xx, every check) are the same in every profile;
 * only the latency bounds differ. P99_MS (and SOLD_OUT_P99_MS) given explicitly still win.
 */
const PROFILES = {
  // A shared CI runner with k6 and both services on two busy cores: latency only catches a stall.
  ci: { p99Ms: 10000 },
  // A developer's machine doing other work too: seconds are a problem, a slow tail is not.
  laptop: { p99Ms: 1000 },
  // Production-sized hosts, k6 on its own: the promise of DESIGN §1 (late arrivals hear "sold out" at once).
  prod: { p99Ms: null, soldOutP99Ms: 50 },
};

export const PROFILE = env("PROFILE", "laptop");
if (Object.keys(PROFILES).indexOf(PROFILE) === -1) {
  throw new Error(`PROFILE must be one of ${Object.keys(PROFILES).join(", ")}, got "${PROFILE}"`);
}

/** The p(99) bound in ms of a script's main requests: P99_MS, else the profile's; `prodMs` is the script's own for prod. */
export function p99Ms(prodMs) {
  const profile = PROFILES[PROFILE];
  return envNumber("P99_MS", profile.p99Ms === null ? prodMs : profile.p99Ms);
}

/** The p(99) bound in ms of sold-out answers: SOLD_OUT_P99_MS, else the profile's; undefined when not judged. */
export function soldOutP99Ms() {
  return envNumber("SOLD_OUT_P99_MS", PROFILES[PROFILE].soldOutP99Ms);
}
