import { serveWithBun } from "@matchday/shared/runtime/bun";
import { bootOrExit } from "@matchday/shared/runtime/service";
import { bootDiscount } from "./boot";

/** Bun entry point: `bun discount/src/main.ts`. Deno's is deno.ts; both share boot.ts. */
serveWithBun(await bootOrExit("discount", () => bootDiscount(process.env)));
