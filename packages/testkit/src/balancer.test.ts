import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { haproxyBinary, haproxyConfig, shippedHaproxyConfig } from "./balancer";

/** `haproxy -c`: HAProxy's own verdict on a configuration, without starting it. */
async function haproxyAccepts(config: string): Promise<{ ok: boolean; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), "matchday-haproxy-check-"));
  try {
    const file = join(dir, "haproxy.cfg");
    writeFileSync(file, config);
    const proc = Bun.spawn([haproxyBinary(), "-c", "-f", file], { stdout: "pipe", stderr: "pipe" });
    const [code, out, err] = await Promise.all([
      proc.exited,
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
    ]);
    return { ok: code === 0, output: out + err };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the shipped deploy/haproxy.cfg passes HAProxy's own check as compose mounts it", async () => {
  const verdict = await haproxyAccepts(shippedHaproxyConfig());
  expect(verdict.output).not.toContain("ALERT");
  expect(verdict.ok).toBe(true);
});

test("the tests' rewrite of the shipped config keeps everything but the server-template line, which becomes one server per instance", async () => {
  const shipped = shippedHaproxyConfig();
  const rewritten = haproxyConfig(shipped, ["http://127.0.0.1:4001", "http://127.0.0.1:4002"]);
  expect(rewritten).toContain("    server discount-1 127.0.0.1:4001\n    server discount-2 127.0.0.1:4002\n");
  expect(rewritten).not.toMatch(/^\s*server-template /m);
  const untouched = (text: string) => text.split("\n").filter((line) => !/^\s*server(-template)? /.test(line));
  expect(untouched(rewritten)).toEqual(untouched(shipped));
  expect((await haproxyAccepts(rewritten)).ok).toBe(true);
});

test("a config without exactly one server-template line is refused rather than run without the instances", () => {
  expect(() => haproxyConfig("backend discount\n    balance leastconn\n", ["http://127.0.0.1:4001"])).toThrow(
    "exactly one server-template line",
  );
  const twice = "backend a\n    server-template a 3 x:1\nbackend b\n    server-template b 3 y:1\n";
  expect(() => haproxyConfig(twice, ["http://127.0.0.1:4001"])).toThrow("exactly one server-template line");
});
