/**
 * What the discount's peak memory through an open phase is made of, beside the API floor's
 * (bench/chain-floor-api.ts: the winner's chain inside what the API must do, nothing else of
 * ours), for issue 18's "discount peak RSS <= 150 MB". Each round starts both sides afresh, as
 * bench/http.ts's discount meets its open phase: a cold process, wrk -t2, every request a new
 * winner and its credit. bench/memory-probe.ts, preloaded into the discount side, splits the
 * peak into pages backed by files (Bun's executable), the JS heap's capacity, and the rest:
 * native memory (sockets, SQLite, the JIT's compilers, the allocator's freed pages). A last
 * round per side collects every second instead, for the live JS heap under load, which sets how
 * far JavaScriptCore lets the heap grow before a full collection.
 *
 *   bun bench/memory-floor.ts [--rounds 3] [--duration 10] [--connections 64]
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectRedis, whenConnected } from "@matchday/discount/redis/connection";
import { createGate } from "@matchday/discount/redis/gate";
import { createCampaign } from "@matchday/testkit/burst";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { testToken } from "@matchday/testkit/http";
import { REPO_ROOT, type ServiceProcess, startDiscountProcess, startWalletProcess } from "@matchday/testkit/processes";
import { startRedis } from "@matchday/testkit/redis";
import { FLOOR_GENERATION } from "./chain-floor-server";
import { API_FLOOR, startFloorDiscount, startFloorWallet } from "./floor-processes";
import type { MemoryProbeReport } from "./memory-probe";
import { peakRssMb, residentMb } from "./proc";
import { columns, median, option } from "./table";
import { wrk } from "./wrk";

const rounds = option("--rounds", "BENCH_ROUNDS", 3);
const duration = option("--duration", "BENCH_DURATION", 10);
const connections = option("--connections", "BENCH_CONNECTIONS", 64);
const TARGET_MB = 150;
const OPEN_CAP = 10_000_000;
/** Phones per round: more than a round can win on this machine, so every request is a new winner. */
const PHONES = 1_000_000;
const IDLE_MS = 1_000;
const COLLECT_MS = 1_000;

/** A side's discount process for one round, and the open campaign it redeems. */
interface Started {
  discount: ServiceProcess;
  code: string;
}

interface Side {
  name: string;
  /** `probeEnv` goes to the discount side only; every process started is handed to `track`, to be stopped. */
  start(
    probeEnv: Record<string, string>,
    round: number,
    track: (p: ServiceProcess) => ServiceProcess,
  ): Promise<Started>;
}

