import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import {
  ArchiveBusyError,
  ArchiveDir,
  ArchiveIntegrityError,
  type ArchiveSource,
  lockArchive,
  restoreArchive,
  runArchive,
} from "@matchday/shared/archive";
import { bearer } from "@matchday/shared/test-support";
import { startWalletInProcess, type WalletUnderTest } from "../../testing";
import { createLedgerWriter } from "../wallets/ledger-batch";
import { ledgerArchiveSource } from "./ledger-source";

const DAY = 86_400_000;
const POLICY = { afterMonths: 6, retainMonths: 24 };
/** "Today" for every run: entries before 2026-05-01 are past the six-month cut-off. */
const NOW = Date.UTC(2026, 10, 23, 12);
const OLD = Date.UTC(2025, 0, 10);
const RECENT = Date.UTC(2026, 9, 1);

let entryTime = OLD;
let wallet: WalletUnderTest;
let service: Record<string, string>;
let archiveRoot: string;
let dir: ArchiveDir;
let source: ArchiveSource;
let dirSeq = 0;

beforeAll(async () => {
  wallet = await startWalletInProcess({ clock: () => entryTime });
  service = await bearer("service");
  archiveRoot = mkdtempSync(join(tmpdir(), "matchday-archive-"));
  source = ledgerArchiveSource(wallet.store);
});
afterAll(async () => {
  await wallet.dispose();
  rmSync(archiveRoot, { recursive: true, force: true });
});

/** Each test archives into its own location, over the one wallet database. */
const freshDir = () => {
  dir = new ArchiveDir(join(archiveRoot, `run-${dirSeq++}`));
  return dir;
};

function entry(kind: "credits" | "debits", phone: string, amount: number, key: string, description?: string) {
  return fetch(`${wallet.url}/v1/wallets/${phone}/${kind}`, {
    method: "POST",
    headers: { ...service, "content-type": "application/json", "idempotency-key": key },
    body: JSON.stringify({ amount, reference: `ref-${key}`, ...(description ? { description } : {}) }),
  });
}
const balanceOf = async (phone: string) =>
  ((await (await fetch(`${wallet.url}/v1/wallets/${phone}`, { headers: service })).json()) as { balance: number })
    .balance;

async function sql<T>(query: string, args: (string | number)[] = []): Promise<T[]> {
  return (await wallet.store.client.execute({ sql: query, args })).rows as unknown as T[];
}
const liveRows = () => sql<Record<string, unknown>>("SELECT * FROM ledger ORDER BY id");

