/**
 * What a claim costs the discount process, A/B: server CPU µs and Redis round trips per
 * answer for a winner's repeat (2,000 phones that won ask again) and a single-use coupon
 * redeem (a new coupon and phone each time), for this checkout's discount and, when
 * `--base DIR` names another checkout (e.g. a worktree of main), for that one's, the two
 * alternating round by round. Each server is pinned to core 0 and wrk to core 1, as in
 * bench/sold-out-floor.ts; each has its own Redis, whose INFO counts the round trips
 * (`total_reads_processed`: one per batch of commands a client sends) and the commands.
 *
 *   bun bench/claims-cpu.ts [--base /work/wt-main] [--rounds 3] [--seconds 4]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createCampaign } from "@matchday/testkit/burst";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { TEST_JWT_SECRET, testToken } from "@matchday/testkit/http";
import { runCli, type ServiceProcess, startService, startWalletProcess } from "@matchday/testkit/processes";
import { type RedisHandle, startRedis } from "@matchday/testkit/redis";
import { RedisClient } from "bun";
import { cpuMicros, pinToCore } from "./proc";
import { median } from "./table";
import { type Load, wrk } from "./wrk";

const { values } = parseArgs({
  options: {
    base: { type: "string" },
    rounds: { type: "string" },
    seconds: { type: "string" },
    /** Only this row ("repeat" or "coupon"): e.g. to profile one. */
    only: { type: "string" },
    /** Run this checkout's discount under `bun --cpu-prof-md`, writing the profile here when it stops. */
    profile: { type: "string" },
  },
});
const rounds = Number(values.rounds ?? 3);
const seconds = Number(values.seconds ?? 4);
const REPEATERS = 2_000;
/** Coupons per side and round: more than a pinned core redeems in `seconds`, so each attempt is a first. */
const COUPONS_PER_ROUND = 5_000;

/** Round trips (read events) and commands Redis has served so far. */
async function redisCounts(redis: RedisHandle): Promise<{ reads: number; commands: number }> {
  const client = new RedisClient(redis.url);
  const info = String(await client.send("INFO", ["stats"]));
  client.close();
  const field = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(info)?.[1]);
  return { reads: field("total_reads_processed"), commands: field("total_commands_processed") };
}

interface Side {
  name: string;
  discount: ServiceProcess;
  redis: RedisHandle;
  db: TempDatabase;
  repeat: Load;
  couponFiles: string[];
  samples: Record<string, { micros: number; trips: number; commands: number }[]>;
}

async function measure(side: Side, row: string, load: Load, expect: string[]): Promise<void> {
  const pid = side.discount.pid() as number;
  const cpu = cpuMicros(pid);
  const counts = await redisCounts(side.redis);
  const r = await wrk(side.discount.url, load, { seconds, threads: 1, connections: 32, core: 1 });
  const after = await redisCounts(side.redis);
  const wrong = Object.keys(r.statuses).filter((s) => !expect.includes(s));
  if (wrong.length > 0 || r.errors > 0) throw new Error(`${side.name} ${row}: ${JSON.stringify(r.statuses)}`);
  // Includes the few commands of the INFO connections themselves: noise at these counts.
  const sample = {
    micros: (cpuMicros(pid) - cpu) / r.requests,
    trips: (after.reads - counts.reads) / r.requests,
    commands: (after.commands - counts.commands) / r.requests,
  };
  const samples = side.samples[row] ?? [];
  samples.push(sample);
  side.samples[row] = samples;
  console.log(
    `${side.name} ${row}: ${sample.micros.toFixed(0)} µs, ${sample.trips.toFixed(2)} trips, ` +
      `${sample.commands.toFixed(2)} commands per answer (${r.requests} answers, ${JSON.stringify(r.statuses)})`,
  );
}

