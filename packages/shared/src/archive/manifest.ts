import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { openPrivateFile } from "../private-file";

/** One archive file as the manifest records it. Times are epoch milliseconds. */
export interface ManifestEntry {
  name: string;
  /** The table the rows came from. */
  table: string;
  rows: number;
  bytes: number;
  sha256: string;
  firstId: number;
  lastId: number;
  /** The oldest and newest row's own time (created or redeemed). */
  oldest: number;
  newest: number;
  /** Rows older than this were eligible when the file was written. */
  cutoff: number;
  archivedAt: number;
  /**
   * False between the file being written and its rows being removed from the
   * database. A run that finds an incomplete entry finishes it before anything else.
   */
  complete: boolean;
}

export interface Manifest {
  version: 1;
  /** When the last archiving run finished: the schedule survives restarts by it. */
  lastRunAt: number | null;
  files: ManifestEntry[];
}

export const MANIFEST_FILE = "manifest.json";

export function readManifest(dir: string): Manifest {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) return { version: 1, lastRunAt: null, files: [] };
  return JSON.parse(readFileSync(path, "utf8")) as Manifest;
}

/** Replaces the manifest atomically: a reader sees the old one or the new one, never half. */
export function writeManifest(dir: string, manifest: Manifest): void {
  const temporary = join(dir, `${MANIFEST_FILE}.partial`);
  const fd = openPrivateFile(temporary);
  try {
    writeSync(fd, `${JSON.stringify(manifest, null, 2)}\n`);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, join(dir, MANIFEST_FILE));
}

export class ArchiveBusyError extends Error {
  override name = "ArchiveBusyError";
}

/** A lock older than this is taken to belong to a run that died without cleaning up. */
const STALE_LOCK_MS = 6 * 60 * 60_000;

/**
 * One archiving run at a time per archive location, across processes (two service
 * instances, or the CLI beside a service): an exclusively created lock file. A lock
 * left by a dead process on this host, or older than six hours, is taken over.
 */
export function lockArchive(dir: string, now: number): () => void {
  const path = join(dir, ".lock");
  const take = () => {
    const fd = openSync(path, "wx", 0o600);
    writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), at: now }));
    closeSync(fd);
  };
  try {
    take();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST" || !isStale(path, now)) {
      throw new ArchiveBusyError(`another archiving run holds ${path}`);
    }
    rmSync(path, { force: true });
    take();
  }
  return () => rmSync(path, { force: true });
}

function isStale(path: string, now: number): boolean {
  try {
    const holder = JSON.parse(readFileSync(path, "utf8")) as { pid: number; host: string };
    if (now - statSync(path).mtimeMs > STALE_LOCK_MS) return true;
    if (holder.host !== hostname()) return false;
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    // EPERM: the process lives under another user. Anything else: unreadable, or its process is gone.
    return (error as NodeJS.ErrnoException).code !== "EPERM";
  }
}
