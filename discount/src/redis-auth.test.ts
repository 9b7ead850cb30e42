import { afterAll, beforeAll, expect, test } from "bun:test";
import { createCampaign } from "@matchday/testkit/burst";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { bearer } from "@matchday/testkit/http";
import { type ServiceProcess, startDiscountProcess, startWalletProcess } from "@matchday/testkit/processes";
import { type RedisHandle, startRedis } from "@matchday/testkit/redis";

const PASSWORD = "redis-password-for-this-test";
const WRONG_PASSWORD = "a-wrong-guess-at-the-password";
// A password needs a Redis of our own; a shared one (REDIS_URL) has its own settings.
const shared = Boolean(process.env.REDIS_URL);

let redis: RedisHandle;
let walletDb: TempDatabase;
let wallet: ServiceProcess;
let discountDb: TempDatabase;
let code: string;
const started: ServiceProcess[] = [];

/** A discount process on the shared database, logging everything, with this Redis URL. */
async function discountWith(redisUrl: string): Promise<ServiceProcess> {
  const discount = await startDiscountProcess(discountDb, { redisUrl, wallet }, { LOG_LEVEL: "debug" });
  started.push(discount);
  return discount;
}

function withPassword(password: string): string {
  const url = new URL(redis.url);
  url.password = password;
  return url.toString();
}

beforeAll(async () => {
  if (shared) return;
  redis = await startRedis({ password: PASSWORD });
  walletDb = await makeTempDatabase();
  wallet = await startWalletProcess(walletDb);
  discountDb = await makeTempDatabase();
  code = await createCampaign((await discountWith(redis.url)).url, { name: "auth", amount: 1_000, maxRedemptions: 10 });
});
afterAll(async () => {
  if (shared) return;
  await Promise.all([...started.map((s) => s.kill()), wallet.kill()]);
  await redis.dispose();
  walletDb.dispose();
  discountDb.dispose();
});

async function redeem(discount: ServiceProcess, phone: string) {
  return fetch(`${discount.url}/v1/redeem`, {
    method: "POST",
    headers: { ...(await bearer("user", phone)), "content-type": "application/json" },
    body: JSON.stringify({ code }),
  });
}

test.skipIf(shared)("with the password in REDIS_URL the discount is ready and redeems", async () => {
  const discount = started[0] as ServiceProcess;
  const ready = await fetch(`${discount.url}/ready`);
  expect([ready.status, await ready.json()]).toEqual([
    200,
    { status: "ready", checks: { database: "ok", redis: "ok" } },
  ]);
  const res = await redeem(discount, "09126660001");
  expect(res.status).toBe(201);
  expect(await res.json()).toMatchObject({ status: "credited", rank: 1 });
  // Stopped first: the logger writes in batches, and flushes what is left as the process exits.
  await discount.stop();
  expect(discount.output()).toContain('"route":"/v1/redeem"');
  expect(discount.output()).not.toContain(PASSWORD);
});

test.skipIf(shared)(
  "with a wrong or no password, /ready names redis, a redemption is a clean 503 problem, and no password is shown or logged",
  async () => {
    const refused = await Promise.all([discountWith(withPassword(WRONG_PASSWORD)), discountWith(withPassword(""))]);
    for (const discount of refused) {
      const ready = await fetch(`${discount.url}/ready`);
      const readyText = await ready.text();
      expect([ready.status, JSON.parse(readyText)]).toEqual([
        503,
        { status: "not-ready", checks: { database: "ok", redis: "failing" } },
      ]);

      const res = await redeem(discount, "09126660002");
      const text = await res.text();
      expect([res.status, res.headers.get("content-type"), res.headers.get("retry-after")]).toEqual([
        503,
        "application/problem+json",
        "1",
      ]);
      expect(JSON.parse(text)).toMatchObject({ code: "SERVICE_UNAVAILABLE", status: 503 });
      await discount.stop(); // every line it logged is written by the time it has exited
      // Whatever the client hears and the process logs, the secret (or the guess at it) is not in it.
      for (const shown of [readyText, text, discount.output()]) {
        expect(shown).not.toContain(PASSWORD);
        expect(shown).not.toContain(WRONG_PASSWORD);
      }
      expect(text).not.toMatch(/\bat \S+:\d+/); // no stack frame
      // The refusals were logged, so the check above looked at real lines.
      expect(discount.output()).toContain("redis connection problem");
    }
  },
);