async function startSide(name: string, entry: string | undefined, wallet: ServiceProcess): Promise<Side> {
  const redis = await startRedis();
  const db = await makeTempDatabase(undefined, "discount.db");
  const env = { LOG_LEVEL: "info", RATE_LIMIT_COUPON_IP_PER_MINUTE: "1000000", RELAY_INTERVAL_MS: "500" };
  const profile = entry === undefined && values.profile;
  const discount = await startService({
    entry: entry ?? "discount/src/main.ts",
    command: profile ? ["bun", "--cpu-prof-md", `--cpu-prof-dir=${profile}`] : undefined,
    portVar: "DISCOUNT_PORT",
    env: {
      JWT_SECRET: TEST_JWT_SECRET,
      DISCOUNT_DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      WALLET_URL: wallet.url,
      RATE_LIMIT_PHONE_PER_MINUTE: "1000",
      RATE_LIMIT_IP_PER_MINUTE: "10000000",
      ...env,
    },
  });
  await pinToCore(discount.pid() as number, 0);
  const token = await testToken("service");
  const code = await createCampaign(discount.url, { name: "repeat", amount: 1_000, maxRedemptions: 10_000_000 });
  const repeat: Load = { mode: "redeem", code, phones: REPEATERS, offset: 0, token };
  // Every repeater wins once (with its credit settled), then the measured runs ask again.
  for (let tries = 0; tries < 60; tries++) {
    const r = await wrk(discount.url, repeat, { seconds: 2, threads: 1, connections: 32, core: 1 });
    if (Object.keys(r.statuses).join() === "200") break;
  }
  const all = `${db.dir}/coupons.txt`;
  const made = await runCli(
    "discount/src/cli/coupons.ts",
    ["--count", String(COUPONS_PER_ROUND * (rounds + 1)), "--out", all],
    {
      DISCOUNT_DATABASE_URL: db.url,
    },
  );
  if (made.code !== 0) throw new Error(`coupons not made: ${made.stderr}`);
  const codes = readFileSync(all, "utf8").trim().split("\n");
  const couponFiles = Array.from({ length: rounds + 1 }, (_, i) => {
    const file = `${db.dir}/coupons-${i}.txt`;
    writeFileSync(file, `${codes.slice(i * COUPONS_PER_ROUND, (i + 1) * COUPONS_PER_ROUND).join("\n")}\n`);
    return file;
  });
  return { name, discount, redis, db, repeat, couponFiles, samples: {} };
}

/**
 * Round trips one claim waits for, in order: one request at a time, so no other request's
 * commands share its batches. `bodies` are sent one after the other to `path`.
 */
async function tripsPerClaim(side: Side, path: string, bodies: object[], token: string, status = 200): Promise<number> {
  const before = await redisCounts(side.redis);
  for (const body of bodies) {
    const answer = await fetch(`${side.discount.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (answer.status !== status) throw new Error(`${side.name} ${path}: ${answer.status} ${await answer.text()}`);
  }
  const after = await redisCounts(side.redis);
  // Less the INFO connection's own two reads (HELLO, INFO).
  return (after.reads - before.reads - 2) / bodies.length;
}

async function main(): Promise<void> {
  const walletDb = await makeTempDatabase(undefined, "wallet.db");
  const wallet = await startWalletProcess(walletDb);
  const sides: Side[] = [];
  try {
    if (values.base) sides.push(await startSide("base", `${values.base}/discount/src/main.ts`, wallet));
    sides.push(await startSide("this", undefined, wallet));
    const token = await testToken("service");
    const coupon = (side: Side, i: number): Load => ({
      mode: "coupon",
      codesFile: side.couponFiles[i],
      // A new phone for every coupon: each round its own range, all within 7 digits.
      phones: 400_000,
      offset: 5_000_000 + i * 400_000,
      token,
    });
    // Before the floods: later, coupon winners push the repeaters' settled answers out of memory.
    const PROBES = 200;
    for (const side of sides) {
      const phones = Array.from({ length: PROBES }, (_, n) => `+98935${String(n).padStart(7, "0")}`);
      const code = side.repeat.code as string;
      const repeat = await tripsPerClaim(
        side,
        "/v1/redeem",
        phones.map((phone) => ({ code, phone })),
        token,
      );
      const newcomers = phones.map((phone) => ({ code, phone: phone.replace("+98935", "+98937") }));
      const winner = await tripsPerClaim(side, "/v1/redeem", newcomers, token, 201);
      const codes = readFileSync(side.couponFiles[rounds] as string, "utf8")
        .trim()
        .split("\n")
        .slice(-PROBES);
      const coupons = codes.map((c, n) => ({ code: c, phone: `+98936${String(n).padStart(7, "0")}` }));
      const fresh = await tripsPerClaim(side, "/redeem-coupon", coupons, token);
      console.log(
        `TRIPS ${side.name}: winner's repeat ${repeat.toFixed(2)}, new winner ${winner.toFixed(2)}, ` +
          `coupon redeem ${fresh.toFixed(2)} per claim`,
      );
    }
    for (let i = 0; i <= rounds; i++) {
      const row = i === 0 ? "warm-up" : "";
      for (const side of sides) {
        if (values.only !== "coupon") await measure(side, `repeat${row}`, side.repeat, row ? ["200", "201"] : ["200"]);
        if (values.only !== "repeat") await measure(side, `coupon${row}`, coupon(side, i), ["200"]);
      }
    }
    for (const row of ["repeat", "coupon"].filter((r) => values.only === undefined || values.only === r)) {
      for (const side of sides) {
        const s = side.samples[row] ?? [];
        console.log(
          `MEDIAN ${row} ${side.name}: ${median(s.map((x) => x.micros)).toFixed(0)} µs/answer, ` +
            `${median(s.map((x) => x.trips)).toFixed(2)} Redis trips, ${median(s.map((x) => x.commands)).toFixed(2)} commands`,
        );
      }
    }
  } finally {
    for (const side of sides) {
      await side.discount.stop();
      await side.redis.dispose();
      side.db.dispose();
    }
    await wallet.stop();
    walletDb.dispose();
  }
}

await main();
