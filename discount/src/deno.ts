import { serveWithDeno } from "@matchday/shared/runtime/deno";
import { bootOrExit } from "@matchday/shared/runtime/service";
import { bootDiscount } from "./boot";

/**
 * Deno entry point, run from the repository root after `bun install`, with the wallet's permissions
 * (wallet/src/deno.ts says why each is needed):
 *   deno run --allow-net --allow-env --allow-read --allow-write \
 *     --allow-sys=cpus,networkInterfaces,hostname --allow-ffi=node_modules discount/src/deno.ts
 */
serveWithDeno(await bootOrExit("discount", () => bootDiscount(process.env)));
