import { afterAll, beforeAll, expect, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectRedis, whenConnected } from "@matchday/discount/redis/connection";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { bearer } from "@matchday/testkit/http";
import { runCli, type ServiceProcess, startDiscountProcess, startWalletProcess } from "@matchday/testkit/processes";
import { type RedisHandle, startRedis } from "@matchday/testkit/redis";
import { startRedisCluster } from "@matchday/testkit/redis-cluster";

const AMOUNT = 1_000_000;
let redis: RedisHandle;
let walletDb: TempDatabase;
let discountDb: TempDatabase;
let backups: string;
const running: ServiceProcess[] = [];
let admin: Record<string, string>;
let service: Record<string, string>;

beforeAll(async () => {
  redis = await startRedis();
  walletDb = await makeTempDatabase();
  discountDb = await makeTempDatabase();
  backups = mkdtempSync(join(tmpdir(), "matchday-backups-"));
  admin = await bearer("admin");
  service = await bearer("service");
});
afterAll(async () => {
  await Promise.all(running.map((p) => p.kill()));
  await redis?.dispose();
  walletDb?.dispose();
  discountDb?.dispose();
  rmSync(backups, { recursive: true, force: true });
});

async function startBoth() {
  const wallet = await startWalletProcess(walletDb);
  const discount = await startDiscountProcess(discountDb, { redisUrl: redis.url, wallet });
  running.push(wallet, discount);
  return { wallet, discount };
}

const env = () => ({
  WALLET_DATABASE_URL: walletDb.url,
  DISCOUNT_DATABASE_URL: discountDb.url,
  REDIS_URL: redis.url,
});

