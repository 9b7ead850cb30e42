import { fileURLToPath } from "node:url";
import { openStore, type Store, type StoreOptions, type StoreTx } from "@matchday/shared/db";
import * as schema from "./schema";

export type DiscountTx = StoreTx<typeof schema>;
/** The discount database: redemptions, outbox, coupons and archiving all write through its queue. */
export type DiscountStore = Store<typeof schema>;

export const DISCOUNT_MIGRATIONS = fileURLToPath(new URL("../../drizzle", import.meta.url));

export const openDiscountStore = (url: string, options?: StoreOptions): Promise<DiscountStore> =>
  openStore(url, schema, DISCOUNT_MIGRATIONS, options);
