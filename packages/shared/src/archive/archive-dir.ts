import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { openPrivateFile } from "../private-file";
import { type Manifest, type ManifestEntry, readManifest, writeManifest } from "./manifest";

/** Rows come and go in pages so a month of a busy ledger never sits in memory at once. */
export type RowPages = AsyncIterable<Record<string, unknown>[]>;

export class ArchiveIntegrityError extends Error {
  override name = "ArchiveIntegrityError";
}

/**
 * One service's archive location: gzip-compressed JSON Lines files and a manifest
 * naming each file's table, row count, id and time range and SHA-256. Files are
 * written to a temporary name, synced and renamed, so a crash never leaves a
 * half-written file under a real name; the manifest is replaced the same way.
 */
export class ArchiveDir {
  constructor(readonly path: string) {
    mkdirSync(path, { recursive: true, mode: 0o700 });
  }

  manifest(): Manifest {
    return readManifest(this.path);
  }

  saveManifest(manifest: Manifest): void {
    writeManifest(this.path, manifest);
  }

  /** Writes rows as one JSON object per line; the same rows give the same bytes. */
  async write(
    name: string,
    pages: RowPages,
    onRows: (written: number) => void = () => {},
  ): Promise<{ rows: number; bytes: number; sha256: string }> {
    const temporary = join(this.path, `${name}.partial`);
    let rows = 0;
    async function* lines() {
      for await (const page of pages) {
        if (page.length === 0) continue;
        rows += page.length;
        yield `${page.map((row) => JSON.stringify(row)).join("\n")}\n`;
        onRows(rows);
      }
    }
    // mtime 0 and no file name in the gzip header (Node's default) keep the bytes reproducible.
    const file = createWriteStream(temporary, { fd: openPrivateFile(temporary) });
    await pipeline(Readable.from(lines()), createGzip({ level: 6 }), file);
    const handle = await open(temporary, "r");
    await handle.sync();
    await handle.close();
    renameSync(temporary, join(this.path, name));
    const { sha256, bytes } = await this.digest(name);
    return { rows, bytes, sha256 };
  }

  /** Reads a file back in pages, after checking it against its manifest entry. */
  async *read(entry: ManifestEntry, pageSize: number): AsyncGenerator<Record<string, unknown>[]> {
    await this.verify(entry);
    const lines = createInterface({ input: createReadStream(join(this.path, entry.name)).pipe(createGunzip()) });
    let page: Record<string, unknown>[] = [];
    let rows = 0;
    for await (const line of lines) {
      if (line === "") continue;
      page.push(JSON.parse(line) as Record<string, unknown>);
      rows++;
      if (page.length === pageSize) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
    if (rows !== entry.rows)
      throw new ArchiveIntegrityError(`${entry.name} holds ${rows} rows, manifest says ${entry.rows}`);
  }

  /** Throws unless the file exists with the manifest's size and SHA-256. */
  async verify(entry: ManifestEntry): Promise<void> {
    if (!existsSync(join(this.path, entry.name))) throw new ArchiveIntegrityError(`${entry.name} is missing`);
    const { sha256, bytes } = await this.digest(entry.name);
    if (sha256 !== entry.sha256 || bytes !== entry.bytes) {
      throw new ArchiveIntegrityError(`${entry.name} does not match its SHA-256 in the manifest`);
    }
  }

  remove(name: string): void {
    rmSync(join(this.path, name), { force: true });
  }

  private async digest(name: string): Promise<{ sha256: string; bytes: number }> {
    const hash = createHash("sha256");
    let bytes = 0;
    for await (const chunk of createReadStream(join(this.path, name))) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    return { sha256: hash.digest("hex"), bytes };
  }
}
