import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, type ServedTls } from "../processes/service-process";

export interface TestCerts extends ServedTls {
  /** Where the script wrote ca.pem, ca-key.pem, server.pem and server-key.pem. */
  dir: string;
  /** The CA's file, as TLS_CA takes it (`ca` is its PEM text). */
  caPath: string;
  dispose(): void;
}

/** A development CA and server certificate, made by `scripts/dev-certs.ts` as an operator makes them. */
export async function makeTestCerts(): Promise<TestCerts> {
  const root = mkdtempSync(join(tmpdir(), "matchday-certs-"));
  const dir = join(root, "certs");
  const run = await runCli("scripts/dev-certs.ts", ["--out", dir]);
  if (run.code !== 0) throw new Error(`scripts/dev-certs.ts failed (${run.code}):\n${run.stderr}`);
  const caPath = join(dir, "ca.pem");
  return {
    dir,
    caPath,
    ca: readFileSync(caPath, "utf8"),
    cert: join(dir, "server.pem"),
    key: join(dir, "server-key.pem"),
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}
