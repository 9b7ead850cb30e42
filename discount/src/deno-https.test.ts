import { afterAll, beforeAll, expect, test } from "bun:test";
import { createDiscountClient } from "@matchday/client/discount";
import { createWalletClient } from "@matchday/client/wallet";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { makeTestCerts, type TestCerts, testToken } from "@matchday/testkit/http";
import { type ServiceProcess, startDiscountProcess, startWalletProcess, waitFor } from "@matchday/testkit/processes";
import { type RedisHandle, startRedis } from "@matchday/testkit/redis";

// Under Deno, fetch ignores Bun's `tls` option: the discount's wallet client trusts a private CA
// through Deno.createHttpClient instead. This runs that path against a real HTTPS wallet.
let certs: TestCerts;
let redis: RedisHandle;
let databases: TempDatabase[];
let wallet: ServiceProcess;
let discount: ServiceProcess;

beforeAll(async () => {
  [certs, redis, databases] = await Promise.all([
    makeTestCerts(),
    startRedis(),
    Promise.all([makeTempDatabase(), makeTempDatabase()]),
  ]);
  const [walletDb, discountDb] = databases as [TempDatabase, TempDatabase];
  wallet = await startWalletProcess(walletDb, {}, "bun", certs);
  discount = await startDiscountProcess(
    discountDb,
    { redisUrl: redis.url, wallet },
    { TLS_CA: certs.caPath, WALLET_TIMEOUT_MS: "5000" },
    "deno",
  );
});
afterAll(async () => {
  await Promise.all([discount?.kill(), wallet?.kill()]);
  await redis?.dispose();
  for (const db of databases ?? []) db.dispose();
  certs?.dispose();
});

test("under Deno the discount credits an HTTPS wallet whose certificate only TLS_CA vouches for", async () => {
  const admin = createDiscountClient({ baseUrl: discount.url, token: await testToken("admin") });
  const created = await admin.createCampaign({ name: "Deno TLS", amount: 70_000, maxRedemptions: 5 });
  if (!created.ok) throw new Error(JSON.stringify(created.error));
  const won = await admin.redeem({ code: created.data.code, phone: "09126660001" });
  expect(won.ok && won.status).toBe(201);

  const walletClient = createWalletClient({
    baseUrl: wallet.url,
    token: await testToken("service"),
    fetch: { tls: { ca: certs.ca } },
  });
  await waitFor("the credit in the HTTPS wallet", async () => {
    const balance = await walletClient.balance("09126660001");
    return balance.ok && balance.data.balance === 70_000;
  });
});
