import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, type ServiceSpec } from "./service-process";

/** What a service process runs under. Each runtime has its own entry point over the same boot code. */
export type Runtime = "bun" | "deno";

/**
 * The executable of the `deno` dev dependency. Not node_modules/.bin/deno: that is a
 * Node wrapper whose Deno child never hears a SIGTERM sent to the wrapper.
 */
export const DENO_BINARY = join(REPO_ROOT, "node_modules/deno/deno");

/** The permissions the Deno entry points document (wallet/src/deno.ts says why each is needed). */
export const DENO_SERVICE_PERMISSIONS = [
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--allow-write",
  "--allow-sys=cpus,networkInterfaces,hostname",
  "--allow-ffi=node_modules",
];

/** Missing Deno fails the test with a way out, never skips it: a skipped runtime would read as one that works. */
export function denoCommand(): string[] {
  if (!existsSync(DENO_BINARY)) {
    throw new Error(`no Deno at ${DENO_BINARY}: run \`bun install\` (the "deno" dev dependency provides it)`);
  }
  return [DENO_BINARY, "run", "--no-prompt", ...DENO_SERVICE_PERMISSIONS];
}

export function entryPoint(service: "wallet" | "discount", runtime: Runtime): Pick<ServiceSpec, "entry" | "command"> {
  return runtime === "bun"
    ? { entry: `${service}/src/main.ts` }
    : { entry: `${service}/src/deno.ts`, command: denoCommand() };
}
