#!/usr/bin/env bun
/**
 * Backups of both databases.
 *   bun run backup [--out DIR]                          online snapshot of each DB (VACUUM INTO)
 *   bun run backup restore DIR [--service wallet|discount]   put a snapshot back (services stopped)
 * A backup is a folder: wallet.db, discount.db and backup.json with each file's
 * SHA-256, checked before a restore. Database URLs come from WALLET_DATABASE_URL and
 * DISCOUNT_DATABASE_URL, with the same defaults as the services. Restoring the
 * discount DB also makes the cap gate in Redis (REDIS_URL, or the Sentinel or Cluster
 * settings, read as the discount service reads them) rebuild from it: the gate
 * still holds winners the backup does not, and would otherwise skip their ranks.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { readRedisTopology } from "@matchday/discount/config";
import { connectRedis, whenConnected } from "@matchday/discount/redis/connection";
import { resetCapGates } from "@matchday/discount/redis/reset";
import { type ProgressSettings, progressSettingsOf, startProgress } from "@matchday/shared/cli/progress";
import { ConfigError, envReader } from "@matchday/shared/config";
import {
  backupDatabase,
  checkDatabaseFile,
  LocalDatabaseOnlyError,
  localDatabasePath,
  REMOTE_BACKUP_REMEDY,
  restoreDatabaseFile,
  sha256Of,
} from "@matchday/shared/db";

const SERVICES = [
  { name: "wallet", urlVar: "WALLET_DATABASE_URL", defaultUrl: "file:data/wallet.db" },
  { name: "discount", urlVar: "DISCOUNT_DATABASE_URL", defaultUrl: "file:data/discount.db" },
];
const USAGE = "usage: bun run backup [--out DIR] | bun run backup restore DIR [--service wallet|discount]";

interface BackupManifest {
  createdAt: string;
  files: { service: string; file: string; bytes: number; sha256: string }[];
}

function fail(message: string): never {
  console.error(`backup: ${message}`);
  process.exit(1);
}

/** Only local files can be snapshotted with VACUUM INTO and replaced on disk. */
function pathOf(service: (typeof SERVICES)[number], command: "backup" | "backup restore"): string {
  const url = process.env[service.urlVar] || service.defaultUrl;
  const remedy = command === "backup" ? REMOTE_BACKUP_REMEDY : REMOTE_RESTORE_REMEDY;
  try {
    return localDatabasePath(url, service.urlVar, `bun run ${command} (${service.name})`, remedy);
  } catch (error) {
    if (error instanceof LocalDatabaseOnlyError) fail(error.message);
    throw error;
  }
}

const REMOTE_RESTORE_REMEDY =
  "restore it with the server's own tools where it runs (docs/OPERATIONS.md), then delete the " +
  "{gift:*}:ready keys in Redis so the cap gates rebuild from it";

/** Every cap gate rebuilds from the restored database, on whichever Redis topology the service uses. */
async function resetGatesOfService(): Promise<number> {
  const read = envReader(process.env);
  const topology = readRedisTopology(read);
  read.done();
  const redis = connectRedis(topology);
  let lastError: Error | undefined;
  redis.on("error", (error: Error) => {
    lastError = error;
  });
  try {
    await whenConnected(redis, 5_000).catch((error: Error) => {
      throw lastError ?? error;
    });
    return await resetCapGates(redis);
  } finally {
    redis.disconnect();
  }
}

let progressSettings: ProgressSettings;
try {
  progressSettings = progressSettingsOf(process.env);
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}

/**
 * Works through database files one at a time under a progress bar. It counts megabytes, so
 * the ETA weighs a big ledger more than a small discount DB; what `work` returns is printed
 * above the bar. A failure ends the bar where it stopped and exits with the message.
 */
async function eachFile<T extends { path: string }>(label: string, items: T[], work: (item: T) => Promise<string>) {
  const sizes = items.map(({ path }) => statSync(path).size / 1_000_000);
  const progress = startProgress(progressSettings, { label, unit: "MB", total: sizes.reduce((a, b) => a + b, 0) });
  let done = 0;
  for (const [i, item] of items.entries()) {
    const said = await work(item).catch((error: Error) => {
      progress.finish();
      return fail(error.message);
    });
    if (said) progress.note(said);
    done += sizes[i] ?? 0;
    progress.update(done);
  }
  progress.finish();
}

let args: { values: { out?: string; service?: string; help?: boolean }; positionals: string[] };
try {
  args = parseArgs({
    allowPositionals: true,
    options: { out: { type: "string" }, service: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
} catch (error) {
  fail(`${(error as Error).message}\n${USAGE}`);
}
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
process.chdir(join(import.meta.dir, "..")); // the services' default paths are relative to the repo root
const [command, from, ...extra] = args.positionals;

if (args.values.help) {
  console.log(USAGE);
} else if (command === undefined) {
  // Every URL is checked before anything is written: a refused service leaves no half backup.
  const sources = SERVICES.map((service) => ({ service, path: pathOf(service, "backup") }));
  const out = resolve(args.values.out ?? join("data", "backups", stamp));
  mkdirSync(out, { recursive: true, mode: 0o700 });
  const manifest: BackupManifest = { createdAt: new Date().toISOString(), files: [] };
  await eachFile("backup", sources, async ({ service, path }) => {
    const file = `${service.name}.db`;
    const { bytes, sha256 } = await backupDatabase(`file:${path}`, join(out, file)).catch((error: Error) => {
      throw new Error(`${service.name}: ${error.message}`);
    });
    manifest.files.push({ service: service.name, file, bytes, sha256 });
    return `backup: ${service.name} → ${join(out, file)} (${bytes.toLocaleString("en")} bytes)`;
  });
  writeFileSync(join(out, "backup.json"), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  console.log(out);
} else if (command === "restore" && from && extra.length === 0) {
  const dir = resolve(from);
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, "backup.json"), "utf8")) as BackupManifest;
  } catch {
    fail(`${dir} has no readable backup.json`);
  }
  const chosen = SERVICES.filter((s) => args.values.service === undefined || s.name === args.values.service);
  if (chosen.length === 0) fail(`--service must be one of ${SERVICES.map((s) => s.name).join(", ")}`);
  // Check every file before replacing any, so a bad backup changes nothing.
  const plan = chosen.map((service) => {
    const entry = manifest.files.find((f) => f.service === service.name);
    if (!entry) fail(`${dir} holds no ${service.name} backup`);
    if (sha256Of(join(dir, entry.file)) !== entry.sha256) fail(`${entry.file} does not match its SHA-256`);
    return { service, path: join(dir, entry.file), target: pathOf(service, "backup restore") };
  });
  await eachFile("backup check", plan, async (step) => {
    await checkDatabaseFile(step.path);
    return "";
  });
  await eachFile("backup restore", plan, async (step) => {
    const { keptAs } = restoreDatabaseFile(step.path, step.target, stamp);
    const kept = keptAs ? `; the previous file is kept as ${keptAs}` : "";
    return `backup: ${step.service.name} restored from ${step.path}${kept}`;
  });
  if (plan.some((step) => step.service.name === "discount")) {
    const dropped = await resetGatesOfService().catch((error: Error) =>
      fail(
        `the databases are restored, but Redis could not be reached (${error.message}). Before starting the ` +
          "discount service, delete the {gift:*}:ready keys in its Redis so each cap gate rebuilds from the database.",
      ),
    );
    console.error(`backup: ${dropped} cap gates in Redis will rebuild from the restored discount database`);
  }
} else {
  fail(USAGE);
}
