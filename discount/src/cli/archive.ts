/** `bun run archive discount …`: the archiving tool over ended campaigns' winners (see packages/shared/src/cli/archive-cli.ts). */
import { archiveCli } from "@matchday/shared/cli/archive-cli";
import { openDiscountStore } from "../db/store";
import { redemptionArchiveSource } from "../modules/archive/redemption-source";

process.exitCode = await archiveCli(
  {
    name: "discount",
    databaseUrlVar: "DISCOUNT_DATABASE_URL",
    defaultDatabaseUrl: "file:data/discount.db",
    async open({ url, authToken }) {
      const store = await openDiscountStore(url, { migrate: false, authToken });
      return { sources: [redemptionArchiveSource(store)], close: () => store.close() };
    },
  },
  process.argv.slice(2),
  process.env,
);
