import { fileURLToPath } from "node:url";
import type { Client } from "@libsql/client";
import { openDatabase, WriteQueue } from "@matchday/shared";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import * as schema from "./schema";

export type WalletDb = LibSQLDatabase<typeof schema>;
export type WalletTx = Parameters<Parameters<WalletDb["transaction"]>[0]>[0];

/** The wallet's database: drizzle for reads, and the process's one write queue for every write. */
export interface WalletStore {
  db: WalletDb;
  client: Client;
  writes: WriteQueue<WalletTx>;
  close(): Promise<void>;
}

export const WALLET_MIGRATIONS = fileURLToPath(new URL("../../drizzle", import.meta.url));

export async function openWalletStore(
  url: string,
  options: { migrate: boolean } = { migrate: true },
): Promise<WalletStore> {
  const client = await openDatabase(url);
  const db = drizzle(client, { schema });
  if (options.migrate) await migrate(db, { migrationsFolder: WALLET_MIGRATIONS });
  const writes = new WriteQueue<WalletTx>(db);
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
