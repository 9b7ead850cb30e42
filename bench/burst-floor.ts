/**
 * The floor of bench/http.ts's "1,000th credit after the burst starts" (issue 18): the same
 * burst (wrk, 2 threads, 64 connections, a new phone per request, cap 1,000), timed the same way
 * (from just before wrk starts to the 1,000th ledger row's timestamp), against the services, against
 * bench/chain-floor-server.ts, the least a winner's chain can be on these engines, and against
 * bench/chain-floor-api.ts, that chain inside what the API must do for every request (auth, the
 * kernel's request id, headers, log line and metrics, validation, the wallet's idempotency).
 * Rounds alternate between them, since this machine's speed drifts from minute to minute.
 *
 *   bun bench/burst-floor.ts [--rounds 5] [--connections 64]
 *
 * Exits 1 when a burst does not end with exactly 1,000 credits.
 */
import { connectRedis, whenConnected } from "@matchday/discount/redis/connection";
import { createGate } from "@matchday/discount/redis/gate";
import { createCampaign } from "@matchday/testkit/burst";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { testToken } from "@matchday/testkit/http";
import { type ServiceProcess, startDiscountProcess, startWalletProcess } from "@matchday/testkit/processes";
import { startRedis } from "@matchday/testkit/redis";
import { burstCreditTimes, WALLET_LEDGER_SQL } from "./burst-credits";
import { FLOOR_GENERATION } from "./chain-floor-server";
import { API_FLOOR, startFloorDiscount, startFloorWallet } from "./floor-processes";
import { peakRssMb } from "./proc";
import { median, option } from "./table";
import { wrk } from "./wrk";

const rounds = option("--rounds", "BENCH_ROUNDS", 5);
const connections = option("--connections", "BENCH_CONNECTIONS", 64);
const CAP = 1_000;
const TARGET_SECONDS = 0.25;
/**
 * Distinct phones per burst, more than a one-second burst sends (sold out included); bench/requests.lua
 * numbers phones in 7 digits, so all bursts together must stay under 10,000,000.
 */
const PHONES_PER_BURST = 200_000;

/** When the burst's last credit was written: it waits up to 10 s for all CAP (the last may land after wrk ends). */
async function lastCreditAt(databaseUrl: string, sql: string, code: string): Promise<number> {
  const times = await burstCreditTimes(databaseUrl, sql, code, CAP, 10_000);
  if (times.length !== CAP) throw new Error(`burst on ${code}: ${times.length} credits, expected ${CAP}`);
  return times.at(-1) as number;
}

/** A server taking the burst, how a burst's code is made ready for it, and where its credits land. */
interface Target {
  name: string;
  /** The process taking the burst (the discount side), for its URL and its peak RSS. */
  server: ServiceProcess;
  newCode(burst: number): Promise<string>;
  ledgerUrl: string;
  /** The burst's credits' timestamps, oldest first, as `at`, for a LIKE pattern on their keys. */
  ledgerSql: string;
}

const FLOOR_LEDGER = "SELECT created_at AS at FROM ledger WHERE key LIKE ? ORDER BY created_at";

