import { afterAll, beforeAll, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { makeTestCerts, type TestCerts } from "@matchday/testkit/http";
import { runCli } from "@matchday/testkit/processes";

let certs: TestCerts;
beforeAll(async () => {
  certs = await makeTestCerts();
});
afterAll(() => certs.dispose());

const modeOf = (path: string) => statSync(path).mode & 0o777;
const openssl = (...args: string[]) => Bun.spawnSync(["openssl", ...args], { stdout: "pipe", stderr: "pipe" });

test("it writes a CA and a server certificate it signed; the keys and the folder are owner-only", () => {
  expect(readdirSync(certs.dir).sort()).toEqual(["ca-key.pem", "ca.pem", "server-key.pem", "server.pem"]);
  expect(modeOf(certs.dir)).toBe(0o700);
  expect(modeOf(join(certs.dir, "ca-key.pem"))).toBe(0o600);
  expect(modeOf(certs.key)).toBe(0o600);
  const verify = openssl("verify", "-CAfile", certs.caPath, certs.cert);
  expect(verify.stdout.toString().trim()).toBe(`${certs.cert}: OK`);
});

test("the server certificate names localhost, both loopback addresses and the compose hostnames", () => {
  const text = openssl("x509", "-in", certs.cert, "-noout", "-ext", "subjectAltName").stdout.toString();
  for (const name of [
    "DNS:localhost",
    "DNS:wallet",
    "DNS:discount",
    "IP Address:127.0.0.1",
    "IP Address:0:0:0:0:0:0:0:1",
  ]) {
    expect(text).toContain(name);
  }
});

test("it refuses to replace existing files unless told to with --force", async () => {
  const before = readFileSync(certs.caPath, "utf8");
  const refused = await runCli("scripts/dev-certs.ts", ["--out", certs.dir]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("pass --force to replace them");
  expect(readFileSync(certs.caPath, "utf8")).toBe(before);

  const forced = await runCli("scripts/dev-certs.ts", ["--out", certs.dir, "--force"]);
  expect(forced.code).toBe(0);
  expect(readFileSync(certs.caPath, "utf8")).not.toBe(before);
  // Nothing but the four files is left behind: no CSR, serial file or work folder.
  expect(readdirSync(certs.dir)).toHaveLength(4);
});

test("--help explains the options and an unknown option is refused with the usage", async () => {
  const help = await runCli("scripts/dev-certs.ts", ["--help"]);
  expect([help.code, help.stdout]).toEqual([0, expect.stringContaining("--out DIR")]);
  const unknown = await runCli("scripts/dev-certs.ts", ["--outdir", "x"]);
  expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining("usage: bun run certs")]);
});
