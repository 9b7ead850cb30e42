import { expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureLocalJwtSecret, LOCAL_SECRET_FILE, localJwtSecret } from "./local-secret";

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

test("bun start's secret file is owner-only (0600): a new one, and one that existed world-readable", () => {
  const root = mkdtempSync(join(tmpdir(), "matchday-secret-"));
  try {
    mkdirSync(join(root, "data"));
    const created = ensureLocalJwtSecret(root);
    expect(created.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(root, LOCAL_SECRET_FILE)).mode & 0o777).toBe(0o600);
    expect(ensureLocalJwtSecret(root)).toBe(created);

    chmodSync(join(root, LOCAL_SECRET_FILE), 0o644);
    expect(ensureLocalJwtSecret(root)).toBe(created);
    expect(statSync(join(root, LOCAL_SECRET_FILE)).mode & 0o777).toBe(0o600);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
