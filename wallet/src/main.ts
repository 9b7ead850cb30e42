import { serveWithBun } from "@matchday/shared/runtime/bun";
import { bootOrExit } from "@matchday/shared/runtime/service";
import { bootWallet } from "./boot";

/** Bun entry point: `bun wallet/src/main.ts`. Deno's is deno.ts; both share boot.ts. */
serveWithBun(await bootOrExit("wallet", () => bootWallet(process.env)));
