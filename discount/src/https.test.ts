import { afterAll, beforeAll, expect, test } from "bun:test";
import { createClient } from "@libsql/client";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { bearer, makeTestCerts, TEST_JWT_SECRET, type TestCerts } from "@matchday/testkit/http";
import {
  runCli,
  type ServiceProcess,
  startDiscountProcess,
  startWalletProcess,
  waitFor,
} from "@matchday/testkit/processes";
import { type RedisHandle, startRedis } from "@matchday/testkit/redis";

const AMOUNT = 250_000;

let certs: TestCerts;
let redis: RedisHandle;
let walletDb: TempDatabase;
let wallet: ServiceProcess;
let discountDb: TempDatabase;
let discount: ServiceProcess;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  certs = await makeTestCerts();
  redis = await startRedis();
  walletDb = await makeTempDatabase();
  wallet = await startWalletProcess(walletDb, {}, "bun", certs);
  discountDb = await makeTempDatabase();
  // A generous timeout: this test is about trust, not speed, and the first call pays the TLS handshake.
  discount = await startDiscountProcess(
    discountDb,
    { redisUrl: redis.url, wallet },
    { TLS_CA: certs.caPath, WALLET_TIMEOUT_MS: "5000" },
    "bun",
    certs,
  );
});
afterAll(async () => {
  await Promise.all([discount?.kill(), wallet?.kill(), ...cleanups.map((c) => c())]);
  await redis?.dispose();
  for (const db of [walletDb, discountDb]) db?.dispose();
  certs?.dispose();
});

/** fetch that trusts the test CA, as a client given TLS_CA does. */
const trusted = (url: string, init: RequestInit = {}) => fetch(url, { ...init, tls: { ca: certs.ca } });

async function createCampaign(discountUrl: string, name: string): Promise<string> {
  const res = await trusted(`${discountUrl}/v1/campaigns`, {
    method: "POST",
    headers: { ...(await bearer("admin")), "content-type": "application/json" },
    body: JSON.stringify({ name, amount: AMOUNT, maxRedemptions: 10 }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { code: string }).code;
}

async function redeem(discountUrl: string, code: string, phone: string) {
  const res = await trusted(`${discountUrl}/v1/redeem`, {
    method: "POST",
    headers: { ...(await bearer("user", phone)), "content-type": "application/json" },
    body: JSON.stringify({ code }),
  });
  return { status: res.status, body: (await res.json()) as { status?: string } };
}

async function balanceOf(phone: string): Promise<number> {
  const res = await trusted(`${wallet.url}/v1/wallets/${phone}`, { headers: await bearer("service") });
  expect(res.status).toBe(200);
  return ((await res.json()) as { balance: number }).balance;
}

function reconcile(discountDbUrl: string, env: Record<string, string>) {
  return runCli("discount/src/cli/reconcile.ts", [], {
    JWT_SECRET: TEST_JWT_SECRET,
    DISCOUNT_DATABASE_URL: discountDbUrl,
    WALLET_URL: wallet.url,
    ...env,
  });
}

test("over HTTPS end to end: a campaign is created, redeemed and credited, and the wallet shows the money", async () => {
  expect(wallet.url).toStartWith("https://");
  expect(discount.url).toStartWith("https://");
  const code = await createCampaign(discount.url, "tls");
  const phone = "09121110001";
  expect(await redeem(discount.url, code, phone)).toEqual({
    status: 201,
    body: expect.objectContaining({ status: "credited" }),
  });
  expect(await balanceOf(phone)).toBe(AMOUNT);

  // The reconcile CLI reaches the same wallet with the same TLS_CA, and finds the credit there.
  const run = await reconcile(discountDb.url, { TLS_CA: certs.caPath });
  expect(run.code).toBe(0);
  // Its stderr holds its progress line and nothing else: no certificate or wallet error.
  expect(run.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^reconcile: 1\/1 winners \(100%\)/)]);
  expect(run.stdout).toMatch(/total\s+1\s+1\s+0\s+0\s+0/);
});

test("a client that does not trust the CA is refused at the handshake", async () => {
  for (const service of [wallet, discount]) {
    const error = await fetch(`${service.url}/health`).then(
      () => undefined,
      (e: { code?: string }) => e,
    );
    expect(error?.code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  }
});

test("a discount without TLS_CA cannot credit the HTTPS wallet, even with NODE_TLS_REJECT_UNAUTHORIZED=0; reconcile with TLS_CA delivers it", async () => {
  const db = await makeTempDatabase();
  const untrusting = await startDiscountProcess(
    db,
    { redisUrl: redis.url, wallet },
    // TLS_CA empty counts as unset, whatever the environment running the tests holds. A short
    // wallet timeout brings the relay's first retry forward.
    { TLS_CA: "", NODE_TLS_REJECT_UNAUTHORIZED: "0", WALLET_TIMEOUT_MS: "200" },
  );
  cleanups.push(async () => {
    await untrusting.kill();
    db.dispose();
  });
  const code = await createCampaign(untrusting.url, "no trust");
  const phone = "09121110002";
  expect(await redeem(untrusting.url, code, phone)).toEqual({
    status: 201,
    body: expect.objectContaining({ status: "pending" }),
  });

  // The relay keeps trying, and its note on the credit says why it cannot deliver.
  const outbox = createClient({ url: db.url });
  try {
    await waitFor("the relay to retry the credit", async () => {
      const { rows } = await outbox.execute("SELECT attempts FROM outbox");
      return Number(rows[0]?.attempts) >= 1;
    });
    const { rows } = await outbox.execute("SELECT status, last_error FROM outbox");
    expect({ ...rows[0] }).toEqual({
      status: "pending",
      last_error: "wallet's TLS certificate not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE; is TLS_CA its CA?)",
    });
  } finally {
    outbox.close();
  }
  expect(await balanceOf(phone)).toBe(0);

  const without = await reconcile(db.url, { TLS_CA: "" });
  expect(without.code).toBe(2);
  expect(without.stderr).toContain("wallet's TLS certificate not trusted");
  const withCa = await reconcile(db.url, { TLS_CA: certs.caPath });
  expect(withCa.code).toBe(0);
  expect(withCa.stdout).toMatch(/total\s+1\s+0\s+1\s+0\s+0/);
  expect(await balanceOf(phone)).toBe(AMOUNT);
});

test("both services send HSTS and the security headers over HTTPS, on results, problems and pages", async () => {
  const answers = await Promise.all([
    trusted(`${wallet.url}/health`),
    trusted(`${wallet.url}/v1/wallets/09121110003`),
    trusted(`${wallet.url}/docs`),
    trusted(`${discount.url}/v1/campaigns`, { headers: await bearer("admin") }),
    trusted(`${discount.url}/v1/redeem`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    }),
    trusted(`${discount.url}/admin`),
  ]);
  expect(answers.map((res) => res.status)).toEqual([200, 401, 200, 200, 401, 200]);
  for (const res of answers) {
    expect(res.headers.get("strict-transport-security")).toBe("max-age=31536000");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("cross-origin-resource-policy")).toBe("same-origin");
  }
  const cachePolicies = answers.map((res) => res.headers.get("cache-control"));
  // The dashboard keeps its own policy (revalidate), everything else is never stored.
  expect(cachePolicies).toEqual(["no-store", "no-store", "no-store", "no-store", "no-store", "no-cache"]);
  expect(answers[1]?.headers.get("content-type")).toBe("application/problem+json");
});
