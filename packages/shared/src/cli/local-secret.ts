import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
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

/**
 * `bun start`'s secret: the one in data/jwt-secret, made owner-only (0600) if an older run or
 * a copy left it readable, or a new one created 0600. Relative to the repository root.
 */
export function ensureLocalJwtSecret(root = process.cwd()): string {
  const file = join(root, LOCAL_SECRET_FILE);
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    return readFileSync(file, "utf8").trim();
  }
  const secret = randomBytes(48).toString("base64url");
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" }); // wx: never clobber one another run wrote
  return secret;
}
