import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monthStart } from "@matchday/shared/archive";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { runCli, runCliInTerminal } from "@matchday/testkit/processes";
import { openWalletStore, WALLET_MIGRATIONS } from "../db/store";
import { createLedgerWriter } from "../modules/wallets/ledger-batch";

let database: TempDatabase;
let archiveDir: string;
const ENTRIES = 2_500;

beforeAll(async () => {
  database = await makeTempDatabase(WALLET_MIGRATIONS);
  archiveDir = mkdtempSync(join(tmpdir(), "matchday-archive-cli-"));
  const store = await openWalletStore(database.url, { migrate: false });
  // A year back: past the six-month cut-off, within the two-year retention, whenever the test runs.
  const writer = createLedgerWriter(store, () => monthStart(Date.now(), 12));
  await Promise.all(
    Array.from({ length: ENTRIES }, (_, i) =>
      writer.apply({ phone: "+989121234567", kind: "credit", amount: 10, idempotencyKey: `cli-${i}` }),
    ),
  );
  await store.close();
});
afterAll(() => {
  database.dispose();
  rmSync(archiveDir, { recursive: true, force: true });
});

const archive = (...args: string[]) =>
  runCli("scripts/archive.ts", ["wallet", ...args], { WALLET_DATABASE_URL: database.url, ARCHIVE_DIR: archiveDir });

async function ledgerCount(): Promise<number> {
  const store = await openWalletStore(database.url, { migrate: false });
  const { rows } = await store.client.execute("SELECT count(*) AS n FROM ledger");
  await store.close();
  return Number(rows[0]?.n);
}

test("run archives what is due with progress, list and verify show the file, restore brings the rows back", async () => {
  const ran = await archive("run");
  expect(ran.code).toBe(0);
  expect(ran.stderr).toContain(
    `writing ledger: ${ENTRIES.toLocaleString("en")}/${ENTRIES.toLocaleString("en")} rows (100%)`,
  );
  expect(ran.stderr).toContain(`done: ${ENTRIES.toLocaleString("en")} rows archived`);
  expect(await ledgerCount()).toBe(0);

  const listed = await archive("list");
  expect(listed.code).toBe(0);
  const name = listed.stdout.split("\t")[0] ?? "";
  expect(name).toMatch(/^wallet-ledger-\d{12}-\d{12}\.jsonl\.gz$/);
  expect(listed.stdout).toContain(`${ENTRIES} rows`);
  expect((await archive("verify")).stdout).toContain("\tok");

  const restored = await archive("restore", name);
  expect(restored.code).toBe(0);
  expect(restored.stderr).toContain(`restored ${ENTRIES.toLocaleString("en")} rows`);
  expect(await ledgerCount()).toBe(ENTRIES);
});

test("on a terminal, run, verify and restore draw one bar per step, each ending at 100% with its time", async () => {
  const env = { WALLET_DATABASE_URL: database.url, ARCHIVE_DIR: archiveDir };
  const bar = (step: string) =>
    new RegExp(`\\r\\x1b\\[2Karchive wallet: ${step} \\[#+\\] 100% 2,500/2,500 rows [\\d,]+/s in \\d+s\\r?\\n`);
  const ran = await runCliInTerminal("scripts/archive.ts", ["wallet", "run"], env, 120);
  expect(ran.code).toBe(0);
  for (const step of ["writing ledger", "checking ledger file", "removing ledger rows"])
    expect(ran.screen).toMatch(bar(step));
  const name = (await archive("list")).stdout.split("\t")[0] ?? "";
  const verified = await runCliInTerminal("scripts/archive.ts", ["wallet", "verify"], env, 120);
  expect(verified.code).toBe(0);
  // The file's line (stdout) stands above the bar, which is drawn again under it.
  expect(verified.screen).toMatch(
    new RegExp(`\\r\\x1b\\[2K${name}\\t.*\\tok\\r?\\n\\r\\x1b\\[2Karchive wallet: verify \\[`),
  );
  const megabytes = "[\\d.]+";
  expect(verified.screen).toMatch(
    new RegExp(
      `\\r\\x1b\\[2Karchive wallet: verify \\[#+\\] 100% ${megabytes}/${megabytes} MB [\\d.,]+/s in \\d+s\\r?\\n`,
    ),
  );
  const restored = await runCliInTerminal("scripts/archive.ts", ["wallet", "restore", name], env, 120);
  expect(restored.code).toBe(0);
  expect(restored.screen).toMatch(bar("restoring ledger"));
  expect(await ledgerCount()).toBe(ENTRIES);
}, 30_000);

test("verify reports a damaged file and exits non-zero", async () => {
  expect((await archive("run")).code).toBe(0);
  const name = (await archive("list")).stdout.split("\t")[0] ?? "";
  const path = join(archiveDir, "wallet", name);
  const bytes = readFileSync(path);
  bytes[20] = (bytes[20] ?? 0) ^ 0xff;
  writeFileSync(path, bytes);

  const verified = await archive("verify");
  expect(verified.code).toBe(1);
  expect(verified.stdout).toContain("BAD: ");
  expect((await archive("restore", name)).code).toBe(1);
});

test("a wrong command or a missing database is refused with a usage line, not a stack trace", async () => {
  const wrong = await archive("shred");
  expect(wrong.code).toBe(2);
  expect(wrong.stderr).toContain("usage: bun run archive wallet");
  const missing = await runCli("scripts/archive.ts", ["wallet", "run"], {
    WALLET_DATABASE_URL: `file:${join(archiveDir, "nope.db")}`,
    ARCHIVE_DIR: archiveDir,
  });
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain("no database at");
  expect((await runCli("scripts/archive.ts", ["ledger"])).code).toBe(2);
});
