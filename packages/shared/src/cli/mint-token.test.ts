import { expect, test } from "bun:test";
import { TEST_JWT_SECRET } from "@matchday/testkit/http";
import { runCli } from "@matchday/testkit/processes";
import { createTokenVerifier } from "../auth";

async function mint(...args: string[]) {
  const run = await runCli("packages/shared/src/cli/mint-token.ts", args, { JWT_SECRET: TEST_JWT_SECRET });
  return { ...run, stdout: run.stdout.trim() };
}

test("the token CLI mints tokens the services accept, with the phone in canonical form", async () => {
  const verify = createTokenVerifier(TEST_JWT_SECRET);
  const user = await mint("--role", "user", "--sub", "۰۹۱۲ ۱۲۳ ۴۵۶۷");
  expect(user.code).toBe(0);
  expect(await verify(`Bearer ${user.stdout}`)).toEqual({ role: "user", phone: "+989121234567" });
  const admin = await mint("--role", "admin", "--sub", "ops-alice", "--ttl", "60");
  expect(await verify(`Bearer ${admin.stdout}`)).toEqual({ role: "admin", subject: "ops-alice" });
});

test("the token CLI refuses an unknown role or option, a stray argument, a user without a phone and a bad ttl", async () => {
  for (const args of [
    ["--bogus"],
    ["admin"],
    ["--role", "root"],
    ["--role", "user"],
    ["--role", "user", "--sub", "12"],
    ["--role", "admin", "--ttl", "0"],
    ["--role", "admin", "--ttl", "2592001"],
  ]) {
    const result = await mint(...args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toStartWith("token: ");
  }
});

test("the token CLI explains itself with --help", async () => {
  const help = await mint("--help");
  expect(help.code).toBe(0);
  expect(help.stdout).toStartWith("usage: bun run token --role");
});
