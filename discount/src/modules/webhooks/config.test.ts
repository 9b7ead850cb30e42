import { expect, test } from "bun:test";
import { ConfigError } from "@matchday/shared/config";
import { loadDiscountConfig } from "../../config";

const SECRET = "a-jwt-secret-long-enough-for-the-check-0123456789";
const load = (env: Record<string, string>) => loadDiscountConfig({ JWT_SECRET: SECRET, ...env }).webhooks;

test("by default webhooks go only to public https destinations, retried for three days", () => {
  expect(load({})).toEqual({
    allowHttp: false,
    allowPrivate: false,
    timeoutMs: 5_000,
    intervalMs: 1_000,
    retryBaseMs: 5_000,
    retryWindowMs: 72 * 3_600_000,
  });
});

test("WEBHOOK_ALLOW_PRIVATE=on and WEBHOOK_ALLOW_HTTP=on open loopback and plain http, as tests and closed networks need", () => {
  expect(load({ WEBHOOK_ALLOW_PRIVATE: "on", WEBHOOK_ALLOW_HTTP: "true" })).toMatchObject({
    allowHttp: true,
    allowPrivate: true,
  });
});

test("a retry window under a day, or a timeout out of range, stops the service naming the setting", () => {
  let problems: string[] = [];
  try {
    load({ WEBHOOK_RETRY_HOURS: "12", WEBHOOK_TIMEOUT_MS: "0" });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems = error.problems;
  }
  expect(problems.join("\n")).toContain("WEBHOOK_RETRY_HOURS");
  expect(problems.join("\n")).toContain("WEBHOOK_TIMEOUT_MS");
});
