import { type ArchiveDir, ArchiveIntegrityError, type RowPages } from "./archive-dir";
import { lockArchive, type ManifestEntry } from "./manifest";

/** The first instant of the UTC month `months` before the one `now` falls in. */
export function monthStart(now: number, monthsBack: number): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - monthsBack, 1);
}

/** What eligible rows span, or undefined when none are eligible. */
export interface EligibleSpan {
  rows: number;
  firstId: number;
  lastId: number;
  oldest: number;
  newest: number;
}

/**
 * One table's part in archiving. Eligible rows must never change (the ledger is
 * append-only; only settled redemptions qualify), so a file written now still
 * matches the rows removed a moment later, or by a run that resumes after a crash.
 */
export interface ArchiveSource {
  table: string;
  /** File names start with it, e.g. "wallet-ledger". */
  prefix: string;
  eligible(cutoff: number): Promise<EligibleSpan | undefined>;
  /** Eligible rows in id order, in pages, exactly as restore() takes them back. */
  pages(cutoff: number, span: EligibleSpan, pageSize: number): RowPages;
  /** Removes these archived rows (those still present and eligible) in one transaction; returns how many. */
  remove(entry: ManifestEntry, rows: Record<string, unknown>[]): Promise<number>;
  /** Puts archived rows back in one transaction; rows already present are left as they are. */
  restore(entry: ManifestEntry, rows: Record<string, unknown>[]): Promise<void>;
}

export interface ArchivePolicy {
  /** Rows older than the start of the month this many months back are archived. */
  afterMonths: number;
  /** Files whose newest row is older than the start of the month this many months back are deleted. */
  retainMonths: number;
}

export interface RunReport {
  archived: { name: string; rows: number }[];
  deleted: string[];
}

const PAGE = 5_000;
const pad = (id: number) => String(id).padStart(12, "0");

type Progress = (message: string) => void;

/** Counts one step's rows as they go (the CLI draws a progress bar from it). */
export type StepMeter = (step: string, totalRows: number) => { update(rows: number): void; finish(): void };

/** Without a meter of its own, a step's count is a progress message per page. */
const meterOfMessages =
  (progress: Progress): StepMeter =>
  (step, totalRows) => ({
    update: (rows) => progress(`${step}: ${rows.toLocaleString("en")}/${totalRows.toLocaleString("en")} rows`),
    finish: () => {},
  });

export interface RunOptions {
  progress?: Progress;
  meter?: StepMeter;
  /** Stops a run between pages (a service shutting down); whatever it left is finished by the next run. */
  signal?: AbortSignal;
}

/** What each step of a run reports through. */
interface Steps {
  progress: Progress;
  meter: StepMeter;
  signal: AbortSignal | undefined;
}

/** Passes pages through, stopping at the first page after an abort. */
async function* untilAborted<T>(pages: AsyncIterable<T>, signal: AbortSignal | undefined): AsyncGenerator<T> {
  for await (const page of pages) {
    signal?.throwIfAborted();
    yield page;
  }
}

/**
 * One archiving run over one location: finish whatever an interrupted run left,
 * archive what became eligible, delete what is past retention, then note the time.
 */
export async function runArchive(
  dir: ArchiveDir,
  sources: ArchiveSource[],
  policy: ArchivePolicy,
  now: number,
  { progress = () => {}, meter = meterOfMessages(progress), signal }: RunOptions = {},
): Promise<RunReport> {
  const step: Steps = { progress, meter, signal };
  const unlock = lockArchive(dir.path, now);
  try {
    const report: RunReport = { archived: [], deleted: [] };
    for (const source of sources) {
      for (const entry of dir.manifest().files.filter((f) => f.table === source.table && !f.complete)) {
        progress(`${entry.name}: finishing an interrupted run`);
        await removeArchived(dir, source, entry, step);
      }
      const cutoff = monthStart(now, policy.afterMonths);
      const written = await archiveEligible(dir, source, cutoff, now, step);
      if (written) report.archived.push({ name: written.name, rows: written.rows });
    }
    report.deleted = deleteExpired(dir, monthStart(now, policy.retainMonths), progress);
    dir.saveManifest({ ...dir.manifest(), lastRunAt: now });
    return report;
  } finally {
    unlock();
  }
}

