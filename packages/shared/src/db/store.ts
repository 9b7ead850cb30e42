import type { Client } from "@libsql/client";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import { localBusyPolicy, openDatabase, retryWhileBusy, WriteQueue } from "./sqlite";
import { filePathOf } from "./target";

export type StoreTx<S extends Record<string, unknown>> = Parameters<Parameters<LibSQLDatabase<S>["transaction"]>[0]>[0];

/** A service's database: drizzle for reads, and the process's one write queue for every write. */
export interface Store<S extends Record<string, unknown>> {
  db: LibSQLDatabase<S>;
  client: Client;
  writes: WriteQueue<StoreTx<S>>;
  /**
   * Runs a write that bypasses the queue (a rare one-statement write) as the queue runs
   * its transactions: waiting for another process's lock on timers, within the same budget.
   */
  retryWhileBusy<T>(work: () => Promise<T>): Promise<T>;
  /** Commits what the write queue holds, then closes the client. */
  close(): Promise<void>;
}

export interface StoreOptions {
  /** True unless an operator tool asks not to: migrations belong to a service's start-up. */
  migrate?: boolean;
  /** For a libSQL server that asks for one (see DatabaseTarget). */
  authToken?: string;
}

/** Opens a service's store, a local file or a libSQL server alike. */
export async function openStore<S extends Record<string, unknown>>(
  url: string,
  schema: S,
  migrationsFolder: string,
  options: StoreOptions = {},
): Promise<Store<S>> {
  const client = await openDatabase(url, options.authToken);
  // A libSQL server does its own waiting for locks; only a local file's connections need replacing.
  const busy = filePathOf(url) ? localBusyPolicy(client) : {};
  const db = drizzle(client, { schema });
  // Another process may be writing the file; a migration that lost the race rolled back whole.
  if (options.migrate ?? true) await retryWhileBusy(() => migrate(db, { migrationsFolder }), busy);
  const writes = new WriteQueue<StoreTx<S>>(db, undefined, busy);
  return {
    db,
    client,
    writes,
    retryWhileBusy: (work) => retryWhileBusy(work, busy),
    async close() {
      await writes.drain();
      client.close();
    },
  };
}
