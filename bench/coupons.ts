/**
 * Coupon generation: `bun run coupons` making 1,000,000 codes into a fresh migrated
 * discount database (a real process, codes written to a file), against a bare libSQL
 * loop storing as many pre-made codes into a one-column unique table in the same run;
 * then single POST /generate-coupon calls against the running service.
 *
 *   bun bench/coupons.ts [--codes 1000000] [--singles 1000]
 *
 * Exits 1 when the output is wrong (a count, a duplicate, a bad code), never for being slow.
 */

import { DISCOUNT_MIGRATIONS } from "@matchday/discount/db/store";
import { openDatabase } from "@matchday/shared/db";
import {
  bearer,
  makeTempDatabase,
  REPO_ROOT,
  startDiscountProcess,
  startRedisAndWallet,
} from "../packages/shared/src/test-support";
import { option, percentile, printTable, type Row } from "./table";

const codes = option("--codes", "BENCH_CODES", 1_000_000);
const singles = option("--singles", "BENCH_SINGLES", 1_000);
const TARGET_SECONDS = 10;
const CHUNK = 50_000;

/** The least work that stores `count` random unique-indexed codes: no CSPRNG, no campaign row, no process. */
async function bareInsert(count: number): Promise<Row> {
  const db = await makeTempDatabase(undefined, "bare.db");
  const client = await openDatabase(db.url);
  try {
    await client.execute("CREATE TABLE codes (code TEXT NOT NULL UNIQUE)");
    const started = performance.now();
    for (let made = 0; made < count; made += CHUNK) {
      // Random keys like real codes (sequential ones would only append to the index), without a CSPRNG.
      const chunk = Array.from({ length: Math.min(CHUNK, count - made) }, () =>
        Math.random().toString(36).slice(2, 10),
      );
      await client.execute({
        sql: "INSERT INTO codes (code) SELECT value FROM json_each(?) WHERE true ON CONFLICT DO NOTHING",
        args: [JSON.stringify(chunk)],
      });
    }
    const seconds = (performance.now() - started) / 1000;
    return { name: "bare libSQL insert (baseline)", ops: count, seconds, p50Ms: Number.NaN, p99Ms: Number.NaN };
  } finally {
    client.close();
    db.dispose();
  }
}

async function cliRun(count: number, problems: string[]): Promise<Row> {
  const db = await makeTempDatabase(DISCOUNT_MIGRATIONS, "discount.db");
  const out = `${db.dir}/codes.txt`;
  try {
    const started = performance.now();
    const proc = Bun.spawn(["bun", "discount/src/cli/coupons.ts", "--count", String(count), "--out", out], {
      cwd: REPO_ROOT,
      env: { ...process.env, DISCOUNT_DATABASE_URL: db.url },
      stdout: "ignore",
      stderr: "pipe",
    });
    const stderr = await new Response(proc.stderr).text();
    if ((await proc.exited) !== 0) throw new Error(`coupons CLI failed:\n${stderr}`);
    const seconds = (performance.now() - started) / 1000;
    const written = (await Bun.file(out).text()).trimEnd().split("\n");
    if (written.length !== count) problems.push(`CLI wrote ${written.length} codes, expected ${count}`);
    if (new Set(written).size !== written.length) problems.push("CLI wrote a code twice");
    if (written.some((c) => !/^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{8}$/.test(c))) problems.push("CLI wrote a bad code");
    return { name: "bun run coupons (process)", ops: count, seconds, p50Ms: Number.NaN, p99Ms: Number.NaN };
  } finally {
    db.dispose();
  }
}

async function singleRuns(count: number, problems: string[]): Promise<Row> {
  const base = await startRedisAndWallet();
  const discountDb = await makeTempDatabase();
  const discount = await startDiscountProcess(
    discountDb,
    { redisUrl: base.redis.url, wallet: base.wallet },
    { LOG_LEVEL: "info" },
  );
  try {
    const headers = { ...(await bearer("admin")), "content-type": "application/json" };
    const latencies: number[] = [];
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      const res = await fetch(`${discount.url}/generate-coupon`, { method: "POST", headers, body: "{}" });
      await res.text();
      latencies.push(performance.now() - t0);
      if (res.status !== 201) problems.push(`generate-coupon answered ${res.status}`);
    }
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      name: "POST /generate-coupon (serial)",
      ops: count,
      seconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
    };
  } finally {
    await discount.stop();
    await base.dispose();
    discountDb.dispose();
  }
}

const problems: string[] = [];
const baseline = await bareInsert(codes);
const cli = await cliRun(codes, problems);
const single = await singleRuns(singles, problems);
printTable([baseline, cli, single], baseline);
console.log(
  `\n${codes.toLocaleString("en")} coupons in <= ${TARGET_SECONDS} s: ${cli.seconds.toFixed(1)} s ${cli.seconds <= TARGET_SECONDS ? "PASS" : "FAIL"}`,
);
if (problems.length > 0) {
  console.error(`error: wrong output\n  ${problems.slice(0, 10).join("\n  ")}`);
  process.exit(1);
}
