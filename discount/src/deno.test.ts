import { afterAll, beforeAll, expect, test } from "bun:test";
import { createClient } from "@libsql/client";
import { DRAIN_DEADLINE_MS } from "@matchday/shared/runtime/service";
import {
  bearer,
  denoCommand,
  makeTempDatabase,
  REPO_ROOT,
  type RedisHandle,
  type ServiceProcess,
  startDiscountProcess,
  startRedis,
  startWalletProcess,
  type TempDatabase,
  waitFor,
} from "@matchday/shared/test-support";
import Redis from "ioredis";
import {
  acknowledgedButLost,
  burstOrder,
  burstWithShutdown,
  createCampaign,
  hang,
  leasedOutboxRows,
  readFacts,
  seeded,
} from "./burst-support";

// Both services under Deno, on the same kind of Redis and DB files as under Bun. The
// databases start empty: each service migrates its own on start, under Deno too.
let redis: RedisHandle;
let walletDb: TempDatabase;
let discountDb: TempDatabase;
let wallet: ServiceProcess;
let discount: ServiceProcess;

beforeAll(async () => {
  [redis, walletDb, discountDb] = await Promise.all([startRedis(), makeTempDatabase(), makeTempDatabase()]);
  wallet = await startWalletProcess(walletDb, {}, "deno");
  discount = await startDiscountProcess(
    discountDb,
    { redisUrl: redis.url, wallet },
    { WALLET_TIMEOUT_MS: "200" },
    "deno",
  );
});
afterAll(async () => {
  await Promise.all([discount?.kill(), wallet?.kill()]);
  await redis?.dispose();
  walletDb?.dispose();
  discountDb?.dispose();
});

const json = { "content-type": "application/json" };

async function balanceOf(phone: string): Promise<number> {
  const res = await fetch(`${wallet.url}/v1/wallets/${phone}`, { headers: await bearer("service") });
  return ((await res.json()) as { balance: number }).balance;
}

function credit(phone: string, amount: number, key: string) {
  return bearer("service").then((auth) =>
    fetch(`${wallet.url}/v1/wallets/${phone}/credits`, {
      method: "POST",
      headers: { ...auth, ...json, "idempotency-key": key },
      body: JSON.stringify({ amount, reference: "deno smoke" }),
    }),
  );
}

test("under Deno each service is live and ready: its database, and the discount's Redis, answer", async () => {
  for (const url of [wallet.url, discount.url]) expect((await fetch(`${url}/health`)).status).toBe(200);
  expect(await (await fetch(`${wallet.url}/ready`)).json()).toEqual({ status: "ready", checks: { database: "ok" } });
  expect(await (await fetch(`${discount.url}/ready`)).json()).toEqual({
    status: "ready",
    checks: { database: "ok", redis: "ok" },
  });
});

test("under Deno a bad environment stops start-up with a message naming each problem", async () => {
  const proc = Bun.spawn([...denoCommand(), "discount/src/deno.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, JWT_SECRET: "too-short", DISCOUNT_PORT: "http", REDIS_URL: "mysql://x" },
    stdout: "pipe",
    stderr: "pipe",
  });
  expect(await proc.exited).toBe(1);
  const stderr = await new Response(proc.stderr).text();
  expect(stderr).toContain("JWT_SECRET must be at least 32 bytes");
  expect(stderr).toContain("DISCOUNT_PORT must be a whole number");
  expect(stderr).toContain("REDIS_URL must use redis: or rediss:");
});

test("under Deno a credit shows in the balance, and a redeemed gift reaches the wallet over HTTP", async () => {
  const phone = "09121230001";
  expect((await credit(phone, 5_000, "deno-smoke-1")).status).toBe(201);
  expect(await balanceOf(phone)).toBe(5_000);

  const code = await createCampaign(discount.url, { name: "Deno smoke", amount: 1_000_000, maxRedemptions: 10 });
  const user = await bearer("user", phone);
  const redeem = () =>
    fetch(`${discount.url}/v1/redeem`, {
      method: "POST",
      headers: { ...user, ...json },
      body: JSON.stringify({ code }),
    });
  const won = await redeem();
  expect(won.status).toBe(201);
  const result = (await won.json()) as { status: string; rank: number };
  expect(["credited", "pending"]).toContain(result.status);
  await waitFor("the gift in the wallet", async () => (await balanceOf(phone)) === 1_005_000, 5_000);

  const again = await redeem();
  expect(again.status).toBe(200);
  expect(((await again.json()) as { rank: number }).rank).toBe(result.rank);
});

