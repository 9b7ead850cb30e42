// Pure decisions about where a database lives, without the libSQL client: config and the
// HTTP kernel use them, and the BFF example imports config without carrying a database driver.
import type { EnvReader } from "../env";

/** Where a service's database lives: a SQLite file on this host, or a libSQL server (sqld). */
export interface DatabaseTarget {
  url: string;
  /** The JWT a libSQL server asks for; a `file:` database needs none. */
  authToken: string | undefined;
}

/** A local file, or a libSQL server over HTTP (`libsql:` means https) or WebSockets. */
export const DATABASE_URL_SCHEMES = ["file:", "libsql:", "http:", "https:", "ws:", "wss:"] as const;

/** The env var holding the auth token that goes with a database URL's var. */
export const authTokenVarOf = (urlVar: string) => urlVar.replace(/_URL$/, "_AUTH_TOKEN");

/** Reads `<X>_DATABASE_URL` and `<X>_DATABASE_AUTH_TOKEN` the one way every service and tool does. */
export function readDatabaseTarget(read: EnvReader, urlVar: string, fallback: string): DatabaseTarget {
  const url = read.url(urlVar, fallback, DATABASE_URL_SCHEMES);
  const tokenVar = authTokenVarOf(urlVar);
  const authToken = read.optional(tokenVar);
  if (authToken !== undefined && !isRemoteDatabase(url)) {
    read.problem(`${tokenVar} is for a libSQL server, but ${urlVar} is a local file`);
  }
  return { url, authToken };
}

export function isRemoteDatabase(url: string): boolean {
  return !url.startsWith("file:");
}

/** The file path of a `file:` URL, or undefined for remote libSQL URLs and in-memory databases. */
export function filePathOf(url: string): string | undefined {
  if (!url.startsWith("file:")) return undefined;
  const path = url.slice("file:".length).split("?")[0] ?? "";
  return path === "" || path === ":memory:" ? undefined : decodeURIComponent(path);
}

/**
 * What the libSQL client throws when it cannot reach its server (primary down, failing
 * over, network cut): over HTTP the fetch's own error, over WebSockets the Hrana one.
 * A claim then gets 503 and Retry-After, as while Redis recovers, not a 500.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  return unreachableError(error) !== undefined;
}

const unreachableError = (error: unknown) =>
  driverError(error, (e) => typeof e.code === "string" && UNREACHABLE_CODES.has(e.code));

interface DriverError {
  code?: unknown;
  status?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** The error, or one it wraps, that matches: drizzle wraps the driver's (DrizzleQueryError, cause). */
export function driverError(error: unknown, matches: (e: DriverError) => boolean): DriverError | undefined {
  let e = error as DriverError | null;
  for (let depth = 0; e && depth < 4; depth++, e = e.cause as DriverError | null) if (matches(e)) return e;
  return undefined;
}

/** Whether SQLite refused for want of a lock (SQLITE_BUSY and its extended codes), however drizzle wrapped it. */
export function isBusy(error: unknown): boolean {
  return driverError(error, (e) => e.code === "SQLITE_BUSY") !== undefined;
}

/**
 * Why a libSQL server turned the service away, in words an operator can act on; undefined
 * for any other error. Used at start-up, where the first migration is the first request.
 */
export function databaseRefusal(error: unknown): string | undefined {
  const unreachable = unreachableError(error);
  if (unreachable) return `its libSQL server cannot be reached (${String(unreachable.message)})`;
  const refused = driverError(error, (e) => e.status === 401 || e.status === 403);
  if (refused) return `its libSQL server refused the credentials (HTTP ${refused.status}): check *_DATABASE_AUTH_TOKEN`;
  return undefined;
}

const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ConnectionRefused",
  "ConnectionClosed",
  "HRANA_WEBSOCKET_ERROR",
]);

/** A URL fit for a message: a libSQL URL may carry its token as `?authToken=` or as user info. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "file:") return url.split("?")[0] ?? url;
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === "/" ? "" : parsed.pathname}`;
  } catch {
    return "(not a URL)";
  }
}

/**
 * A feature that reads or replaces the database's file on this host (a backup, a restore)
 * asked of a libSQL server, whose files live on another host: refused, never half done.
 */
export class LocalDatabaseOnlyError extends Error {
  readonly code = "LOCAL_DATABASE_ONLY";
  constructor(feature: string, urlVar: string, url: string, remedy: string) {
    super(
      `${feature} needs a SQLite file on this host, but ${urlVar} is ${redactDatabaseUrl(url)}, not a file here: ${remedy}`,
    );
    this.name = "LocalDatabaseOnlyError";
  }
}

/** The file behind a `file:` URL, or a LocalDatabaseOnlyError saying what to do instead. */
export function localDatabasePath(url: string, urlVar: string, feature: string, remedy: string): string {
  const path = filePathOf(url);
  if (path === undefined) throw new LocalDatabaseOnlyError(feature, urlVar, url, remedy);
  return path;
}
