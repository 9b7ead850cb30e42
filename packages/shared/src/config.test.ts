import { expect, test } from "bun:test";
import { ConfigError, envReader, readServiceConfig } from "./config";

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
    trustProxy: false,
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
  expect(problems).toHaveLength(5);
  expect(message).toContain("WALLET_PORT must be a whole number from 0 to 65535");
  expect(message).toContain("JWT_SECRET must be at least 32 bytes");
  expect(message).toContain("LOG_LEVEL must be one of");
  expect(message).toContain("TRUST_PROXY must be on/off");
  expect(message).toContain("TLS_CERT and TLS_KEY must be set together");
  expect(message).not.toContain("short-secret");
});

test("a missing secret and a database URL that is not a URL are both named", () => {
  expect(() => read({ WALLET_DATABASE_URL: "not a url" })).toThrow(/WALLET_DATABASE_URL must be a URL/);
  expect(() => read({ WALLET_DATABASE_URL: "not a url" })).toThrow(/JWT_SECRET is required/);
});
