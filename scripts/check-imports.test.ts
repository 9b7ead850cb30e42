import { afterEach, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { checkImports } from "./check-imports";

let root: string | undefined;

/** A throwaway repo: a root package with workspaces, and the files given, path → source. */
function fixture(files: Record<string, string>): string {
  root = mkdtempSync(join(tmpdir(), "check-imports-"));
  const all: Record<string, string> = {
    "package.json": JSON.stringify({ name: "fixture", workspaces: ["packages/*", "wallet"] }),
    "packages/a/package.json": JSON.stringify({ name: "@fx/a", exports: { "./one": "./src/one.ts" } }),
    "packages/b/package.json": JSON.stringify({ name: "@fx/b" }),
    "wallet/package.json": JSON.stringify({ name: "@fx/wallet" }),
    ...files,
  };
  for (const [path, source] of Object.entries(all)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), source);
  }
  return root;
}

afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

test("a repo whose imports go one way through package exports has no problems", () => {
  const dir = fixture({
    "packages/a/src/one.ts": 'import { two } from "./two";\nexport const one = two + 1;\n',
    "packages/a/src/two.ts": "export const two = 2;\n",
    "packages/b/src/index.ts": 'import { one } from "@fx/a/one";\nexport const b = one;\n',
  });
  expect(checkImports(dir)).toEqual([]);
});

test("a cycle is reported with the files it goes through, even when one edge is type-only", () => {
  const dir = fixture({
    "packages/a/src/one.ts": 'import type { Two } from "./two";\nexport const one = (t: Two) => t;\n',
    "packages/a/src/two.ts": 'import { one } from "./one";\nexport type Two = number;\nexport const x = one;\n',
  });
  expect(checkImports(dir)).toEqual([
    "import cycle: packages/a/src/one.ts → packages/a/src/two.ts → packages/a/src/one.ts",
  ]);
});

test("a cycle through package exports is reported like one through relative paths", () => {
  const dir = fixture({
    "packages/a/src/one.ts": 'import { b } from "@fx/b";\nexport const one = b;\n',
    "packages/b/package.json": JSON.stringify({ name: "@fx/b", exports: { ".": "./src/index.ts" } }),
    "packages/b/src/index.ts": 'import { one } from "@fx/a/one";\nexport const b = one;\n',
  });
  expect(checkImports(dir)).toEqual([
    "import cycle: packages/a/src/one.ts → packages/b/src/index.ts → packages/a/src/one.ts",
  ]);
});

test("a relative import into another workspace package is reported with both packages named", () => {
  const dir = fixture({
    "packages/a/src/one.ts": "export const one = 1;\n",
    "packages/b/src/index.ts": 'import { one } from "../../a/src/one";\nexport const b = one;\n',
  });
  expect(checkImports(dir)).toEqual([
    'packages/b/src/index.ts imports "../../a/src/one" from @fx/a by relative path, leaving @fx/b: use the package\'s exports',
  ]);
});

test("a package subpath that its exports do not name is reported", () => {
  const dir = fixture({
    "packages/a/src/one.ts": "export const one = 1;\n",
    "packages/b/src/index.ts": 'import { one } from "@fx/a/src/one";\nexport const b = one;\n',
  });
  expect(checkImports(dir)).toEqual([
    'packages/b/src/index.ts imports "@fx/a/src/one", which no "exports" entry of that package names',
  ]);
});

test("service source that only tests import, directly or through another such file, is reported", () => {
  const dir = fixture({
    "wallet/src/main.ts": 'import { run } from "./run";\nrun();\n',
    "wallet/src/run.ts": "export const run = () => {};\n",
    "wallet/src/run.test.ts": 'import { run } from "./run";\nimport { fake } from "./fake";\nrun(); fake();\n',
    "wallet/src/fake.ts": 'import { rig } from "./rig";\nexport const fake = rig;\n',
    "wallet/src/rig.ts": "export const rig = () => {};\n",
  });
  expect(checkImports(dir).sort()).toEqual([
    "wallet/src/fake.ts is production source imported only by tests: move it to test tooling",
    "wallet/src/rig.ts is production source imported only by tests: move it to test tooling",
  ]);
});
