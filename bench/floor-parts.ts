/**
 * The price of each piece of I/O a write-path answer cannot do without, on this machine,
 * for the floor analyses in docs/PERFORMANCE.md (issue 18): what one Redis script round
 * trip, one SQLite point read and one durable SQLite commit cost in CPU (this process's
 * user + system time, pinned to one core) and in wall time. Set next to the CPU µs of a
 * bare Elysia POST (bench/sold-out-floor.ts), they bound the ratio any implementation
 * of a row could reach, whatever its own code costs.
 *
 *   bun bench/floor-parts.ts [--ops 20000]
 */
import { connectRedis, whenConnected } from "@matchday/discount/redis/connection";
import { createLimitPair } from "@matchday/discount/redis/limit-pair";
import { openDatabase } from "@matchday/shared/db";
import { makeTempDatabase } from "@matchday/testkit/database";
import { startRedis } from "@matchday/testkit/redis";
import { pinToCore } from "./proc";
import { option } from "./table";

const ops = option("--ops", "BENCH_OPS", 20_000);
const WALLETS = 100_000;
const IN_FLIGHT = 32;

interface Part {
  name: string;
  cpuUs: number;
  wallUs: number;
}

/** CPU and wall µs per op of `count` ops run by `work`, after a warm-up of a tenth as many. */
async function price(name: string, count: number, work: (n: number) => Promise<void>): Promise<Part> {
  await work(Math.ceil(count / 10));
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work(count);
  const wallUs = ((performance.now() - started) * 1000) / count;
  const used = process.cpuUsage(cpu);
  return { name, cpuUs: (used.user + used.system) / count, wallUs };
}

async function redisParts(url: string): Promise<Part[]> {
  const redis = connectRedis({ mode: "single", url });
  await whenConnected(redis);
  // The claim's own limits (phone and address) in the claim's own script and client.
  const window = { limit: 1_000_000_000, windowSeconds: 60 };
  const limits = createLimitPair(redis, { prefix: "rl:p", ...window }, { prefix: "rl:ip", ...window });
  const call = (i: number) => limits.check(`+98935${i % 50_000}`, `10.0.0.${i % 7}`);
  try {
    return [
      await price("redis: the claim's limit pair, one at a time", ops, async (n) => {
        for (let i = 0; i < n; i++) await call(i);
      }),
      await price(`redis: the same, ${IN_FLIGHT} in flight`, ops, async (n) => {
        for (let i = 0; i < n; i += IN_FLIGHT) {
          await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, n - i) }, (_, j) => call(i + j)));
        }
      }),
    ];
  } finally {
    redis.disconnect();
  }
}

const phoneOf = (i: number) => `+98935${String(i % WALLETS).padStart(7, "0")}`;

async function sqliteParts(): Promise<Part[]> {
  const db = await makeTempDatabase("wallet/drizzle", "wallet.db");
  const client = await openDatabase(db.url);
  try {
    for (let i = 0; i < WALLETS; i += 5_000) {
      const rows = Array.from({ length: 5_000 }, (_, j) => `('${phoneOf(i + j)}', 0, 0)`).join(",");
      await client.execute(`INSERT INTO wallets (phone, balance, updated_at) VALUES ${rows}`);
    }
    let key = 0;
    /** One credit: a ledger row and the balance, as the wallet writes them. */
    const credit = (tx: { execute: typeof client.execute }, i: number) =>
      Promise.all([
        tx.execute({
          sql: "INSERT INTO ledger (phone, amount, kind, balance_after, idempotency_key, request_hash, created_at) VALUES (?, 1000, 'credit', 1000, ?, 'h', 0)",
          args: [phoneOf(i * 7919), `floor-${key++}`],
        }),
        tx.execute({
          sql: "UPDATE wallets SET balance = balance + 1000, updated_at = 0 WHERE phone = ?",
          args: [phoneOf(i * 7919)],
        }),
      ]);
    const commits = (rowsPerCommit: number) => async (n: number) => {
      for (let i = 0; i < n; i += rowsPerCommit) {
        const tx = await client.transaction("write");
        for (let j = i; j < Math.min(n, i + rowsPerCommit); j++) await credit(tx, j);
        await tx.commit();
      }
    };
    return [
      await price("sqlite: point read (balance), prepared", ops, async (n) => {
        for (let i = 0; i < n; i++) {
          await client.execute({ sql: "SELECT balance FROM wallets WHERE phone = ?", args: [phoneOf(i * 7919)] });
        }
      }),
      await price("sqlite: credit, one per durable commit", Math.ceil(ops / 10), commits(1)),
      await price("sqlite: credit, 40 per durable commit", ops, commits(40)),
    ];
  } finally {
    client.close();
    db.dispose();
  }
}

async function main(): Promise<void> {
  await pinToCore(process.pid, 0);
  const redis = await startRedis();
  try {
    const parts = [...(await redisParts(redis.url)), ...(await sqliteParts())];
    const width = Math.max(...parts.map((p) => p.name.length));
    console.log(`${"part".padEnd(width)}  CPU µs/op  wall µs/op`);
    for (const p of parts) {
      console.log(`${p.name.padEnd(width)}  ${p.cpuUs.toFixed(1).padStart(9)}  ${p.wallUs.toFixed(1).padStart(10)}`);
    }
    console.log(`\nthis process pinned to core 0 (Redis is not); ${ops} ops each, after a warm-up of a tenth`);
  } finally {
    await redis.dispose();
  }
}

await main();
