import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "@matchday/testkit/processes";

const FIXTURES = join(REPO_ROOT, "packages/client/type-tests");
const TSC = join(REPO_ROOT, "node_modules/.bin/tsc");

/** Runs the compiler over one fixture, as `bun run typecheck` would over the repository. */
async function compile(fixture: "wrong" | "right") {
  const proc = Bun.spawn([process.execPath, TSC, "--noEmit", "--pretty", "false", "-p", `tsconfig.${fixture}.json`], {
    cwd: FIXTURES,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, stdout] = await Promise.all([proc.exited, new Response(proc.stdout).text()]);
  const errors = [...stdout.matchAll(/^(\S+)\((\d+),\d+\): error (TS\d+)/gm)].map(([, file, line, error]) => ({
    file,
    line: Number(line),
    error,
  }));
  return { code, stdout, errors };
}

/** The fixture's own claims: `// expect TSnnnn` at the end of each line that must not compile. */
function expectedErrors() {
  return readFileSync(join(FIXTURES, "wrong-body.ts"), "utf8")
    .split("\n")
    .flatMap((text, i) => {
      const marker = /\/\/ expect (TS\d+)$/.exec(text);
      return marker ? [{ file: "wrong-body.ts", line: i + 1, error: marker[1] }] : [];
    });
}

test("a wrong body shape or a missing Idempotency-Key is a compile error, on the line that has it; the twin done right compiles", async () => {
  const [wrong, right] = await Promise.all([compile("wrong"), compile("right")]);
  expect([right.code, right.stdout]).toEqual([0, ""]);
  expect(wrong.code).not.toBe(0);
  expect(expectedErrors()).toHaveLength(4);
  expect(wrong.errors).toEqual(expectedErrors());
}, 60_000);
