/**
 * Winners per second with 1, 2 and 3 discount processes on ONE SQLite file (one
 * Redis, one wallet). Every request is a distinct phone under a cap that fits them
 * all, so every answer is a win and each costs one queued SQLite write; the writes
 * of the processes contend for the file's one write lock. The ratio column is to 1
 * process in the same run: on this shared 2-core machine absolute rates drift.
 *
 *   bun run bench:multi [--rounds 2] [--winners 3000] [--processes 3]
 *
 * Rounds alternate 1, 2, 3 processes so drift hits each alike; the table shows every
 * round, then the median per process count. While the burst runs, each process also
 * answers GET /health in a loop: its p50/p99 show whether the event loop kept turning
 * while the process waited for the write lock. Exits 1 when an answer is not a win.
 */
import { DISCOUNT_MIGRATIONS } from "@matchday/discount/db/store";
import { burstOrder, createCampaign, fireBurst, seeded } from "@matchday/testkit/burst";
import { makeTempDatabase } from "@matchday/testkit/database";
import { type RedisAndWallet, startDiscountProcess, startRedisAndWallet } from "@matchday/testkit/processes";
import { median, option, percentile, printTable, type Row } from "./table";

const rounds = option("--rounds", "BENCH_ROUNDS", 2);
const winners = option("--winners", "BENCH_WINNERS", 3_000);
const maxProcesses = option("--processes", "BENCH_PROCESSES", 3);
const AMOUNT = 1_000;

/**
 * GET /health latencies, one request in flight per process, while the burst lasts: a
 * process whose event loop sleeps in SQLite's busy wait answers late.
 */
async function probeHealth(url: string, running: () => boolean): Promise<number[]> {
  const latencies: number[] = [];
  while (running()) {
    const sent = performance.now();
    await fetch(`${url}/health`).then((res) => res.arrayBuffer());
    latencies.push(performance.now() - sent);
    await Bun.sleep(10);
  }
  return latencies;
}

/** One burst against `count` fresh processes on a fresh file; returns the wins and how long they took. */
async function burst(base: RedisAndWallet, count: number, round: number): Promise<Row> {
  const db = await makeTempDatabase(DISCOUNT_MIGRATIONS, "discount.db");
  const deps = { redisUrl: base.redis.url, wallet: base.wallet };
  const processes = await Promise.all(Array.from({ length: count }, () => startDiscountProcess(db, deps)));
  try {
    const urls = processes.map((p) => p.url);
    const code = await createCampaign(urls[0] as string, {
      name: `bench ${count} processes, round ${round}`,
      amount: AMOUNT,
      maxRedemptions: winners,
    });
    const order = burstOrder(winners, winners, seeded(round));
    const started = performance.now();
    let bursting = true;
    const probes = urls.map((url) => probeHealth(url, () => bursting));
    const answers = await fireBurst(urls, code, order, { concurrency: 128 });
    const seconds = (performance.now() - started) / 1000;
    bursting = false;
    const healthMs = (await Promise.all(probes)).flat().sort((a, b) => a - b);
    const wins = answers.filter((a) => a.status === 201).length;
    if (wins !== winners) {
      const statuses = answers.map((a) => a.status).join(",");
      throw new Error(`${count} processes: ${wins} wins of ${winners} (statuses ${statuses.slice(0, 200)})`);
    }
    return {
      name: `${count} process(es), round ${round}`,
      ops: wins,
      seconds,
      p50Ms: percentile(healthMs, 50),
      p99Ms: percentile(healthMs, 99),
    };
  } catch (error) {
    // What the processes logged at error level says why.
    for (const p of processes)
      for (const line of p.output().split("\n")) if (line.includes('"level":50')) console.error(line);
    throw error;
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    db.dispose();
  }
}

async function main(): Promise<number> {
  const base = await startRedisAndWallet();
  try {
    const rows: Row[] = [];
    for (let round = 1; round <= rounds; round++) {
      for (let count = 1; count <= maxProcesses; count++) rows.push(await burst(base, count, round));
    }
    const medians = Array.from({ length: maxProcesses }, (_, i) => {
      const mine = rows.filter((r) => r.name.startsWith(`${i + 1} process`));
      const rate = median(mine.map((r) => r.ops / r.seconds));
      return {
        name: `${i + 1} process(es), median`,
        ops: winners,
        seconds: winners / rate,
        p50Ms: median(mine.map((r) => r.p50Ms)),
        p99Ms: median(mine.map((r) => r.p99Ms)),
      };
    });
    console.log(`${winners} winners per burst, ${rounds} round(s); ops/s = winners/s, ratio to 1 process;`);
    console.log("p50/p99 = GET /health latency during the burst (medians: of every round's p50/p99)");
    printTable([...rows, ...medians], medians[0] as Row);
    return 0;
  } catch (error) {
    console.error(error);
    return 1;
  } finally {
    await base.dispose({ hard: true });
  }
}

process.exit(await main());
