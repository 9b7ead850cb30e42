import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { archiveDirOf, monthStart, scheduleArchiving } from "@matchday/shared/archive";
import { createLogger } from "@matchday/shared/logger";
import { makeTempDatabase, type TempDatabase } from "@matchday/shared/test-support";
import { openWalletStore, WALLET_MIGRATIONS, type WalletStore } from "../../db/store";
import { createLedgerWriter } from "../wallets/ledger-batch";
import { ledgerArchiveSource } from "./ledger-source";

let database: TempDatabase;
let store: WalletStore;
let root: string;
const logger = createLogger({ level: "silent", service: "wallet" });

beforeAll(async () => {
  database = await makeTempDatabase(WALLET_MIGRATIONS);
  store = await openWalletStore(database.url, { migrate: false });
  root = mkdtempSync(join(tmpdir(), "matchday-schedule-"));
});
afterAll(async () => {
  await store.close();
  database.dispose();
  rmSync(root, { recursive: true, force: true });
});

const config = { dir: "", afterMonths: 6, retainMonths: 24, intervalHours: 720 };
const ledgerRows = async () => Number((await store.client.execute("SELECT count(*) AS n FROM ledger")).rows[0]?.n);

async function untilSettled(check: () => boolean) {
  for (let i = 0; i < 100 && !check(); i++) await Bun.sleep(20);
}

test("a service archives by itself when a run is due, and a restart within the interval does not run again", async () => {
  const writer = createLedgerWriter(store, () => monthStart(Date.now(), 12));
  await writer.apply({ phone: "+989121230000", kind: "credit", amount: 50, idempotencyKey: "sched-1" });
  const settings = { ...config, dir: root };
  const dir = archiveDirOf(settings, "wallet");
  const options = {
    config: settings,
    service: "wallet",
    sources: [ledgerArchiveSource(store)],
    logger,
    firstCheckMs: 5,
  };

  const first = scheduleArchiving({ ...options, clock: Date.now });
  await untilSettled(() => dir.manifest().lastRunAt !== null);
  await first.stop();
  expect(dir.manifest().files.map((f) => f.rows)).toEqual([1]);
  expect(await ledgerRows()).toBe(0);
  const lastRun = dir.manifest().lastRunAt;

  // A restart a day later: an entry became due, but the next run is a month away.
  await writer.apply({ phone: "+989121230000", kind: "credit", amount: 70, idempotencyKey: "sched-2" });
  const restarted = scheduleArchiving({ ...options, clock: () => Date.now() + 86_400_000 });
  await Bun.sleep(100);
  await restarted.stop();
  expect(dir.manifest().lastRunAt).toBe(lastRun);
  expect(await ledgerRows()).toBe(1);

  // Thirty-one days on it is due again.
  const monthLater = scheduleArchiving({ ...options, clock: () => Date.now() + 31 * 86_400_000 });
  await untilSettled(() => dir.manifest().lastRunAt !== lastRun);
  await monthLater.stop();
  expect(await ledgerRows()).toBe(0);
});

test("an interval of 0 leaves archiving to the CLI", async () => {
  const settings = { ...config, dir: join(root, "off"), intervalHours: 0 };
  const scheduler = scheduleArchiving({
    config: settings,
    service: "wallet",
    sources: [ledgerArchiveSource(store)],
    logger,
    clock: Date.now,
    firstCheckMs: 1,
  });
  await Bun.sleep(50);
  await scheduler.stop();
  expect(archiveDirOf(settings, "wallet").manifest().lastRunAt).toBeNull();
});
