import { bootOrExit, serveWithBun } from "@matchday/shared";
import { bootDiscount } from "./boot";

/** Bun entry point: `bun discount/src/main.ts`. Deno's is deno.ts; both share boot.ts. */
serveWithBun(await bootOrExit("discount", () => bootDiscount(process.env)));