/** Every row of every archive file in a location, straight from the files. */
function archivedRows(location: ArchiveDir): Record<string, unknown>[] {
  return location.manifest().files.flatMap((f) =>
    gunzipSync(readFileSync(join(location.path, f.name)))
      .toString("utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>),
  );
}

/** Writes history for phones: old entries (archivable) and recent ones (kept). */
async function history(tag: string, phones: string[]) {
  for (const [i, phone] of phones.entries()) {
    entryTime = OLD + i * DAY;
    expect((await entry("credits", phone, 5_000 + i, `${tag}-old-c-${i}`, "first credit")).status).toBe(201);
    expect((await entry("debits", phone, 1_000, `${tag}-old-d-${i}`)).status).toBe(201);
    entryTime = RECENT + i * DAY;
    expect((await entry("credits", phone, 700, `${tag}-new-c-${i}`)).status).toBe(201);
  }
}

const phonesFor = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(1_000_000 + i).slice(-7)}`);
const canonical = (phone: string) => `+98${phone.slice(1)}`;

describe("archiving the wallet ledger", () => {
  test("entries older than six months move to a gzip JSON Lines file and every balance stays what it was", async () => {
    const phones = phonesFor("0915", 5);
    await history("a", phones);
    const before = await Promise.all(phones.map(balanceOf));
    const location = freshDir();

    const report = await runArchive(location, [source], POLICY, NOW);

    expect(report.archived).toHaveLength(1);
    const [file] = location.manifest().files;
    expect(file).toMatchObject({ table: "ledger", rows: 10, complete: true });
    const bytes = readFileSync(join(location.path, file?.name ?? ""));
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(file?.sha256 as string);
    expect(bytes.length).toBe(file?.bytes as number);
    expect(await Promise.all(phones.map(balanceOf))).toEqual(before);
    const oldLeft = await sql<{ n: number }>("SELECT count(*) AS n FROM ledger WHERE created_at < ?", [
      Date.UTC(2026, 4, 1),
    ]);
    expect(Number(oldLeft[0]?.n)).toBe(0);

    // balance = live ledger sum + archived sum, for every phone, from the file itself
    const archived = archivedRows(location);
    for (const [i, phone] of phones.entries()) {
      const live = await sql<{ s: number }>("SELECT COALESCE(SUM(amount), 0) AS s FROM ledger WHERE phone = ?", [
        canonical(phone),
      ]);
      const fromFile = archived.filter((r) => r.phone === canonical(phone)).reduce((s, r) => s + Number(r.amount), 0);
      expect(Number(live[0]?.s) + fromFile).toBe(before[i] as number);
    }
    expect(location.manifest().lastRunAt).toBe(NOW);
  });

  test("a retry of an archived entry's key replays it, and the same key with another amount is still refused", async () => {
    const phone = "09161000001";
    entryTime = OLD;
    const first = await entry("credits", phone, 12_345, "replay-key");
    const original = (await first.json()) as Record<string, unknown>;
    await runArchive(freshDir(), [source], POLICY, NOW);
    expect(await sql("SELECT id FROM ledger WHERE idempotency_key = 'replay-key'")).toEqual([]);

    const again = await entry("credits", phone, 12_345, "replay-key");
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual({ ...original, description: null });
    expect(await balanceOf(phone)).toBe(12_345);

    const other = await entry("credits", phone, 99, "replay-key");
    expect(other.status).toBe(409);
    expect(((await other.json()) as { code: string }).code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(await balanceOf(phone)).toBe(12_345);
  });

  test("restoring an archive brings back the exact rows, and archiving them again writes the identical file", async () => {
    await history("r", phonesFor("0917", 3));
    const rowsBefore = await liveRows();
    const location = freshDir();
    await runArchive(location, [source], POLICY, NOW);
    const [file] = location.manifest().files;
    const name = file?.name ?? "";
    const bytes = readFileSync(join(location.path, name));

    const restored = await restoreArchive(location, [source], name, NOW);

    expect(restored.rows).toBe(file?.rows as number);
    expect(await liveRows()).toEqual(rowsBefore);
    expect(await sql("SELECT * FROM archived_entries WHERE archive = ?", [name])).toEqual([]);
    expect(existsSync(join(location.path, name))).toBe(false);
    expect(location.manifest().files).toEqual([]);

    await runArchive(location, [source], POLICY, NOW);
    expect(location.manifest().files.map((f) => f.name)).toEqual([name]);
    expect(readFileSync(join(location.path, name)).equals(bytes)).toBe(true);
  });

  test("a damaged archive file is refused by restore and nothing changes", async () => {
    await history("x", phonesFor("0918", 2));
    const location = freshDir();
    await runArchive(location, [source], POLICY, NOW);
    const [file] = location.manifest().files;
    const path = join(location.path, file?.name ?? "");
    const bytes = readFileSync(path);
    const at = bytes.length - 10;
    bytes[at] = (bytes[at] ?? 0) ^ 0xff;
    writeFileSync(path, bytes);
    const rowsBefore = await liveRows();

    await expect(restoreArchive(location, [source], file?.name ?? "", NOW)).rejects.toBeInstanceOf(
      ArchiveIntegrityError,
    );
    expect(await liveRows()).toEqual(rowsBefore);
    expect(location.manifest().files).toEqual([file as never]);
  });

  test("files whose newest entry is older than two years are deleted, and their keys still replay", async () => {
    const phone = "09191000001";
    entryTime = OLD;
    await entry("credits", phone, 4_000, "expiring-key");
    const location = freshDir();
    await runArchive(location, [source], POLICY, NOW);
    const [file] = location.manifest().files;

    const later = Date.UTC(2027, 1, 2); // 2025-01 is then more than 24 whole months back
    const report = await runArchive(location, [source], POLICY, later);

    expect(report.deleted).toEqual([file?.name as string]);
    expect(existsSync(join(location.path, file?.name ?? ""))).toBe(false);
    expect(location.manifest().files).toEqual([]);
    const again = await entry("credits", phone, 4_000, "expiring-key");
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await balanceOf(phone)).toBe(4_000);
  });
});

describe("archiving safely beside a running wallet", () => {
  test("a run cut short after its file was written is finished by the next run, each entry archived once", async () => {
    entryTime = OLD;
    const writer = createLedgerWriter(wallet.store, () => entryTime);
    const phone = "+989201000001";
    const outcomes = await Promise.all(
      Array.from({ length: 12_000 }, (_, i) =>
        writer.apply({ phone, kind: "credit", amount: 1, idempotencyKey: `bulk-${i}` }),
      ),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const location = freshDir();
    let pages = 0;
    const crashing: ArchiveSource = {
      ...source,
      remove: async (entry, rows) => {
        if (++pages === 2) throw new Error("power cut");
        return source.remove(entry, rows);
      },
    };

    await expect(runArchive(location, [crashing], POLICY, NOW)).rejects.toThrow("power cut");
    const [half] = location.manifest().files;
    expect(half?.complete).toBe(false);
    expect(await balanceOf(phone)).toBe(12_000);

    await runArchive(location, [source], POLICY, NOW);

    expect(location.manifest().files.map((f) => f.complete)).toEqual([true]);
    const [{ n }] = (await sql<{ n: number }>("SELECT count(*) AS n FROM archived_entries WHERE phone = ?", [
      phone,
    ])) as [{ n: number }];
    expect(Number(n)).toBe(12_000);
    expect(await sql("SELECT id FROM ledger WHERE phone = ?", [phone])).toEqual([]);
    expect(await balanceOf(phone)).toBe(12_000);
  });

  test("credits keep landing while a run archives, and live plus archived sums match every balance", async () => {
    const phones = phonesFor("0921", 40);
    entryTime = OLD;
    await Promise.all(phones.map((p, i) => entry("credits", p, 1_000, `busy-old-${i}`)));
    entryTime = RECENT;
    const location = freshDir();
    const [report, answers] = await Promise.all([
      runArchive(location, [source], POLICY, NOW),
      Promise.all(Array.from({ length: 400 }, (_, i) => entry("credits", phones[i % 40] as string, 10, `busy-${i}`))),
    ]);
    expect(answers.map((r) => r.status).filter((s) => s !== 201)).toEqual([]);
    expect(report.archived.length).toBe(1);
    const mismatched = await sql(
      `SELECT w.phone FROM wallets w
       WHERE w.balance != (SELECT COALESCE(SUM(amount), 0) FROM ledger l WHERE l.phone = w.phone)
                        + (SELECT COALESCE(SUM(amount), 0) FROM archived_entries a WHERE a.phone = w.phone)`,
    );
    expect(mismatched).toEqual([]);
    for (const phone of phones) expect(await balanceOf(phone)).toBe(1_100);
  });

  test("a second run while one holds the location's lock is refused rather than run twice", async () => {
    const location = freshDir();
    const unlock = lockArchive(location.path, NOW);
    try {
      await expect(runArchive(location, [source], POLICY, NOW)).rejects.toBeInstanceOf(ArchiveBusyError);
    } finally {
      unlock();
    }
    expect((await runArchive(location, [source], POLICY, NOW)).deleted).toEqual([]);
  });
});
