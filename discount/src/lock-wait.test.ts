import { afterAll, beforeAll, expect, test } from "bun:test";
import { openDatabase } from "@matchday/shared/db";
import { createCampaign, phoneOf } from "@matchday/testkit/burst";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { bearer } from "@matchday/testkit/http";
import {
  type RedisAndWallet,
  type ServiceProcess,
  startDiscountProcess,
  startRedisAndWallet,
} from "@matchday/testkit/processes";

// Another discount process holding the file's write lock is played by this test's own
// connection: what matters is that the lock is held from outside the process.
let base: RedisAndWallet;
let db: TempDatabase;
let discount: ServiceProcess;
beforeAll(async () => {
  base = await startRedisAndWallet();
  db = await makeTempDatabase();
  discount = await startDiscountProcess(db, { redisUrl: base.redis.url, wallet: base.wallet });
});
afterAll(async () => {
  await discount.stop();
  db.dispose();
  await base.dispose({ hard: true });
});

test("a discount process waiting for another's write lock still answers /health at once, then records the win", async () => {
  const code = await createCampaign(discount.url, { name: "Lock wait", amount: 1_000, maxRedemptions: 10 });
  const holder = await openDatabase(db.url);
  try {
    const held = await holder.transaction("write");
    const redeem = fetch(`${discount.url}/v1/redeem`, {
      method: "POST",
      headers: { ...(await bearer("service")), "content-type": "application/json" },
      body: JSON.stringify({ code, phone: phoneOf(1) }),
    });
    await Bun.sleep(100); // the win is decided in Redis and its write now waits for the lock
    const asked = performance.now();
    const health = await fetch(`${discount.url}/health`);
    const healthMs = performance.now() - asked;
    await Bun.sleep(500);
    await held.commit();
    expect(health.status).toBe(200);
    // Before, SQLite's busy wait slept the event loop until the lock was released (500 ms and more).
    expect(healthMs).toBeLessThan(250);
    expect((await redeem).status).toBe(201);
  } finally {
    holder.close();
  }
}, 30_000);
