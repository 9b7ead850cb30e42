import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Where `bun start` keeps the JWT secret it generated, relative to the repository root. */
export const LOCAL_SECRET_FILE = "data/jwt-secret";

/**
 * The JWT secret for an operator's CLI: JWT_SECRET when set, else the one `bun start`
 * wrote, so the tools work against the local system without copying secrets around.
 */
export function localJwtSecret(env: Record<string, string | undefined>, root = process.cwd()): string | undefined {
  if (env.JWT_SECRET) return env.JWT_SECRET;
  const file = join(root, LOCAL_SECRET_FILE);
  return existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
}
