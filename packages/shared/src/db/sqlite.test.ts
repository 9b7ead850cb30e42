import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "./sqlite";

let root: string;
let umask: number;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "matchday-sqlite-"));
  // The usual default: without openDatabase's care, new files would be 0644 and dirs 0755.
  umask = process.umask(0o022);
});
afterAll(() => {
  process.umask(umask);
  rmSync(root, { recursive: true, force: true });
});

const modeOf = (path: string) => statSync(path).mode & 0o777;

test("a new database, its -wal and -shm files and its new folder are owner-only", async () => {
  const path = join(root, "data", "fresh.db");
  const client = await openDatabase(`file:${path}`);
  try {
    await client.execute("CREATE TABLE t (v TEXT)");
    await client.execute("INSERT INTO t VALUES ('written through the WAL')");
    const files = [path, `${path}-wal`, `${path}-shm`];
    expect(files.filter((file) => !existsSync(file))).toEqual([]);
    expect(files.map(modeOf)).toEqual([0o600, 0o600, 0o600]);
    expect(modeOf(join(root, "data"))).toBe(0o700);
  } finally {
    client.close();
  }
});