async function main(): Promise<void> {
  const redis = await startRedis();
  const databases: TempDatabase[] = [];
  const database = async (name: string) => {
    const db = await makeTempDatabase(undefined, name);
    databases.push(db);
    return db;
  };
  const processes: ServiceProcess[] = [];
  const started = (p: ServiceProcess) => {
    processes.push(p);
    return p;
  };
  const gateRedis = connectRedis({ mode: "single", url: redis.url });
  try {
    await whenConnected(gateRedis);
    const gate = createGate(gateRedis);
    const token = await testToken("service");
    // As bench/http.ts runs them: production log level, the relay at its deployed interval.
    const walletDb = await database("wallet.db");
    const wallet = started(await startWalletProcess(walletDb, { LOG_LEVEL: "info" }));
    const discount = started(
      await startDiscountProcess(
        await database("discount.db"),
        { redisUrl: redis.url, wallet },
        { LOG_LEVEL: "info", RELAY_INTERVAL_MS: "500" },
      ),
    );
    const floorWalletDb = await database("floor-wallet.db");
    const floorWallet = started(await startFloorWallet(floorWalletDb.url));
    const apiWalletDb = await database("api-floor-wallet.db");
    const apiWallet = started(await startFloorWallet(apiWalletDb.url, API_FLOOR));
    const floorDiscount = async (walletUrl: string, walletToken?: string, entry?: string) => {
      const databaseUrl = (await database("floor-discount.db")).url;
      return started(
        await startFloorDiscount({ databaseUrl, redisUrl: redis.url, walletUrl, walletToken, cap: CAP, entry }),
      );
    };
    // The floor's gate is ready before its burst: it has no rebuild to pay.
    const readyGate = async (burst: number) => {
      const code = `FLOOR${burst}`;
      await gate.rebuild(code, [], FLOOR_GENERATION);
      return code;
    };
    const targets: Target[] = [
      {
        name: "chain floor: bare Bun, same engines",
        server: await floorDiscount(floorWallet.url),
        newCode: readyGate,
        ledgerUrl: floorWalletDb.url,
        ledgerSql: FLOOR_LEDGER,
      },
      {
        name: "floor's discount, the wallet service",
        server: await floorDiscount(wallet.url, token),
        newCode: readyGate,
        ledgerUrl: walletDb.url,
        ledgerSql: WALLET_LEDGER_SQL,
      },
      {
        name: "API floor: the chain, the API's parts",
        server: await floorDiscount(apiWallet.url, token, API_FLOOR),
        newCode: readyGate,
        ledgerUrl: apiWalletDb.url,
        ledgerSql: WALLET_LEDGER_SQL,
      },
      {
        name: "services",
        server: discount,
        newCode: (burst) =>
          createCampaign(discount.url, { name: `floor ${burst}`, amount: 1_000_000, maxRedemptions: CAP }),
        ledgerUrl: walletDb.url,
        ledgerSql: WALLET_LEDGER_SQL,
      },
    ];

    if ((rounds + 1) * targets.length * PHONES_PER_BURST >= 10_000_000) throw new Error("too many rounds");
    let burst = 0;
    /** One burst: seconds from just before wrk starts to the 1,000th credit. */
    const timeBurst = async (target: Target) => {
      burst++;
      const code = await target.newCode(burst);
      const load = { mode: "redeem", code, phones: PHONES_PER_BURST, offset: burst * PHONES_PER_BURST, token } as const;
      const startedAt = Date.now();
      await wrk(target.server.url, load, { seconds: 1, threads: 2, connections });
      return ((await lastCreditAt(target.ledgerUrl, target.ledgerSql, code)) - startedAt) / 1000;
    };

    // A first burst each, not counted: the JIT's and the connections' first time.
    for (const target of targets) await timeBurst(target);
    const seconds = targets.map((): number[] => []);
    for (let round = 0; round < rounds; round++) {
      for (const [i, target] of targets.entries()) seconds[i]?.push(await timeBurst(target));
    }

    console.log(
      `\nwrk -t2 -c${connections}, cap ${CAP}: seconds from wrk's start to the ${CAP}th credit, ${rounds} rounds`,
    );
    const floorMedian = median(seconds[0] as number[]);
    for (const [i, target] of targets.entries()) {
      const values = seconds[i] as number[];
      const rounds = values.map((s) => s.toFixed(3)).join(", ");
      const m = median(values);
      const rss = peakRssMb(target.server.pid()).toFixed(0);
      console.log(
        `  ${target.name.padEnd(38)} median ${m.toFixed(3)} s (${(m / floorMedian).toFixed(2)}x the floor; rounds ${rounds}); discount side's peak RSS ${rss} MB`,
      );
    }
    const verdict = (s: number) => (s <= TARGET_SECONDS ? "PASS" : "FAIL");
    const apiMedian = median(seconds.at(-2) as number[]);
    const servicesMedian = median(seconds.at(-1) as number[]);
    console.log(
      `target <= ${TARGET_SECONDS} s: floor ${verdict(floorMedian)}, API floor ${verdict(apiMedian)}, services ${verdict(servicesMedian)}`,
    );
  } finally {
    gateRedis.disconnect();
    for (const p of processes.reverse()) await p.stop();
    for (const db of databases) db.dispose();
    await redis.dispose();
  }
}

await main();
