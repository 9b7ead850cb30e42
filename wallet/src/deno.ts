import { serveWithDeno } from "@matchday/shared/runtime/deno";
import { bootOrExit } from "@matchday/shared/runtime/service";
import { bootWallet } from "./boot";

/**
 * Deno entry point, run from the repository root after `bun install` (deno.json points Deno at node_modules):
 *   deno run --allow-net --allow-env --allow-read --allow-write \
 *     --allow-sys=cpus,networkInterfaces,hostname --allow-ffi=node_modules wallet/src/deno.ts
 * net: listening (and, for discount, Redis and the wallet); env: the config reads the whole environment;
 * read/write: the DB file wherever its URL points, migrations, TLS files; ffi (only under node_modules):
 * libSQL is a Node-API addon; sys (three calls): picking that addon's build for this libc reads the
 * process report. Path- or host-scoped net/read/write would have to follow the config, so they are not.
 */
serveWithDeno(await bootOrExit("wallet", () => bootWallet(process.env)));
