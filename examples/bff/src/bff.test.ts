import { afterAll, beforeAll, expect, test } from "bun:test";
import { createDiscountClient } from "@matchday/client/discount";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { bearer, TEST_JWT_SECRET, testToken } from "@matchday/testkit/http";
import { type ConsumerProject, makeConsumerProject, packClient } from "@matchday/testkit/packed-client";
import {
  REPO_ROOT,
  type RedisAndWallet,
  type ServiceProcess,
  startDiscountProcess,
  startRedisAndWallet,
  startService,
  waitFor,
} from "@matchday/testkit/processes";

const PRIZE = 1_000_000;
let base: RedisAndWallet;
let discountDb: TempDatabase;
let discount: ServiceProcess;
let bff: ServiceProcess;
let code: string;
let pack: Awaited<ReturnType<typeof packClient>>;
let project: ConsumerProject;

/**
 * The BFF as a project of its own outside this repository: its source, its package.json's
 * dependencies from the registry, and the client from the tarball `bun pm pack` makes of it.
 */
async function installBff(): Promise<ConsumerProject> {
  pack = await packClient();
  const manifest = await Bun.file(`${REPO_ROOT}examples/bff/package.json`).json();
  const { "@matchday/client": _, ...fromRegistry } = manifest.dependencies as Record<string, string>;
  // Its own dev tools only: the testkit is this repository's, not the BFF's.
  const { "@matchday/testkit": __, ...devTools } = manifest.devDependencies as Record<string, string>;
  return makeConsumerProject({
    tarball: pack.tarball,
    files: { src: `${REPO_ROOT}examples/bff/src` },
    dependencies: fromRegistry,
    devDependencies: devTools,
    types: ["bun"],
  });
}

beforeAll(async () => {
  project = await installBff();
  base = await startRedisAndWallet();
  discountDb = await makeTempDatabase();
  discount = await startDiscountProcess(discountDb, { redisUrl: base.redis.url, wallet: base.wallet });
  bff = await startService({
    entry: "src/main.ts",
    cwd: project.dir,
    portVar: "BFF_PORT",
    env: { JWT_SECRET: TEST_JWT_SECRET, WALLET_URL: base.wallet.url, DISCOUNT_URL: discount.url },
  });
  const admin = createDiscountClient({ baseUrl: discount.url, token: await testToken("admin") });
  const created = await admin.createCampaign({ name: "BFF match", amount: PRIZE, maxRedemptions: 1 });
  if (!created.ok) throw new Error(JSON.stringify(created.error));
  code = created.data.code;
}, 60_000);

test("installed on its own, the BFF holds the client from the tarball and type-checks against its shipped types", async () => {
  const installed = await project.run(["ls", "node_modules/@matchday"]);
  expect(installed.stdout.trim().split("\n")).toEqual(["client"]);
  const checked = await project.typecheck();
  expect([checked.code, checked.stdout.split("\n").filter((line) => !line.startsWith("/"))]).toEqual([0, [""]]);
  const client = checked.files.filter((file) => file.includes("/node_modules/@matchday/client/"));
  expect(client.length).toBeGreaterThan(0);
  expect(client.every((file) => file.includes("/node_modules/@matchday/client/dist/"))).toBe(true);
}, 30_000);
afterAll(async () => {
  await Promise.all([bff?.kill(), discount?.kill()]);
  discountDb?.dispose();
  await base?.dispose({ hard: true });
  project?.dispose();
  pack?.dispose();
});

async function call(path: string, phone: string | undefined, init: RequestInit = {}) {
  const auth = phone ? await bearer("user", phone) : {};
  const res = await fetch(`${bff.url}${path}`, { ...init, headers: { ...auth, "content-type": "application/json" } });
  return {
    status: res.status,
    type: res.headers.get("content-type"),
    body: (await res.json()) as Record<string, unknown>,
  };
}
const claim = (phone: string | undefined, body: unknown) =>
  call("/claim", phone, { method: "POST", body: JSON.stringify(body) });
const balance = async (phone: string) => (await call("/me/balance", phone)).body.balance;

test("the first user to claim wins (201) and the prize shows in their balance", async () => {
  const won = await claim("09125550001", { code: code.toLowerCase() });
  expect(won).toMatchObject({ status: 201, body: { won: true, rank: 1, amount: PRIZE } });
  await waitFor("the prize in the wallet", async () => (await balance("09125550001")) === PRIZE, 5_000);
});

test("the winner claiming again hears the same result (200), and the balance is paid once", async () => {
  expect(await claim("09125550001", { code })).toMatchObject({ status: 200, body: { won: true, rank: 1 } });
  expect(await balance("09125550001")).toBe(PRIZE);
});

test("once the prize is taken another user hears 409 CAMPAIGN_EXHAUSTED as problem+json", async () => {
  expect(await claim("09125550002", { code })).toMatchObject({
    status: 409,
    type: "application/problem+json",
    body: { code: "CAMPAIGN_EXHAUSTED" },
  });
  expect(await balance("09125550002")).toBe(0);
});

test("an unknown code is 404 CODE_NOT_FOUND and a body without a code 422", async () => {
  expect(await claim("09125550003", { code: "NOSUCHCODE" })).toMatchObject({
    status: 404,
    body: { code: "CODE_NOT_FOUND" },
  });
  expect(await claim("09125550003", { phone: "09125550001" })).toMatchObject({
    status: 422,
    body: { code: "VALIDATION_FAILED" },
  });
});

test("without a user token the BFF answers 401; a service token is not a signed-in user (403)", async () => {
  expect(await claim(undefined, { code })).toMatchObject({ status: 401, body: { code: "UNAUTHENTICATED" } });
  const res = await fetch(`${bff.url}/me/balance`, { headers: await bearer("service") });
  expect(res.status).toBe(403);
});

test("a discount that cannot be reached is 502 for the user, not a crash", async () => {
  await discount.kill();
  try {
    expect(await claim("09125550004", { code })).toMatchObject({
      status: 502,
      body: { code: "UPSTREAM_UNAVAILABLE" },
    });
  } finally {
    await discount.start();
  }
});
