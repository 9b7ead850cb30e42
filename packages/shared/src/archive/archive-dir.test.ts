import { afterAll, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ArchiveDir } from "./archive-dir";
import { MANIFEST_FILE } from "./manifest";

const root = mkdtempSync(join(tmpdir(), "matchday-archive-dir-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function* onePage() {
  yield [{ id: 1, phone: "+989121234567" }];
}

const modeOf = (path: string) => statSync(path).mode & 0o777;

test("archive files and the manifest hold phones, so they are owner-only (0600)", async () => {
  const dir = new ArchiveDir(join(root, "fresh"));
  await dir.write("ledger-2026-01.jsonl.gz", onePage());
  dir.saveManifest({ version: 1, lastRunAt: null, files: [] });
  for (const name of readdirSync(dir.path)) expect([name, modeOf(join(dir.path, name))]).toEqual([name, 0o600]);
});

test("a world-readable leftover from a crashed run does not make the archive file or manifest readable", async () => {
  const dir = new ArchiveDir(join(root, "leftovers"));
  const name = "ledger-2026-02.jsonl.gz";
  for (const leftover of [`${name}.partial`, `${MANIFEST_FILE}.partial`]) {
    writeFileSync(join(dir.path, leftover), "half a file");
    chmodSync(join(dir.path, leftover), 0o644);
  }
  await dir.write(name, onePage());
  dir.saveManifest({ version: 1, lastRunAt: null, files: [] });
  expect(modeOf(join(dir.path, name))).toBe(0o600);
  expect(modeOf(join(dir.path, MANIFEST_FILE))).toBe(0o600);
});