async function call(url: string, method: string, headers: Record<string, string>, body?: unknown, key?: string) {
  const res = await fetch(url, {
    method,
    headers: { ...headers, "content-type": "application/json", ...(key ? { "idempotency-key": key } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const balanceOf = async (wallet: ServiceProcess, phone: string) =>
  (await call(`${wallet.url}/v1/wallets/${phone}`, "GET", service)).body.balance;
const winnersOf = async (discount: ServiceProcess, code: string) =>
  ((await call(`${discount.url}/v1/campaigns/${code}/report`, "GET", admin)).body.winners as { phone: string }[]).map(
    (w) => w.phone,
  );

async function waitForCredits(discount: ServiceProcess, code: string, n: number) {
  for (let i = 0; i < 200; i++) {
    const report = (await call(`${discount.url}/v1/campaigns/${code}/report`, "GET", admin)).body;
    if (report.credited === n) return;
    await Bun.sleep(50);
  }
  throw new Error(`credits for ${code} did not settle`);
}

const phones = ["09121110001", "09121110002", "09121110003", "09121110004", "09121110005"];
const extra = "09129990000";

test("an online backup restored after later changes serves the balances and winners it was taken with", async () => {
  const first = await startBoth();
  const code = (
    await call(`${first.discount.url}/v1/campaigns`, "POST", admin, { name: "b", amount: AMOUNT, maxRedemptions: 10 })
  ).body.code as string;
  const redeem = (phone: string) => call(`${first.discount.url}/v1/redeem`, "POST", service, { code, phone });
  for (const phone of phones.slice(0, 3)) expect((await redeem(phone)).status).toBe(201);
  await call(`${first.wallet.url}/v1/wallets/${extra}/credits`, "POST", service, { amount: 5_000 }, "extra-1");
  await waitForCredits(first.discount, code, 3);
  const winnersAtBackup = await winnersOf(first.discount, code);

  const out = join(backups, "snapshot");
  const taken = await runCli("scripts/backup.ts", ["--out", out], env());
  expect(taken.code).toBe(0);
  expect(readdirSync(out).sort()).toEqual(["backup.json", "discount.db", "wallet.db"]);
  expect(taken.stderr).toMatch(/^backup: ([\d.,]+)\/\1 MB \(100%\), [\d.,]+\/s, in \d+s$/m);

  // Life goes on after the backup: two more winners and another credit.
  for (const phone of phones.slice(3)) expect((await redeem(phone)).status).toBe(201);
  await call(`${first.wallet.url}/v1/wallets/${extra}/credits`, "POST", service, { amount: 7_000 }, "extra-2");
  await waitForCredits(first.discount, code, 5);
  await Promise.all([first.discount.stop(), first.wallet.stop()]);

  const restored = await runCli("scripts/backup.ts", ["restore", out], env());
  expect(restored.code).toBe(0);
  expect(restored.stderr).toContain("previous file is kept as");
  expect(restored.stderr).toMatch(/^backup check: .* \(100%\), .* in \d+s$/m);
  expect(restored.stderr).toMatch(/^backup restore: .* \(100%\), .* in \d+s$/m);
  expect(restored.stderr).toContain("1 cap gates in Redis will rebuild");

  const again = await startBoth();
  expect(await winnersOf(again.discount, code)).toEqual(winnersAtBackup);
  for (const phone of phones.slice(0, 3)) expect(await balanceOf(again.wallet, phone)).toBe(AMOUNT);
  for (const phone of phones.slice(3)) expect(await balanceOf(again.wallet, phone)).toBe(0);
  expect(await balanceOf(again.wallet, extra)).toBe(5_000);
  // The gate rebuilt from the restored winners: the next phone is rank 4, no rank skipped.
  const next = await call(`${again.discount.url}/v1/redeem`, "POST", service, { code, phone: phones[4] });
  expect(next.body.rank).toBe(4);
  await Promise.all([again.discount.stop(), again.wallet.stop()]);
}, 60_000);

test("a backup whose file was altered is refused and the databases stay as they are", async () => {
  const out = join(backups, "snapshot");
  const tampered = join(backups, "tampered");
  cpSync(out, tampered, { recursive: true });
  const file = join(tampered, "wallet.db");
  const bytes = readFileSync(file);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = (bytes[at] ?? 0) ^ 0xff;
  writeFileSync(file, bytes);
  const before = readFileSync(walletDb.path);

  const refused = await runCli("scripts/backup.ts", ["restore", tampered], env());

  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("does not match its SHA-256");
  expect(readFileSync(walletDb.path).equals(before)).toBe(true);
  expect(existsSync(`${walletDb.path}.restoring`)).toBe(false);
});

test("backing up into a folder that already holds a backup is refused without touching it", async () => {
  const out = join(backups, "snapshot");
  const before = readFileSync(join(out, "wallet.db"));
  const refused = await runCli("scripts/backup.ts", ["--out", out], env());
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("already exists");
  expect(readFileSync(join(out, "wallet.db")).equals(before)).toBe(true);
});

test("a backup or restore of a database on a libSQL server is refused with what to do instead, and writes nothing", async () => {
  const remote = { ...env(), DISCOUNT_DATABASE_URL: "libsql://db.example.test?authToken=not-for-the-log" };
  const out = join(backups, "remote");
  const backup = await runCli("scripts/backup.ts", ["--out", out], remote);
  expect(backup.code).toBe(1);
  expect(backup.stderr).toContain(
    "backup: bun run backup (discount) needs a SQLite file on this host, but DISCOUNT_DATABASE_URL is libsql://db.example.test",
  );
  expect(backup.stderr).toContain("back it up where the server runs");
  expect(backup.stderr).not.toContain("not-for-the-log");
  // The wallet's file was fine, but nothing is half backed up.
  expect(existsSync(out)).toBe(false);

  const restore = await runCli("scripts/backup.ts", ["restore", join(backups, "snapshot")], remote);
  expect(restore.code).toBe(1);
  expect(restore.stderr).toContain("bun run backup restore (discount) needs a SQLite file on this host");
  expect(restore.stderr).toContain("restore it with the server's own tools");
});

test("a restore with the service on a Redis Cluster makes the gates on every master rebuild", async () => {
  const cluster = await startRedisCluster({ replicas: 0 });
  const client = connectRedis({ mode: "cluster", nodes: cluster.nodes });
  try {
    await whenConnected(client);
    const codes = Array.from({ length: 12 }, (_, i) => `restore-${i}`);
    for (const code of codes) await client.set(`{gift:${code}}:ready`, "1");
    // cluster.env empties env()'s REDIS_URL: the service reads one topology.
    const restored = await runCli(
      "scripts/backup.ts",
      ["restore", join(backups, "snapshot"), "--service", "discount"],
      {
        ...env(),
        ...cluster.env,
      },
    );
    expect(restored.stderr).toContain(`${codes.length} cap gates in Redis will rebuild`);
    expect(restored.code).toBe(0);
    for (const code of codes) expect(await client.exists(`{gift:${code}}:ready`)).toBe(0);
  } finally {
    client.disconnect();
    await cluster.dispose();
  }
});
