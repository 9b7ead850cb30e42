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
