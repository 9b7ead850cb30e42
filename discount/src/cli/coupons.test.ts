import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { runCli, runCliInTerminal } from "@matchday/testkit/processes";
import { DISCOUNT_MIGRATIONS } from "../db/store";

let db: TempDatabase;
beforeAll(async () => {
  db = await makeTempDatabase(DISCOUNT_MIGRATIONS, "discount.db");
});
afterAll(() => db?.dispose());

const coupons = (args: string[], env: Record<string, string> = {}) =>
  runCli("discount/src/cli/coupons.ts", args, { DISCOUNT_DATABASE_URL: db.url, ...env });

async function batchCount(name: string): Promise<number> {
  const client = createClient({ url: db.url });
  try {
    const { rows } = await client.execute({
      sql: `SELECT COUNT(*) AS n FROM campaigns c JOIN coupon_batches b ON b.id = c.batch_id
            WHERE b.name = ? AND c.kind = 'coupon' AND c.max_redemptions = 1`,
      args: [name],
    });
    return Number(rows[0]?.n);
  } finally {
    client.close();
  }
}

test("the coupon CLI writes each new code once, stores them as one batch and reports its progress", async () => {
  const run = await coupons(["--count", "60000", "--amount", "25000", "--name", "cli"]);
  expect(run.code).toBe(0);
  const codes = run.stdout.trimEnd().split("\n");
  expect(codes).toHaveLength(60_000);
  expect(new Set(codes).size).toBe(60_000);
  for (const code of codes) if (!/^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{8}$/.test(code)) throw new Error(code);
  // A run shorter than the 5 s period logs one progress line: the last.
  expect(run.stderr.match(/codes \(/g)).toEqual(["codes ("]);
  expect(run.stderr).toContain("coupons: 60,000/60,000 codes (100%)");
  expect(run.stderr).toContain('coupons: batch 1 "cli": 60,000 codes');
  expect(await batchCount("cli")).toBe(60_000);
});

test("two CLI runs at once each make exactly their count, and no code twice", async () => {
  const out = (name: string) => join(db.dir, `${name}.txt`);
  const [a, b] = await Promise.all([
    coupons(["--count", "30000", "--name", "left", "--out", out("left")]),
    coupons(["--count", "40000", "--name", "right", "--out", out("right")]),
  ]);
  expect([a.code, b.code]).toEqual([0, 0]);
  const left = (await Bun.file(out("left")).text()).trimEnd().split("\n");
  const right = (await Bun.file(out("right")).text()).trimEnd().split("\n");
  expect([left.length, right.length]).toEqual([30_000, 40_000]);
  expect(new Set([...left, ...right]).size).toBe(70_000);
  expect([await batchCount("left"), await batchCount("right")]).toEqual([30_000, 40_000]);
});

test.each([
  ["no count", [], "--count is required"],
  ["a count of zero", ["--count", "0"], "--count must be a whole number from 1 to 10000000"],
  ["a fractional amount", ["--count", "5", "--amount", "1.5"], "--amount must be a whole number"],
  [
    "a past expiry",
    ["--count", "5", "--expires", "2001-01-01T00:00:00Z"],
    "--expires must be an ISO date-time in the future",
  ],
  ["an unknown option", ["--count", "5", "--force"], "usage: bun run coupons"],
])("%s exits 1 with a clear message and stores nothing", async (_, args, message) => {
  const before = await batchCount("5 coupons");
  const run = await coupons(args);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(message);
  expect(await batchCount("5 coupons")).toBe(before);
});

test("a database URL naming no file exits 1 instead of creating one", async () => {
  const missing = join(db.dir, "nope", "discount.db");
  const run = await coupons(["--count", "5"], { DISCOUNT_DATABASE_URL: `file:${missing}` });
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(`coupons: no discount database at ${missing}`);
  expect(await Bun.file(missing).exists()).toBe(false);
});

test("the codes file is owner-only (0600), also when it already existed world-readable", async () => {
  const fresh = join(db.dir, "fresh-codes.txt");
  const existing = join(db.dir, "existing-codes.txt");
  writeFileSync(existing, "old codes\n", { mode: 0o644 });
  chmodSync(existing, 0o644); // whatever the umask
  for (const out of [fresh, existing]) {
    const run = await coupons(["--count", "3", "--name", "private", "--out", out]);
    expect(run.code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect((await Bun.file(out).text()).trimEnd().split("\n")).toHaveLength(3);
  }
});

test("piped, a long batch logs a plain progress line each period with rate and ETA, and one at the end", async () => {
  const run = await coupons(["--count", "300000", "--name", "logged"], { PROGRESS_EVERY_MS: "100" });
  expect(run.code).toBe(0);
  expect(run.stdout.trimEnd().split("\n")).toHaveLength(300_000);
  expect(run.stderr).not.toContain("\r");
  const lines = run.stderr.trimEnd().split("\n");
  const periodic = lines.filter((line) => /^coupons: [\d,]+\/300,000 codes \(\d+%\), [\d,]+\/s, ETA \d+s$/.test(line));
  // Each 50,000-code chunk takes well over 100 ms, so every chunk before the last is logged.
  expect(periodic.length).toBeGreaterThanOrEqual(2);
  expect(lines).toContainEqual(expect.stringMatching(/^coupons: 300,000\/300,000 codes \(100%\), [\d,]+\/s, in \d+s$/));
}, 30_000);

test("on a terminal, a long batch redraws one bar line with percent, rate and ETA, and writes its codes to --out", async () => {
  const out = join(db.dir, "terminal-codes.txt");
  const run = await runCliInTerminal(
    "discount/src/cli/coupons.ts",
    ["--count", "200000", "--name", "tty", "--out", out],
    {
      DISCOUNT_DATABASE_URL: db.url,
    },
  );
  expect(run.code).toBe(0);
  const draws = run.screen.split("\r\x1b[2K").slice(1);
  expect(draws[0]).toMatch(/^coupons \[\.+\] 0% 0\/200,000 codes -\/s ETA \?$/);
  const moving = /^coupons \[#+\.+\] \d+% [\d,]+\/200,000 codes [\d,]+\/s ETA \d+s$/;
  expect(draws.filter((draw) => moving.test(draw)).length).toBeGreaterThanOrEqual(1);
  expect(draws).toContainEqual(
    expect.stringMatching(/^coupons \[#+\] 100% 200,000\/200,000 codes [\d,]+\/s in \d+s\r?\n/),
  );
  expect((await Bun.file(out).text()).trimEnd().split("\n")).toHaveLength(200_000);
}, 30_000);
