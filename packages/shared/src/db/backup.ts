import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createClient } from "@libsql/client";
import { isRemoteDatabase, LocalDatabaseOnlyError } from "./target";

const SIDE_FILES = ["-wal", "-shm"];

export function sha256Of(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** What an operator does instead of `bun run backup` when the database is a libSQL server. */
export const REMOTE_BACKUP_REMEDY =
  "back it up where the server runs (stop sqld and copy its --db-path directory, or use its " +
  "bottomless S3 replication; docs/OPERATIONS.md)";

/**
 * A consistent snapshot of a live database: `VACUUM INTO` reads one transaction's
 * view while the service keeps writing, and writes a compact, self-contained file
 * (no -wal to carry along). The copy is owner-only, like the database.
 */
export async function backupDatabase(url: string, target: string): Promise<{ bytes: number; sha256: string }> {
  // Over a libSQL server, VACUUM INTO would write the copy on the server's disk, not here.
  if (isRemoteDatabase(url))
    throw new LocalDatabaseOnlyError("a backup", "the database URL", url, REMOTE_BACKUP_REMEDY);
  if (existsSync(target)) throw new Error(`${target} already exists`);
  const client = createClient({ url });
  try {
    await client.execute({ sql: "VACUUM INTO ?", args: [target] });
  } finally {
    client.close();
  }
  chmodSync(target, 0o600);
  return { bytes: readFileSync(target).length, sha256: sha256Of(target) };
}

/** Throws unless SQLite finds the file sound. */
export async function checkDatabaseFile(path: string): Promise<void> {
  const client = createClient({ url: `file:${path}` });
  try {
    const { rows } = await client.execute("PRAGMA integrity_check");
    const verdict = rows.map((row) => String(Object.values(row)[0])).join("; ");
    if (verdict !== "ok") throw new Error(`${path} fails SQLite's integrity check: ${verdict}`);
  } finally {
    client.close();
  }
}

/**
 * Puts a backup in the database's place. The service must be stopped. Nothing is
 * lost: the current file and its -wal/-shm move aside under `.before-restore-<stamp>`
 * first, and the backup lands under a temporary name and is renamed in one step.
 */
export function restoreDatabaseFile(backup: string, target: string, stamp: string): { keptAs?: string } {
  const partial = `${target}.restoring`;
  copyFileSync(backup, partial);
  chmodSync(partial, 0o600);
  let keptAs: string | undefined;
  if (existsSync(target)) {
    keptAs = `${target}.before-restore-${stamp}`;
    renameSync(target, keptAs);
  }
  for (const side of SIDE_FILES) {
    if (!existsSync(target + side)) continue;
    if (keptAs) renameSync(target + side, keptAs + side);
    else rmSync(target + side);
  }
  renameSync(partial, target);
  for (const side of SIDE_FILES) rmSync(`${partial}${side}`, { force: true });
  return { keptAs };
}
