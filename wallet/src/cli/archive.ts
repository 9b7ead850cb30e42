/** `bun run archive wallet …`: the archiving tool over the wallet's ledger (see packages/shared/src/cli/archive-cli.ts). */
import { archiveCli } from "@matchday/shared/cli/archive-cli";
import { openWalletStore } from "../db/store";
import { ledgerArchiveSource } from "../modules/archive/ledger-source";

process.exitCode = await archiveCli(
  {
    name: "wallet",
    databaseUrlVar: "WALLET_DATABASE_URL",
    defaultDatabaseUrl: "file:data/wallet.db",
    async open({ url, authToken }) {
      const store = await openWalletStore(url, { migrate: false, authToken });
      return { sources: [ledgerArchiveSource(store)], close: () => store.close() };
    },
  },
  process.argv.slice(2),
  process.env,
);
