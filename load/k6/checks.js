/**
 * Checks that cannot end an iteration by throwing, and the bookkeeping of the
 * end-of-run verification in teardown() (checks tagged phase:verify).
 */
import { check, group } from "k6";
import { envBool } from "./config.js";

/**
 * k6's check(), except that a check function that throws (e.g. reading a field of a
 * body that is not JSON) counts as a failed check instead of ending the iteration,
 * where it would skip every later check and leave the `checks` threshold green.
 */
let verifyFailures = 0;

export function verify(value, sets, tags) {
  const safe = {};
  for (const name of Object.keys(sets)) {
    const fn = sets[name];
    safe[name] = (v) => {
      try {
        return Boolean(fn(v));
      } catch (_error) {
        return false;
      }
    };
  }
  const passed = check(value, safe, tags);
  if (!passed && tags && tags.phase === "verify") verifyFailures++;
  return passed;
}

/**
 * Ends a teardown(). Its checks (tagged phase:verify) already count toward the `checks`
 * thresholds, so a failed verification fails the run with exit code 99; with
 * VERIFY_THROW=true it also throws, which makes k6 exit with 107 even where a k6
 * version would not count teardown checks.
 */
export function finishVerification(what) {
  if (verifyFailures > 0 && envBool("VERIFY_THROW", false)) {
    throw new Error(`${what}: ${verifyFailures} verification check(s) failed`);
  }
}

/** A group whose exception is recorded as a failed check (and logged) rather than ending the iteration. */
export function step(name, fn) {
  group(name, () => {
    try {
      fn();
    } catch (error) {
      console.error(`${name}: ${error}`);
      check(null, { [`${name}: ran to the end`]: () => false });
    }
  });
}

/** Logs what failed in teardown, so a failed `checks{phase:verify}` threshold has its reasons next to it. */
export function logFailures(title, failures) {
  if (failures.length === 0) return;
  console.error(`${title}: ${failures.length} problem(s); first ones:\n  ${failures.slice(0, 20).join("\n  ")}`);
}
