import { existsSync } from "node:fs";
import { type DatabaseTarget, filePathOf } from "@matchday/shared/db";
import { type DiscountStore, openDiscountStore } from "../db/store";

/** An operator tool's way out: its name, the message, exit 1. */
export function failWith(tool: string) {
  return (message: string): never => {
    console.error(`${tool}: ${message}`);
    process.exit(1);
  };
}

/**
 * Opens the discount database a service already created. Opening a missing file would
 * create it, so a typo in the URL is refused rather than read as "nothing there"; and
 * migrations belong to the service's start-up, so an operator tool never runs them.
 */
export async function openExistingStore(
  database: DatabaseTarget,
  fail: (message: string) => never,
): Promise<DiscountStore> {
  const path = filePathOf(database.url);
  if (path && !existsSync(path)) fail(`no discount database at ${path}`);
  const store = await openDiscountStore(database.url, { migrate: false, authToken: database.authToken });
  await store.client
    .execute("SELECT id FROM campaigns LIMIT 1")
    .catch((error: Error) => fail(`cannot read campaigns (not a migrated discount database?): ${error.message}`));
  return store;
}
