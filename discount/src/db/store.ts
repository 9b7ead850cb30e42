import { fileURLToPath } from "node:url";
import type { Client } from "@libsql/client";
import { openDatabase, WriteQueue } from "@matchday/shared";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import * as schema from "./schema";

export type DiscountDb = LibSQLDatabase<typeof schema>;
export type DiscountTx = Parameters<Parameters<DiscountDb["transaction"]>[0]>[0];

/** The discount database: drizzle for reads, and the process's one write queue for every write. */
export interface DiscountStore {
  db: DiscountDb;
  client: Client;
  writes: WriteQueue<DiscountTx>;
  close(): Promise<void>;
}

export const DISCOUNT_MIGRATIONS = fileURLToPath(new URL("../../drizzle", import.meta.url));

export async function openDiscountStore(url: string, options = { migrate: true }): Promise<DiscountStore> {
  const client = await openDatabase(url);
  const db = drizzle(client, { schema });
  if (options.migrate) await migrate(db, { migrationsFolder: DISCOUNT_MIGRATIONS });
  const writes = new WriteQueue<DiscountTx>(db);
  return {
    db,
    client,
    writes,
    async close() {
      await writes.drain();
      client.close();
    },
  };
}
