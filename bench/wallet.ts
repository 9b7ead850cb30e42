/**
 * Wallet credit throughput: the real service over HTTP against a bare SQLite loop
 * doing the same writes, in one run on one machine, so the ratio means something.
 *
 *   bun run bench [--credits 5000] [--concurrency 64] [--phones 500]
 *   (or BENCH_CREDITS / BENCH_CONCURRENCY / BENCH_PHONES)
 *
 * Exits 1 only when the service misbehaves (a non-201 or wrong balances), never for
 * being slow: the target line is a report, not a gate.
 */
import { createHash } from "node:crypto";
// Relative imports: the root package has no workspace dependencies (isolated install),
// so neither `@matchday/shared` nor `@libsql/client` resolves from bench/.
import { openDatabase } from "@matchday/shared/db";
import { WALLET_MIGRATIONS } from "@matchday/wallet/db/store";
import { bearer, makeTempDatabase, startService, TEST_JWT_SECRET } from "../packages/shared/src/test-support";
import { option, percentile, printTable, type Row } from "./table";

type Client = Awaited<ReturnType<typeof openDatabase>>;

const TARGET_CREDITS_PER_SECOND = 2000;
const WARMUP_CREDITS = 200; // JIT, connection pool and page cache, outside the timed window

const credits = option("--credits", "BENCH_CREDITS", 5000);
const concurrency = option("--concurrency", "BENCH_CONCURRENCY", 64);
const phoneCount = option("--phones", "BENCH_PHONES", 500);

// Canonical E.164 form, so what we send is exactly what the service stores.
const phoneOf = (i: number) => `+98912${String(i % phoneCount).padStart(7, "0")}`;
// Varied amounts so a lost or doubled credit cannot hide in a round total.
const amountOf = (i: number) => 1000 + (i % 97) * 10;

interface Result {
  name: string;
  ops: number;
  seconds: number;
  latenciesMs: number[];
}

/** Runs `count` operations with at most `limit` in flight; op(i) resolves when i is done. */
async function timed(name: string, count: number, limit: number, op: (i: number) => Promise<void>): Promise<Result> {
  const latenciesMs: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const t0 = performance.now();
      await op(i);
      latenciesMs.push(performance.now() - t0);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return { name, ops: count, seconds: (performance.now() - start) / 1000, latenciesMs };
}

/** The service's applyEntry for a credit, as plain SQL in one BEGIN IMMEDIATE transaction. */
async function bareCredit(client: Client, phone: string, amount: number, key: string): Promise<void> {
  const hash = createHash("sha256")
    .update(JSON.stringify([phone, "credit", amount, null, null]))
    .digest("hex");
  const tx = await client.transaction("write");
  try {
    const existing = await tx.execute({ sql: "SELECT * FROM ledger WHERE idempotency_key = ?", args: [key] });
    if (existing.rows.length > 0) throw new Error(`baseline: key ${key} already used`);
    const wallet = await tx.execute({ sql: "SELECT balance FROM wallets WHERE phone = ?", args: [phone] });
    const balanceAfter = Number(wallet.rows[0]?.balance ?? 0) + amount;
    const at = Date.now();
    await tx.execute({
      sql: `INSERT INTO wallets (phone, balance, updated_at) VALUES (?, ?, ?)
            ON CONFLICT (phone) DO UPDATE SET balance = excluded.balance, updated_at = excluded.updated_at`,
      args: [phone, balanceAfter, at],
    });
    await tx.execute({
      sql: `INSERT INTO ledger (phone, amount, kind, balance_after, reference, description, idempotency_key,
              request_hash, created_at) VALUES (?, ?, 'credit', ?, NULL, NULL, ?, ?, ?) RETURNING *`,
      args: [phone, amount, balanceAfter, key, hash, at],
    });
    await tx.commit();
  } finally {
    tx.close(); // rolls back if commit was not reached
  }
}