async function archiveEligible(
  dir: ArchiveDir,
  source: ArchiveSource,
  cutoff: number,
  now: number,
  step: Steps,
): Promise<ManifestEntry | undefined> {
  const { progress, signal } = step;
  const span = await source.eligible(cutoff);
  if (!span) {
    progress(`${source.table}: nothing older than ${new Date(cutoff).toISOString()}`);
    return undefined;
  }
  const name = `${source.prefix}-${pad(span.firstId)}-${pad(span.lastId)}.jsonl.gz`;
  progress(`${name}: writing ${span.rows.toLocaleString("en")} rows older than ${new Date(cutoff).toISOString()}`);
  const writing = step.meter(`writing ${source.table}`, span.rows);
  const file = await dir.write(name, untilAborted(source.pages(cutoff, span, PAGE), signal), writing.update);
  writing.finish();
  if (file.rows !== span.rows) {
    dir.remove(name);
    throw new ArchiveIntegrityError(`${source.table}: expected ${span.rows} rows, read ${file.rows}; nothing removed`);
  }
  const entry: ManifestEntry = {
    name,
    table: source.table,
    ...span,
    ...file,
    cutoff,
    archivedAt: now,
    complete: false,
  };
  const manifest = dir.manifest();
  dir.saveManifest({ ...manifest, files: [...manifest.files.filter((f) => f.name !== name), entry] });
  await removeArchived(dir, source, entry, step);
  return entry;
}

/**
 * Reads the file back whole before the first row leaves the database, then removes
 * exactly the rows the file holds: a row the file lacks is never touched.
 */
async function removeArchived(
  dir: ArchiveDir,
  source: ArchiveSource,
  entry: ManifestEntry,
  { progress, meter, signal }: Steps,
) {
  // Reading to the end checks the SHA-256, the gzip stream and the row count.
  const checking = meter(`checking ${entry.table} file`, entry.rows);
  let read = 0;
  for await (const page of dir.read(entry, PAGE)) {
    read += page.length;
    checking.update(read);
  }
  checking.finish();
  const removing = meter(`removing ${source.table} rows`, entry.rows);
  let seen = 0;
  let removed = 0;
  for await (const page of untilAborted(dir.read(entry, PAGE), signal)) {
    removed += await source.remove(entry, page);
    // Rows already gone (a resumed run) still move the bar: it counts rows handled.
    seen += page.length;
    removing.update(seen);
  }
  removing.finish();
  progress(`${entry.name}: ${removed.toLocaleString("en")} rows removed from ${source.table}`);
  const manifest = dir.manifest();
  const files = manifest.files.map((f) => (f.name === entry.name ? { ...f, complete: true } : f));
  dir.saveManifest({ ...manifest, files });
}

function deleteExpired(dir: ArchiveDir, before: number, progress: Progress): string[] {
  const manifest = dir.manifest();
  const expired = manifest.files.filter((f) => f.complete && f.newest < before);
  for (const entry of expired) {
    dir.remove(entry.name);
    progress(`${entry.name}: deleted (newest row ${new Date(entry.newest).toISOString()}, past retention)`);
  }
  dir.saveManifest({ ...manifest, files: manifest.files.filter((f) => !expired.includes(f)) });
  return expired.map((f) => f.name);
}

/**
 * Brings one archive file's rows back into the database and then drops the file.
 * The entry is marked incomplete first: if the restore is cut short, running it
 * again finishes it, and a scheduled run in between archives the rows again.
 */
export async function restoreArchive(
  dir: ArchiveDir,
  sources: ArchiveSource[],
  name: string,
  now: number,
  { progress = () => {}, meter = meterOfMessages(progress) }: Pick<RunOptions, "progress" | "meter"> = {},
): Promise<{ rows: number }> {
  const unlock = lockArchive(dir.path, now);
  try {
    const entry = dir.manifest().files.find((f) => f.name === name);
    if (!entry) throw new ArchiveIntegrityError(`no archive named ${name} in ${dir.path}`);
    const source = sources.find((s) => s.table === entry.table);
    if (!source) throw new ArchiveIntegrityError(`${name} holds ${entry.table} rows, which this service does not keep`);
    await dir.verify(entry);
    const marked = dir.manifest();
    dir.saveManifest({ ...marked, files: marked.files.map((f) => (f.name === name ? { ...f, complete: false } : f)) });
    const restoring = meter(`restoring ${entry.table}`, entry.rows);
    let rows = 0;
    for await (const page of dir.read(entry, PAGE)) {
      await source.restore(entry, page);
      rows += page.length;
      restoring.update(rows);
    }
    restoring.finish();
    const manifest = dir.manifest();
    dir.saveManifest({ ...manifest, files: manifest.files.filter((f) => f.name !== name) });
    dir.remove(name);
    return { rows };
  } finally {
    unlock();
  }
}
