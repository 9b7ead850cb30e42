import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { REPO_ROOT, type ServiceSpec } from "./service-process";

/** What a service process runs under. Each runtime has its own entry point over the same boot code. */
export type Runtime = "bun" | "deno";

const DENO_PACKAGE = join(REPO_ROOT, "node_modules/deno");

/**
 * The executable of the `deno` dev dependency, found by the package's own installer
 * code: Bun does not run its postinstall, so on a fresh install the binary is still in
 * the platform package (@deno/linux-x64-glibc, ...) until this links it in. Never
 * node_modules/.bin/deno: that is a Node wrapper whose Deno child never hears a SIGTERM.
 */
function denoBinary(): string {
  if (!existsSync(join(DENO_PACKAGE, "install_api.cjs"))) {
    throw new Error(`no Deno in ${DENO_PACKAGE}: run \`bun install\` (the "deno" dev dependency provides it)`);
  }
  const installer = createRequire(import.meta.url)(join(DENO_PACKAGE, "install_api.cjs")) as { runInstall(): string };
  return installer.runInstall();
}

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
  return [denoBinary(), "run", "--no-prompt", ...DENO_SERVICE_PERMISSIONS];
}

export function entryPoint(service: "wallet" | "discount", runtime: Runtime): Pick<ServiceSpec, "entry" | "command"> {
  return runtime === "bun"
    ? { entry: `${service}/src/main.ts` }
    : { entry: `${service}/src/deno.ts`, command: denoCommand() };
}
