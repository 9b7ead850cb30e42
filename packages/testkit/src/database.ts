import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@matchday/shared/db";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";

export interface TempDatabase {
  url: string;
  path: string;
  dir: string;
  dispose(): void;
}

/**
 * A fresh SQLite file in its own temp dir, with the service's real migrations
 * applied; without a folder it stays empty (a service process migrates it itself).
 */
export async function makeTempDatabase(migrationsFolder?: string, name = "test.db"): Promise<TempDatabase> {
  const dir = mkdtempSync(join(tmpdir(), "matchday-db-"));
  const path = join(dir, name);
  const url = `file:${path}`;
  const client = await openDatabase(url);
  if (migrationsFolder) await migrate(drizzle(client), { migrationsFolder });
  client.close();
  return { url, path, dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A libSQL server given to the tests by LIBSQL_TEST_URL (and LIBSQL_TEST_AUTH_TOKEN when it asks for one). */
export interface LibsqlTestServer {
  url: string;
  authToken: string | undefined;
  /** The URL with the token in it (`?authToken=`), for testkit readers that take a URL only. */
  clientUrl: string;
  /** What a discount process or CLI is configured with to use it. */
  env: Record<string, string>;
}

/** The libSQL server to test against, or why there is none: the caller skips and prints the reason. */
export function libsqlTestServer(env = process.env): LibsqlTestServer | { skipped: string } {
  const url = env.LIBSQL_TEST_URL?.trim();
  if (!url) {
    return {
      skipped:
        "LIBSQL_TEST_URL is not set: no libSQL server to test against (see docs/OPERATIONS.md, " +
        '"Databases on a libSQL server", for how to run one and this suite)',
    };
  }
  const authToken = env.LIBSQL_TEST_AUTH_TOKEN?.trim() || undefined;
  const clientUrl = authToken
    ? `${url}${url.includes("?") ? "&" : "?"}authToken=${encodeURIComponent(authToken)}`
    : url;
  const tokenEnv: Record<string, string> = authToken ? { DISCOUNT_DATABASE_AUTH_TOKEN: authToken } : {};
  return { url, authToken, clientUrl, env: { DISCOUNT_DATABASE_URL: url, ...tokenEnv } };
}
