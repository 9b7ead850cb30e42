import { expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LOCAL_SECRET_FILE, localJwtSecret } from "./local-secret";

test("an operator CLI uses JWT_SECRET when set, else the secret bun start wrote, else none", () => {
  const root = mkdtempSync(join(tmpdir(), "matchday-secret-"));
  try {
    expect(localJwtSecret({}, root)).toBeUndefined();
    mkdirSync(join(root, "data"));
    writeFileSync(join(root, LOCAL_SECRET_FILE), "generated-by-bun-start\n");
    expect(localJwtSecret({}, root)).toBe("generated-by-bun-start");
    expect(localJwtSecret({ JWT_SECRET: "from-env" }, root)).toBe("from-env");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
