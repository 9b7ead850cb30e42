import { fchmodSync, openSync } from "node:fs";

/**
 * Opens `path` for writing, created or emptied, readable and writable by its owner only:
 * for files holding codes, tokens, secrets or phones. open() applies its mode only when it
 * creates the file (an existing one, or a leftover from a crashed run, keeps its own), so
 * the mode is set again on the open descriptor, before anything is written.
 */
export function openPrivateFile(path: string): number {
  const fd = openSync(path, "w", 0o600);
  fchmodSync(fd, 0o600);
  return fd;
}
