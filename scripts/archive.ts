#!/usr/bin/env bun
/**
 * `bun run archive wallet|discount [run|list|verify|restore FILE]`: hands the rest
 * of the command line to that service's archiving tool, from the repo root so the
 * default `file:data/*.db` and `data/archive` paths are the ones `bun start` uses.
 */
import { join } from "node:path";

const TOOLS: Record<string, string> = { wallet: "wallet/src/cli/archive.ts", discount: "discount/src/cli/archive.ts" };
const [service, ...rest] = process.argv.slice(2);
const tool = service === undefined ? undefined : TOOLS[service];
if (!tool) {
  console.error(
    `usage: bun run archive ${Object.keys(TOOLS).join("|")} [run [--as-of ISO] | list | verify | restore FILE]`,
  );
  process.exit(2);
}
const root = join(import.meta.dir, "..");
const child = Bun.spawn(["bun", join(root, tool), ...rest], { cwd: root, stdio: ["inherit", "inherit", "inherit"] });
process.exit(await child.exited);
