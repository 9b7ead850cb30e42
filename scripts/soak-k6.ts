/**
 * The soak's and the balanced burst's traffic is k6's (load/k6/*.js); this finds the
 * binary and runs a script. Bun only starts the stack and checks what k6 cannot see
 * from outside (memory, the databases).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));
/** Where the team's machines keep a pinned k6 beside the checkouts. */
const SHARED_K6 = fileURLToPath(new URL("../../shared/tools/k6", import.meta.url));

/** K6_BIN (an error when it names no file), else k6 on the PATH, else ../shared/tools/k6 beside the repository, else null. */
export function locateK6(): string | null {
  const given = process.env.K6_BIN;
  if (given) {
    if (!existsSync(given)) throw new Error(`K6_BIN is ${given}, which does not exist`);
    return given;
  }
  return Bun.which("k6") ?? (existsSync(SHARED_K6) ? SHARED_K6 : null);
}

/** locateK6(), with a readable error when no k6 is there. */
export function findK6(): string {
  const found = locateK6();
  if (found) return found;
  throw new Error(
    `no k6 binary: set K6_BIN=/path/to/k6, put k6 on the PATH, or place it at ${SHARED_K6} ` +
      "(https://grafana.com/docs/k6/latest/set-up/install-k6/)",
  );
}

/** Runs a k6 script (e.g. load/k6/soak.js) with these -e variables, its output shown as it comes; resolves to k6's exit code. */
export async function runK6(k6: string, script: string, vars: Record<string, string>): Promise<number> {
  const args = Object.entries(vars).flatMap(([name, value]) => ["-e", `${name}=${value}`]);
  const proc = Bun.spawn([k6, "run", "--quiet", ...args, script], {
    cwd: REPO_ROOT,
    stdout: "inherit",
    stderr: "inherit",
  });
  return await proc.exited;
}

/** What a k6 exit code means (load/README.md, "Pass, fail and exit codes"). */
export function k6Verdict(code: number): string {
  const meanings: Record<number, string> = {
    0: "every threshold held",
    99: "a threshold failed (see ✗ above)",
    100: "setup() timed out",
    101: "teardown() timed out",
    107: "the script threw (see above)",
    108: "aborted",
  };
  return `k6 exited ${code}: ${meanings[code] ?? "see its output above"}`;
}