test("under Deno the coupon rate limit counts per client socket address, not one shared bucket", async () => {
  const res = await fetch(`${discount.url}/redeem-coupon`, {
    method: "POST",
    headers: { ...(await bearer("user")), ...json },
    body: JSON.stringify({ code: "NOSUCHCODE" }),
  });
  expect(res.status).toBe(404);
  const client = new Redis(redis.url);
  const keys = await client.keys("rl:coupon:ip:*");
  client.disconnect();
  expect(keys.map((k) => k.split(":")[3])).toEqual(["127.0.0.1"]);
});

test("under Deno, which has no listener body limit, a chunked body past MAX_BODY_BYTES is refused with 413", async () => {
  // No Content-Length: only a bounded read can refuse it, and Deno.serve does none of its own.
  const chunk = new TextEncoder().encode(`{"code":"${"X".repeat(1_000)}`);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ < 40) controller.enqueue(chunk);
      else controller.close();
    },
  });
  const res = await fetch(`${discount.url}/v1/redeem`, {
    method: "POST",
    headers: { ...(await bearer("user")), ...json },
    body,
    duplex: "half",
  } as RequestInit);
  expect(res.status).toBe(413);
  expect(((await res.json()) as { code: string }).code).toBe("PAYLOAD_TOO_LARGE");
});

test("SIGTERM to the Deno discount mid-burst keeps every acknowledged win, settles the relay's batch and exits 0", async () => {
  const code = await createCampaign(discount.url, { name: "Deno shutdown", amount: 100_000, maxRedemptions: 100 });
  // The wallet hangs partway, so the relay has a batch in hand when the signal comes.
  const { answers, exitCode, stopMs } = await burstWithShutdown(discount, code, burstOrder(300, 300, seeded(31)), {
    stopAfter: 40,
    onProgress: (done) => done === 20 && hang(wallet, true),
  });
  hang(wallet, false);
  expect(exitCode).toBe(0);
  expect(stopMs).toBeLessThan(DRAIN_DEADLINE_MS); // drained, not cut off at the deadline
  expect(answers.some((a) => a.status === 201 && a.body.status === "pending")).toBe(true);
  expect(answers.some((a) => a.status === 0)).toBe(true);
  expect(await leasedOutboxRows(discountDb.url)).toBe(0);
  expect(acknowledgedButLost(await readFacts(discountDb.url, walletDb.url, code), answers)).toEqual([]);
});

test("SIGTERM to the Deno wallet lets in-flight credits finish, keeps each acknowledged one and exits 0", async () => {
  const phone = "09121230002";
  const inFlight = Array.from({ length: 150 }, (_, i) =>
    credit(phone, 10, `deno-drain-${i}`).then(
      (r) => r.status,
      () => 0, // refused once the listener closed: not acknowledged, so not owed
    ),
  );
  await Promise.race(inFlight); // the first answer: the rest are on their way
  const sent = performance.now();
  const exitCode = await wallet.stop();
  const stopMs = performance.now() - sent;
  const acknowledged = (await Promise.all(inFlight)).filter((s) => s === 201).length;
  expect(exitCode).toBe(0);
  expect(stopMs).toBeLessThan(DRAIN_DEADLINE_MS);
  expect(acknowledged).toBeGreaterThan(0);

  const db = createClient({ url: walletDb.url });
  const { rows } = await db.execute({
    sql: "SELECT COUNT(*) AS n FROM ledger WHERE phone = ?",
    args: ["+989121230002"],
  });
  db.close();
  expect(Number(rows[0]?.n)).toBeGreaterThanOrEqual(acknowledged);
});
