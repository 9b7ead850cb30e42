import { expect, test } from "bun:test";
import { createLogger, unredacted } from "./logger";

test("a logged Redis error keeps its message but not its command's arguments (an AUTH password, a phone)", () => {
  const lines: string[] = [];
  const logger = createLogger({
    level: "info",
    service: "test",
    destination: { write: (line: string) => lines.push(line) },
  });
  // The shape of an ioredis reply error: the command it answered rides along as a property.
  const error = Object.assign(new Error("WRONGPASS invalid username-password pair or user is disabled."), {
    command: { name: "hello", args: ["3", "AUTH", "default", "hunter2-secret"] },
  });
  logger.warn({ err: error }, "redis connection problem");
  const line = JSON.parse(lines[0] as string);
  expect(line.err).toMatchObject({ message: error.message, command: { name: "hello", args: "[redacted]" } });
  expect(lines.join("")).not.toContain("hunter2-secret");
});

test("the unredacted logger writes the very line its parent writes for fields that hold no secret", () => {
  const lines: string[] = [];
  const logger = createLogger({
    level: "info",
    service: "test",
    destination: { write: (line: string) => lines.push(line) },
  });
  const fields = { requestId: "req-1", method: "GET", route: "/v1/wallets/:phone", status: 200, ms: 3 };
  logger.info(fields, "request");
  unredacted(logger).info(fields, "request");
  unredacted(logger).debug(fields, "request");
  const withoutTime = lines.map((line) => line.replace(/"time":"[^"]+"/, ""));
  expect(withoutTime).toHaveLength(2);
  expect(withoutTime[1]).toBe(withoutTime[0] as string);
});
