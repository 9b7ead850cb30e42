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

/** A process that logs one line through the service logger to its real standard output, then does `then`. */
function loggingProcess(then: string) {
  const logger = JSON.stringify(`${import.meta.dir}/logger.ts`);
  const script = `const { createLogger } = await import(${logger});
createLogger({ level: "info", service: "probe" }).info({ n: 1 }, "the line");
${then}`;
  return Bun.spawn(["bun", "-e", script], { stdout: "pipe", stderr: "pipe" });
}

test.each([
  ["it exits", "process.exit(0);"],
  ["it throws", 'throw new Error("boom");'],
  ["a promise is left rejected", 'Promise.reject(new Error("boom"));'],
  ["SIGTERM ends it", 'process.on("SIGTERM", () => process.exit(0)); process.kill(process.pid, "SIGTERM");'],
])("a line logged just before the process ends is written when %s", async (_how, then) => {
  const child = loggingProcess(then);
  const [out] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  expect(JSON.parse(out.trim())).toMatchObject({ service: "probe", n: 1, msg: "the line" });
});

test("in a quiet moment a line reaches standard output while the process runs on", async () => {
  const child = loggingProcess("await Bun.sleep(5_000);");
  try {
    const reader = child.stdout.getReader();
    let out = "";
    while (!out.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    expect(child.exitCode).toBeNull();
    expect(JSON.parse(out.trim())).toMatchObject({ msg: "the line" });
  } finally {
    child.kill("SIGKILL");
  }
});
