/**
 * The operator's archiving tool, one per service (wallet/src/cli/archive.ts and
 * discount/src/cli/archive.ts give it their tables):
 *   run [--as-of ISO]   archive what is due now (or as of a date), delete what is past retention
 *   list                the manifest: each file, its rows, range and state
 *   verify              check every file against its SHA-256 and row count
 *   restore FILE        put a file's rows back into the database and drop the file
 * Reads the service's database URL and ARCHIVE_* settings as the service does.
 * Safe beside a running service: runs take the archive lock, writes take the DB's.
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { ArchiveBusyError } from "../archive/manifest";
import { type ArchiveSource, restoreArchive, runArchive, type StepMeter } from "../archive/run";
import { archiveDirOf, readArchiveConfig } from "../archive/schedule";
import { ConfigError, type Env, envReader } from "../config";
import { type DatabaseTarget, filePathOf, readDatabaseTarget } from "../db/target";
import { type Progress, readProgressSettings, startProgress } from "./progress";

export interface ArchiveCliService {
  name: string;
  databaseUrlVar: string;
  defaultDatabaseUrl: string;
  open(database: DatabaseTarget): Promise<{ sources: ArchiveSource[]; close(): Promise<void> }>;
}

const USAGE = (name: string) => `usage: bun run archive ${name} run [--as-of ISO] | list | verify | restore FILE`;

export async function archiveCli(service: ArchiveCliService, argv: string[], env: Env): Promise<number> {
  const prefix = `archive ${service.name}`;
  /** The step whose bar is on screen: messages go through it so they do not tear the bar. */
  let current: Progress | undefined;
  const say = (message: string) =>
    current ? current.note(`${prefix}: ${message}`) : console.error(`${prefix}: ${message}`);
  let parsed: { values: { "as-of"?: string; help?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { "as-of": { type: "string" }, help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    say(`${(error as Error).message}\n${USAGE(service.name)}`);
    return 2;
  }
  const [command = "run", file, ...extra] = parsed.positionals;
  if (parsed.values.help) {
    console.log(USAGE(service.name));
    return 0;
  }
  const known = ["run", "list", "verify", "restore"];
  if (!known.includes(command) || extra.length > 0 || (command === "restore") !== (file !== undefined)) {
    say(`unknown or incomplete command\n${USAGE(service.name)}`);
    return 2;
  }
  const asOf = parsed.values["as-of"] === undefined ? Date.now() : Date.parse(parsed.values["as-of"]);
  if (Number.isNaN(asOf)) {
    say("--as-of must be an ISO date, e.g. 2027-01-01");
    return 2;
  }

  const read = envReader(env);
  const database = readDatabaseTarget(read, service.databaseUrlVar, service.defaultDatabaseUrl);
  const config = readArchiveConfig(read);
  const progressSettings = readProgressSettings(read);
  const meter: StepMeter = (step, total) => {
    current?.finish();
    current = startProgress(progressSettings, { label: `${prefix}: ${step}`, unit: "rows", total });
    return current;
  };
  try {
    read.done();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    say(error.message);
    return 2;
  }
  const dir = archiveDirOf(config, service.name);
  if (command === "list" || command === "verify") {
    // Verifying reads every file whole: a bar over their megabytes, the report lines above it.
    const verifying = (total: number) => {
      current = startProgress(progressSettings, { label: `${prefix}: verify`, unit: "MB", total });
      return current;
    };
    return inspect(dir, command === "verify" ? verifying : undefined, say);
  }

  // A libSQL server is opened as it is: only a missing local file can be a typo.
  const path = filePathOf(database.url);
  if (path && !existsSync(path)) {
    say(`no database at ${path} (${service.databaseUrlVar})`);
    return 1;
  }
  const { sources, close } = await service.open(database);
  try {
    if (command === "restore") {
      const { rows } = await restoreArchive(dir, sources, file as string, asOf, { progress: say, meter });
      say(`restored ${rows.toLocaleString("en")} rows from ${file}`);
    } else {
      const report = await runArchive(dir, sources, config, asOf, { progress: say, meter });
      const rows = report.archived.reduce((sum, a) => sum + a.rows, 0);
      say(`done: ${rows.toLocaleString("en")} rows archived, ${report.deleted.length} files past retention deleted`);
    }
    return 0;
  } catch (error) {
    // The step that failed ends its line where it stopped, so the reason stands on its own line.
    current?.finish();
    say(error instanceof ArchiveBusyError ? `${error.message}; try again later` : (error as Error).message);
    return 1;
  } finally {
    await close();
  }
}

/** `list`, or `verify` when given the bar to show while it checks every file. */
async function inspect(
  dir: ReturnType<typeof archiveDirOf>,
  verifying: ((totalMegabytes: number) => Progress) | undefined,
  say: (message: string) => void,
): Promise<number> {
  const { files, lastRunAt } = dir.manifest();
  say(
    `${dir.path}: ${files.length} files, last run ${lastRunAt === null ? "never" : new Date(lastRunAt).toISOString()}`,
  );
  const megabytes = (bytes: number) => bytes / 1_000_000;
  const progress = verifying?.(megabytes(files.reduce((sum, f) => sum + f.bytes, 0)));
  let checked = 0;
  let bad = 0;
  for (const f of files) {
    const range = `${new Date(f.oldest).toISOString()} .. ${new Date(f.newest).toISOString()}`;
    let state = f.complete ? "complete" : "INCOMPLETE (the next run finishes it)";
    if (progress) {
      state = await dir.verify(f).then(
        () => "ok",
        (error: Error) => {
          bad++;
          return `BAD: ${error.message}`;
        },
      );
      checked += megabytes(f.bytes);
      progress.update(checked);
    }
    const line = `${f.name}\t${f.table}\t${f.rows} rows\t${range}\t${state}`;
    if (progress) progress.note(line, process.stdout);
    else console.log(line);
  }
  progress?.finish();
  return bad === 0 ? 0 : 1;
}
