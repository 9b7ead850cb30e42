import { fileURLToPath } from "node:url";
import { openStore, type Store, type StoreOptions, type StoreTx } from "@matchday/shared/db";
import * as schema from "./schema";

export type WalletTx = StoreTx<typeof schema>;
/** The wallet's database: every credit, debit and archiving step goes through its write queue. */
export type WalletStore = Store<typeof schema>;

export const WALLET_MIGRATIONS = fileURLToPath(new URL("../../drizzle", import.meta.url));

export const openWalletStore = (url: string, options?: StoreOptions): Promise<WalletStore> =>
  openStore(url, schema, WALLET_MIGRATIONS, options);
