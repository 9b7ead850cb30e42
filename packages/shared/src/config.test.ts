import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, envReader, readServiceConfig } from "./config";
import { NO_PROXY } from "./http/trusted-proxies";

const names = { port: "WALLET_PORT", databaseUrl: "WALLET_DATABASE_URL" };
const defaults = { port: 3001, databaseUrl: "file:data/wallet.db" };
const secret = "s".repeat(32);

function read(env: Record<string, string>) {
  const reader = envReader(env);
  const config = readServiceConfig(reader, names, defaults);
  reader.done();
  return config;
}

test("defaults apply when only the secret is given", () => {
  expect(read({ JWT_SECRET: secret })).toMatchObject({
    port: 3001,
    databaseUrl: "file:data/wallet.db",
    logLevel: "info",
    trustProxy: NO_PROXY,
    tls: undefined,
  });
});

test("every bad value is reported in one error, and secrets are never echoed", () => {
  let error: unknown;
  try {
    read({ JWT_SECRET: "short-secret", WALLET_PORT: "70000", LOG_LEVEL: "loud", TRUST_PROXY: "maybe", TLS_CERT: "x" });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigError);
  const { problems, message } = error as ConfigError;
  expect(problems).toHaveLength(6);
  expect(message).toContain("WALLET_PORT must be a whole number from 0 to 65535");
  expect(message).toContain("JWT_SECRET must be at least 32 bytes");
  expect(message).toContain("LOG_LEVEL must be one of");
  expect(message).toContain("TRUST_PROXY must be off, on, a number of proxy hops");
  expect(message).toContain("TLS_CERT and TLS_KEY must be set together");
  expect(message).toContain("TLS_CERT names a file that cannot be read: x (ENOENT)");
  expect(message).not.toContain("short-secret");
});

test("a missing secret and a database URL that is not a URL are both named", () => {
  expect(() => read({ WALLET_DATABASE_URL: "not a url" })).toThrow(/WALLET_DATABASE_URL must be a URL/);
  expect(() => read({ WALLET_DATABASE_URL: "not a url" })).toThrow(/JWT_SECRET is required/);
});

test("a URL that does not parse is named without the password it carries", () => {
  const reader = envReader({ REDIS_URL: "redis://:pa@ss word@cache:6379x" });
  reader.url("REDIS_URL", "redis://127.0.0.1:6379", ["redis:"]);
  expect(() => reader.done()).toThrow('REDIS_URL must be a URL, got "redis://***@cache:6379x"');
  expect(() => reader.done()).not.toThrow(/pa@ss|ss word/);
});

test("TLS files are read at start-up: a missing or non-PEM file is named with its path", () => {
  const dir = mkdtempSync(join(tmpdir(), "matchday-config-"));
  try {
    const notPem = join(dir, "ca.txt");
    writeFileSync(notPem, "hello");
    const missing = join(dir, "nope.pem");
    const reader = envReader({ JWT_SECRET: secret, TLS_CA: notPem, TLS_CERT: missing, TLS_KEY: notPem });
    expect(reader.certificates("TLS_CA")).toBeUndefined();
    expect(readServiceConfig(reader, names, defaults).tls).toBeUndefined();
    expect(() => reader.done()).toThrow(
      new ConfigError([
        `TLS_CA must name a PEM file of CA certificates; ${notPem} holds none`,
        `TLS_CERT names a file that cannot be read: ${missing} (ENOENT)`,
      ]),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("/metrics is served on the main port behind a token unless METRICS_PORT asks for an internal listener", () => {
  expect(read({ JWT_SECRET: secret }).metrics).toEqual({ token: undefined, listener: undefined });
  const token = "m".repeat(32);
  expect(read({ JWT_SECRET: secret, METRICS_TOKEN: token, METRICS_PORT: "9464" }).metrics).toEqual({
    token,
    listener: { port: 9464, host: "127.0.0.1" },
  });
  expect(read({ JWT_SECRET: secret, METRICS_PORT: "9464", METRICS_HOST: "10.0.0.5" }).metrics.listener).toEqual({
    port: 9464,
    host: "10.0.0.5",
  });
});

test("a short METRICS_TOKEN, a bad METRICS_PORT or one equal to the service's port stop start-up, token unechoed", () => {
  const problems = (env: Record<string, string>) => {
    try {
      read({ JWT_SECRET: secret, ...env });
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };
  expect(problems({ METRICS_TOKEN: "too-short-token" })).toEqual(["METRICS_TOKEN must be at least 32 bytes long"]);
  expect(problems({ METRICS_PORT: "0" })).toEqual(['METRICS_PORT must be a whole number from 1 to 65535, got "0"']);
  expect(problems({ METRICS_PORT: "3001" })).toEqual(["METRICS_PORT must differ from WALLET_PORT (3001)"]);
  expect(problems({ METRICS_HOST: "10.0.0.5" })).toEqual(["METRICS_HOST is only used with METRICS_PORT"]);
});

test("TRUST_PROXY takes off, on (one hop), a hop count or proxy CIDRs, and names any other value", () => {
  const trust = (value: string) => read({ JWT_SECRET: secret, TRUST_PROXY: value }).trustProxy;
  expect(trust("off")).toEqual({ hops: 0 });
  expect(trust("on")).toEqual({ hops: 1 });
  expect(trust("TRUE")).toEqual({ hops: 1 });
  expect(trust("2")).toEqual({ hops: 2 });
  expect(trust("10.0.0.0/8, fd00::/8, 192.0.2.1")).toHaveProperty("proxies");
  for (const bad of [
    "maybe",
    "21",
    "10.0.0.0/33",
    "fd00::/129",
    "10.0.0.0/8,",
    "10.0.0.0/8/1",
    "proxy.internal",
    "-1",
  ]) {
    expect(() => trust(bad), bad).toThrow(`TRUST_PROXY must be off, on, a number of proxy hops (0-20) or a comma list`);
  }
});