/** One open phase on fresh processes: the discount side's memory, idle and at its peak. */
interface Measured {
  winnersPerSecond: number;
  idleMb: number;
  peakMb: number;
  probe: MemoryProbeReport;
  /** Heap MB after each full collection taken while the load ran (collecting rounds only). */
  liveMb: number[];
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const gateRedis = connectRedis({ mode: "single", url: redis.url });
  const probeDir = mkdtempSync(join(tmpdir(), "memory-probe-"));
  const databases: TempDatabase[] = [];
  const database = async (name: string) => {
    const db = await makeTempDatabase(undefined, name);
    databases.push(db);
    return db;
  };
  try {
    await whenConnected(gateRedis);
    const gate = createGate(gateRedis);
    const token = await testToken("service");
    const services: Side = {
      name: "services",
      async start(probeEnv, _round, track) {
        const wallet = track(await startWalletProcess(await database("wallet.db"), { LOG_LEVEL: "info" }));
        const discount = track(
          await startDiscountProcess(
            await database("discount.db"),
            { redisUrl: redis.url, wallet },
            { LOG_LEVEL: "info", RELAY_INTERVAL_MS: "500", ...probeEnv },
          ),
        );
        const code = await createCampaign(discount.url, { name: "open", amount: 1_000_000, maxRedemptions: OPEN_CAP });
        return { discount, code };
      },
    };
    const apiFloor: Side = {
      name: "API floor",
      async start(probeEnv, round, track) {
        const wallet = track(await startFloorWallet((await database("floor-wallet.db")).url, API_FLOOR));
        const databaseUrl = (await database("floor-discount.db")).url;
        const discount = track(
          await startFloorDiscount({
            databaseUrl,
            redisUrl: redis.url,
            walletUrl: wallet.url,
            walletToken: token,
            cap: OPEN_CAP,
            entry: API_FLOOR,
            env: probeEnv,
          }),
        );
        const code = `MEMORY${round}`;
        await gate.rebuild(code, [], FLOOR_GENERATION);
        return { discount, code };
      },
    };
    const sides = [services, apiFloor];

    let round = 0;
    const openPhase = async (side: Side, collect: boolean): Promise<Measured> => {
      round++;
      const probeFile = join(probeDir, `round-${round}.json`);
      const probeEnv: Record<string, string> = {
        BUN_OPTIONS: `--preload ${REPO_ROOT}bench/memory-probe.ts`,
        MEMORY_PROBE_OUT: probeFile,
        ...(collect ? { MEMORY_PROBE_COLLECT_MS: String(COLLECT_MS) } : {}),
      };
      const processes: ServiceProcess[] = [];
      const track = (p: ServiceProcess) => {
        processes.push(p);
        return p;
      };
      try {
        const started = await side.start(probeEnv, round, track);
        await Bun.sleep(IDLE_MS);
        const pid = started.discount.pid();
        const idleMb = residentMb(pid);
        const load = { mode: "redeem", code: started.code, phones: PHONES, offset: round * PHONES, token } as const;
        const loadStart = Date.now();
        const r = await wrk(started.discount.url, load, { seconds: duration, threads: 2, connections });
        const loadEnd = Date.now();
        const wrong = Object.keys(r.statuses).filter((status) => status !== "201");
        if (wrong.length > 0 || r.errors > 0) throw new Error(`${side.name}: ${JSON.stringify(r.statuses)}`);
        const probe = JSON.parse(readFileSync(probeFile, "utf8")) as MemoryProbeReport;
        // From the second after the load began (the first finds the JIT still compiling) to its end.
        const liveMb = probe.live.filter(([at]) => at > loadStart + 1_000 && at <= loadEnd).map(([, mb]) => mb);
        return { winnersPerSecond: r.requests / r.seconds, idleMb, peakMb: peakRssMb(pid), probe, liveMb };
      } finally {
        for (const p of processes.reverse()) await p.stop();
      }
    };

    const peaks = sides.map((): Measured[] => []);
    for (let i = 0; i < rounds; i++) {
      for (const [s, side] of sides.entries()) peaks[s]?.push(await openPhase(side, false));
    }
    const live = [];
    for (const side of sides) live.push(median((await openPhase(side, true)).liveMb));
    report(sides, peaks, live);
  } finally {
    gateRedis.disconnect();
    rmSync(probeDir, { recursive: true, force: true });
    for (const db of databases) db.dispose();
    await redis.dispose();
  }
}

/** A side's medians over its rounds, each part of the peak from the probe's sample at it. */
function summary(measured: Measured[]) {
  const of = (pick: (m: Measured) => number) => median(measured.map(pick));
  return {
    winnersPerSecond: of((m) => m.winnersPerSecond),
    idle: of((m) => m.idleMb),
    peak: of((m) => m.peakMb),
    files: of((m) => m.probe.peak.fileBackedMb),
    jsHeap: of((m) => m.probe.peak.heapCapacityMb),
    rest: of((m) => m.probe.peak.rssMb - m.probe.peak.fileBackedMb - m.probe.peak.heapCapacityMb),
  };
}

function report(sides: Side[], peaks: Measured[][], live: number[]): void {
  const rows = peaks.map(summary);
  console.log(
    `\nopen phase on cold processes, wrk -t2 -c${connections} for ${duration} s; the discount side, MB, medians of ${rounds} rounds`,
  );
  const header = [
    "",
    "winners/s",
    "idle",
    "peak",
    "at the peak: files",
    "JS heap",
    "the rest",
    "live JS heap under load",
  ];
  const cells = rows.map((r, i) => [
    sides[i]?.name ?? "",
    r.winnersPerSecond.toFixed(0),
    ...[r.idle, r.peak, r.files, r.jsHeap, r.rest].map((mb) => mb.toFixed(0)),
    (live[i] ?? Number.NaN).toFixed(1),
  ]);
  for (const line of columns(header, cells)) console.log(`  ${line}`);
  const [ours, floor] = rows as [ReturnType<typeof summary>, ReturnType<typeof summary>];
  const diff = (a: number, b: number) => `${a - b >= 0 ? "+" : ""}${(a - b).toFixed(0)}`;
  console.log(
    `  services over the floor: peak ${diff(ours.peak, floor.peak)} MB (files ${diff(ours.files, floor.files)}, JS heap ${diff(ours.jsHeap, floor.jsHeap)}, the rest ${diff(ours.rest, floor.rest)}); live JS heap ${((live[0] ?? 0) / (live[1] ?? 1)).toFixed(2)}x`,
  );
  const verdict = (peak: number) => `${peak <= TARGET_MB ? "PASS" : "FAIL"} (${peak.toFixed(0)} MB)`;
  console.log(
    `target: discount peak RSS <= ${TARGET_MB} MB: services ${verdict(ours.peak)}, API floor ${verdict(floor.peak)}`,
  );
}

await main();
