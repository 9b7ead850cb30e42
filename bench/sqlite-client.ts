/**
 * The local SQLite client (statements prepared once) against @libsql/client on the same
 * file, in one process, on the wallet's hot statements: the balance read through
 * drizzle's prepared query, a point read through `client.execute`, and a credit batch
 * of 32 commands through `applyBatch` in one write transaction. Each phase is priced in
 * CPU µs per operation (process.cpuUsage, so other work on the machine costs neither
 * side); the two clients alternate within each round, medians over the rounds.
 *
 *   bun bench/sqlite-client.ts [--rounds 5] [--reads 20000] [--batches 300]
 */
import { createClient } from "@libsql/client";
import { openLocalClient } from "@matchday/shared/db";
import { makeTempDatabase } from "@matchday/testkit/database";
import * as schema from "@matchday/wallet/db/schema";
import { WALLET_MIGRATIONS, type WalletStore } from "@matchday/wallet/db/store";
import { applyBatch } from "@matchday/wallet/modules/wallets/ledger-batch";
import { getWallet } from "@matchday/wallet/modules/wallets/service";
import { drizzle } from "drizzle-orm/libsql";
import { median, option } from "./table";

const rounds = option("--rounds", "BENCH_ROUNDS", 5);
const reads = option("--reads", "BENCH_READS", 20_000);
const batches = option("--batches", "BENCH_BATCHES", 300);
const PHONES = 1000;
const BATCH = 32;

const phoneOf = (i: number) => `+98912${String(i % PHONES).padStart(7, "0")}`;

const database = await makeTempDatabase(WALLET_MIGRATIONS);
const sides = {
  "@libsql/client": createClient({ url: database.url }),
  local: openLocalClient(database.path),
};
await sides.local.execute("PRAGMA journal_mode = WAL");
await sides.local.execute({
  sql: "INSERT INTO wallets (phone, balance, updated_at) SELECT '+98912' || printf('%07d', value), value, 0 FROM generate_series(0, ?)",
  args: [PHONES - 1],
});

type Side = keyof typeof sides;
/** What getWallet and applyBatch use of a store: its drizzle db. */
const stores = Object.fromEntries(
  Object.entries(sides).map(([name, client]) => [name, { db: drizzle(client, { schema }) } as unknown as WalletStore]),
) as Record<Side, WalletStore>;

let keys = 0;
const credits = (): Parameters<typeof applyBatch>[1] =>
  Array.from({ length: BATCH }, (_, i) => ({
    kind: "credit",
    phone: phoneOf(keys + i * 31),
    amount: 1000 + (i % 97),
    idempotencyKey: `bench-${keys++}`,
  }));

interface Phase {
  name: string;
  ops: number;
  run(side: Side, ops: number): Promise<void>;
}

const PHASES: Phase[] = [
  {
    name: "balance read (drizzle prepared query)",
    ops: reads,
    async run(side, ops) {
      for (let i = 0; i < ops; i++) await getWallet(stores[side], phoneOf(i));
    },
  },
  {
    name: "point read (client.execute)",
    ops: reads,
    async run(side, ops) {
      const sql = "SELECT phone, balance, updated_at FROM wallets WHERE phone = ?";
      for (let i = 0; i < ops; i++) await sides[side].execute({ sql, args: [phoneOf(i)] });
    },
  },
  {
    name: `credit batch of ${BATCH} (applyBatch, one write tx)`,
    ops: batches,
    async run(side, ops) {
      for (let i = 0; i < ops; i++) await stores[side].db.transaction((tx) => applyBatch(tx, credits(), Date.now));
    },
  },
];

const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
console.log(`rounds ${rounds}, CPU µs per operation, medians; the two clients alternate within each round\n`);
for (const phase of PHASES) {
  const samples: Record<Side, number[]> = { "@libsql/client": [], local: [] };
  // Warm-up: JIT, page cache and the local client's statement cache, outside the timed rounds.
  for (const side of Object.keys(sides) as Side[]) await phase.run(side, Math.ceil(phase.ops / 10));
  for (let round = 0; round < rounds; round++) {
    const order: Side[] = round % 2 === 0 ? ["@libsql/client", "local"] : ["local", "@libsql/client"];
    for (const side of order) {
      const before = cpuMicros();
      await phase.run(side, phase.ops);
      samples[side].push((cpuMicros() - before) / phase.ops);
    }
  }
  const [old, now] = [median(samples["@libsql/client"]), median(samples.local)];
  console.log(
    `${phase.name.padEnd(48)} @libsql/client ${old.toFixed(1).padStart(7)} µs   local ${now.toFixed(1).padStart(7)} µs   local/old ${(now / old).toFixed(2)}x`,
  );
}

for (const client of Object.values(sides)) client.close();
database.dispose();
