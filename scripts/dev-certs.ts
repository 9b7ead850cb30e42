#!/usr/bin/env bun
/**
 * `bun run certs [--out DIR] [--force]`: a local CA and one server certificate signed by it,
 * for running the services over HTTPS in development (DESIGN §7). Needs the openssl binary.
 * Writes ca.pem, ca-key.pem, server.pem and server-key.pem (keys 0600) into DIR (default
 * data/certs, created 0700). The server certificate names localhost, 127.0.0.1, ::1 and the
 * compose hostnames, so one file serves both services anywhere they run. Never for production.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const USAGE = `usage: bun run certs [--out DIR] [--force]

Makes a development CA and a server certificate signed by it:
  ca.pem, ca-key.pem          the CA (give ca.pem to clients as TLS_CA)
  server.pem, server-key.pem  for TLS_CERT and TLS_KEY (localhost, 127.0.0.1, ::1, wallet, discount)

  --out DIR   where to write them (default data/certs; created owner-only)
  --force     replace files that are already there
  --help      this text`;

const FILES = ["ca.pem", "ca-key.pem", "server.pem", "server-key.pem"] as const;
const KEYS = new Set<string>(["ca-key.pem", "server-key.pem"]);
const NAMES = ["DNS:localhost", "DNS:wallet", "DNS:discount", "IP:127.0.0.1", "IP:::1"];
const CA_DAYS = "3650";
// Clients cap a leaf's lifetime (Apple: 825 days); a longer one is refused outright.
const SERVER_DAYS = "825";
const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function fail(message: string): never {
  console.error(`certs: ${message}`);
  process.exit(1);
}

let args: { out?: string; force?: boolean; help?: boolean };
try {
  args = parseArgs({
    options: { out: { type: "string" }, force: { type: "boolean" }, help: { type: "boolean" } },
  }).values;
} catch (error) {
  fail(`${(error as Error).message}\n${USAGE}`);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!Bun.which("openssl")) fail("the openssl binary is not on the PATH (apt-get install openssl)");

const out = resolve(args.out ?? join(import.meta.dir, "..", "data", "certs"));
const present = FILES.filter((name) => existsSync(join(out, name)));
if (present.length > 0 && !args.force) fail(`${out} already holds ${present.join(", ")}; pass --force to replace them`);

function openssl(cwd: string, ...argv: string[]): void {
  const run = Bun.spawnSync(["openssl", ...argv], { cwd, stdout: "ignore", stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(`openssl ${argv[0]} failed:\n${run.stderr.toString()}`);
}

mkdirSync(out, { recursive: true, mode: 0o700 });
// Everything is made in a private folder next to the target and moved in only when complete,
// so no key is ever readable by others and a failed openssl step leaves nothing behind.
const work = mkdtempSync(join(out, ".certs-"));
let failure: string | undefined;
try {
  writeFileSync(
    join(work, "server.ext"),
    [
      `subjectAltName = ${NAMES.join(", ")}`,
      "basicConstraints = critical, CA:FALSE",
      "keyUsage = critical, digitalSignature",
      "extendedKeyUsage = serverAuth",
    ].join("\n"),
  );
  openssl(
    work,
    "req",
    "-x509",
    ...EC_KEY,
    "-keyout",
    "ca-key.pem",
    "-out",
    "ca.pem",
    "-days",
    CA_DAYS,
    "-subj",
    "/CN=Matchday development CA",
    "-addext",
    "basicConstraints = critical, CA:TRUE, pathlen:0",
    "-addext",
    "keyUsage = critical, keyCertSign, cRLSign",
  );
  openssl(work, "req", ...EC_KEY, "-keyout", "server-key.pem", "-out", "server.csr", "-subj", "/CN=localhost");
  openssl(
    work,
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca-key.pem",
    // A random serial, so no ca.srl file is left to track.
    "-set_serial",
    `0x${randomBytes(16).toString("hex")}`,
    "-days",
    SERVER_DAYS,
    "-extfile",
    "server.ext",
    "-out",
    "server.pem",
  );
  for (const name of FILES) {
    chmodSync(join(work, name), KEYS.has(name) ? 0o600 : 0o644);
    renameSync(join(work, name), join(out, name));
  }
} catch (error) {
  failure = (error as Error).message;
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failure) fail(failure);

console.log(`certs: wrote ${FILES.join(", ")} to ${out}
Serve HTTPS:  TLS_CERT=${join(out, "server.pem")} TLS_KEY=${join(out, "server-key.pem")}
Trust it:     TLS_CA=${join(out, "ca.pem")}  (discount calling an https WALLET_URL; curl --cacert)`);
