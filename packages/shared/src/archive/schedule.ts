import { join } from "node:path";
import type { EnvReader } from "../env";
import type { Logger } from "../logger";
import { ArchiveDir } from "./archive-dir";
import { ArchiveBusyError } from "./manifest";
import { type ArchivePolicy, type ArchiveSource, runArchive } from "./run";

export interface ArchiveConfig extends ArchivePolicy {
  /** Each service keeps its files in a folder of its own name below this. */
  dir: string;
  /** How often a run is due; 0 leaves archiving to the CLI. */
  intervalHours: number;
}

export function readArchiveConfig(read: EnvReader): ArchiveConfig {
  const config = {
    dir: read.string("ARCHIVE_DIR", "data/archive"),
    afterMonths: read.int("ARCHIVE_AFTER_MONTHS", 6, 1, 120),
    retainMonths: read.int("ARCHIVE_RETAIN_MONTHS", 24, 1, 1200),
    intervalHours: read.int("ARCHIVE_INTERVAL_HOURS", 30 * 24, 0, 366 * 24),
  };
  if (config.retainMonths <= config.afterMonths) {
    read.problem("ARCHIVE_RETAIN_MONTHS must be more than ARCHIVE_AFTER_MONTHS");
  }
  return config;
}

export function archiveDirOf(config: ArchiveConfig, service: string): ArchiveDir {
  return new ArchiveDir(join(config.dir, service));
}

/** How often a service looks whether a run is due (timers cannot wait a month). */
const CHECK_EVERY_MS = 60 * 60_000;
/** The first look waits until start-up traffic has settled. */
const FIRST_CHECK_MS = 60_000;

/**
 * Runs archiving inside a service when it is due. The due time comes from the
 * manifest's last run, so restarts neither repeat nor skip a run, and when several
 * instances share the location the archive lock lets one of them do it.
 */
export function scheduleArchiving(options: {
  config: ArchiveConfig;
  service: string;
  sources: ArchiveSource[];
  logger: Logger;
  clock: () => number;
  /** Delay before the first look; start-up traffic goes first. */
  firstCheckMs?: number;
}) {
  const { config, logger, clock } = options;
  if (config.intervalHours === 0) return { stop: async () => {} };
  const dir = archiveDirOf(config, options.service);
  let running: Promise<void> | undefined;
  const stopping = new AbortController();

  async function check(): Promise<void> {
    const last = dir.manifest().lastRunAt;
    if (last !== null && clock() - last < config.intervalHours * 3_600_000) return;
    try {
      const report = await runArchive(dir, options.sources, config, clock(), {
        progress: (message) => logger.debug({ archive: dir.path }, message),
        signal: stopping.signal,
      });
      logger.info({ archive: dir.path, ...report }, "archiving run finished");
    } catch (error) {
      if (stopping.signal.aborted) logger.info({ archive: dir.path }, "archiving run stopped; the next run resumes it");
      else if (error instanceof ArchiveBusyError) logger.debug({ archive: dir.path }, error.message);
      else logger.error({ err: error, archive: dir.path }, "archiving run failed; the next check retries");
    }
  }

  const tick = () => {
    running ??= check().finally(() => {
      running = undefined;
    });
  };
  const first = setTimeout(tick, options.firstCheckMs ?? FIRST_CHECK_MS);
  const timer = setInterval(tick, CHECK_EVERY_MS);
  first.unref?.();
  timer.unref?.();
  return {
    /** Stops checking and stops a run in progress at its next page. */
    async stop() {
      stopping.abort();
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