/** Balances must equal what was credited, both as wallet rows and as ledger sums. */
async function checkTotals(label: string, url: string, expectedRows: number, expectedSum: number): Promise<string[]> {
  const client = await openDatabase(url);
  try {
    const ledger = await client.execute("SELECT COUNT(*) AS n, COALESCE(SUM(amount), 0) AS total FROM ledger");
    const wallets = await client.execute("SELECT COALESCE(SUM(balance), 0) AS total FROM wallets");
    const rows = Number(ledger.rows[0]?.n);
    const ledgerSum = Number(ledger.rows[0]?.total);
    const balanceSum = Number(wallets.rows[0]?.total);
    const problems: string[] = [];
    if (rows !== expectedRows) problems.push(`${label}: ${rows} ledger rows, expected ${expectedRows}`);
    if (ledgerSum !== expectedSum) problems.push(`${label}: ledger sums to ${ledgerSum}, expected ${expectedSum}`);
    if (balanceSum !== expectedSum) problems.push(`${label}: balances sum to ${balanceSum}, expected ${expectedSum}`);
    return problems;
  } finally {
    client.close();
  }
}

function toRow(r: Result): Row {
  const sorted = [...r.latenciesMs].sort((a, b) => a - b);
  return { name: r.name, ops: r.ops, seconds: r.seconds, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
}

async function main(): Promise<number> {
  const serviceDb = await makeTempDatabase(WALLET_MIGRATIONS, "wallet.db");
  const baselineDb = await makeTempDatabase(WALLET_MIGRATIONS, "baseline.db");
  let service: Awaited<ReturnType<typeof startService>> | undefined;
  try {
    // Baseline first, while nothing else competes for the disk or the CPU.
    const bare = await openDatabase(baselineDb.url);
    await timed("warmup", WARMUP_CREDITS, 1, (i) => bareCredit(bare, phoneOf(i), amountOf(i), `warmup-${i}`));
    const baseline = await timed("sqlite bare loop (serial)", credits, 1, (i) =>
      bareCredit(bare, phoneOf(i), amountOf(i), `bench-${i}`),
    );
    bare.close();

    service = await startService({
      entry: "wallet/src/main.ts",
      portVar: "WALLET_PORT",
      env: { JWT_SECRET: TEST_JWT_SECRET, WALLET_DATABASE_URL: serviceDb.url, LOG_LEVEL: "warn" },
    });
    const auth = await bearer("service");
    let non201 = 0;
    const samples: string[] = []; // a few bodies are enough to see why
    const credit = (prefix: string) => async (i: number) => {
      const res = await fetch(`${service?.url}/v1/wallets/${encodeURIComponent(phoneOf(i))}/credits`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json", "idempotency-key": `${prefix}-${i}` },
        body: JSON.stringify({ amount: amountOf(i) }),
      });
      const body = await res.text(); // always drain, so the connection goes back to the pool
      if (res.status === 201) return;
      non201++;
      if (samples.length < 5) samples.push(`${prefix}-${i}: ${res.status} ${body.slice(0, 300)}`);
    };
    await timed("warmup", WARMUP_CREDITS, concurrency, credit("warmup"));
    const http = await timed(`wallet HTTP (c=${concurrency})`, credits, concurrency, credit("bench"));

    printTable([toRow(baseline), toRow(http)], toRow(baseline));
    const httpRate = credits / http.seconds;
    console.log(
      `target: >= ${TARGET_CREDITS_PER_SECOND} credits/s over HTTP: ${httpRate >= TARGET_CREDITS_PER_SECOND ? "PASS" : "FAIL"}`,
    );

    let expectedSum = 0;
    for (let i = 0; i < credits; i++) expectedSum += amountOf(i);
    for (let i = 0; i < WARMUP_CREDITS; i++) expectedSum += amountOf(i);
    const problems = [
      ...(non201 > 0 ? [`${non201} credits were not 201, e.g.:`, ...samples] : []),
      ...(await checkTotals("wallet", serviceDb.url, credits + WARMUP_CREDITS, expectedSum)),
      ...(await checkTotals("baseline", baselineDb.url, credits + WARMUP_CREDITS, expectedSum)),
    ];
    if (problems.length === 0) return 0;
    console.error(`error: the wallet gave wrong results\n  ${problems.join("\n  ")}`);
    return 1;
  } catch (error) {
    console.error("error: benchmark failed:", error);
    if (service) console.error(`wallet output (tail):\n${service.output().slice(-4000)}`);
    return 1;
  } finally {
    await service?.stop();
    serviceDb.dispose();
    baselineDb.dispose();
  }
}

process.exit(await main());
