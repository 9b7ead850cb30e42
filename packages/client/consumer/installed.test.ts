import { afterAll, beforeAll, expect, test } from "bun:test";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { testToken } from "@matchday/testkit/http";
import { type ConsumerProject, makeConsumerProject, packClient } from "@matchday/testkit/packed-client";
import {
  REPO_ROOT,
  type RedisAndWallet,
  type ServiceProcess,
  startDiscountProcess,
  startRedisAndWallet,
} from "@matchday/testkit/processes";

let pack: Awaited<ReturnType<typeof packClient>>;
let project: ConsumerProject;
let base: RedisAndWallet;
let discountDb: TempDatabase;
let discount: ServiceProcess;

beforeAll(async () => {
  // The real wallet and discount as processes, for the program to run against.
  base = await startRedisAndWallet();
  discountDb = await makeTempDatabase();
  discount = await startDiscountProcess(discountDb, { redisUrl: base.redis.url, wallet: base.wallet });
  pack = await packClient();
  project = await makeConsumerProject({
    tarball: pack.tarball,
    files: { "program.ts": `${REPO_ROOT}packages/client/consumer/program.ts` },
  });
}, 60_000);
afterAll(async () => {
  project?.dispose();
  pack?.dispose();
  await discount?.kill();
  discountDb?.dispose();
  await base?.dispose({ hard: true });
});

test("the packed package holds its built types and its source, without tests or workspace dependencies", async () => {
  const listed = await project.run(["tar", "-tzf", pack.tarball]);
  const files = listed.stdout.split("\n").filter(Boolean).sort();
  expect(files).toContain("package/dist/wallet.d.ts");
  expect(files).toContain("package/dist/discount.d.ts");
  expect(files).toContain("package/src/wallet.ts");
  expect(files).toContain("package/README.md");
  expect(files.filter((file) => /\.test\.ts$|codegen|consumer|contract/.test(file))).toEqual([]);
  const manifest = await Bun.file(`${project.dir}/node_modules/@matchday/client/package.json`).json();
  expect(manifest).toMatchObject({ name: "@matchday/client", version: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
  expect(manifest.dependencies ?? {}).toEqual({});
});

test("a program in a project outside the workspace type-checks against the installed types alone", async () => {
  const checked = await project.typecheck();
  expect([checked.code, checked.stdout.split("\n").filter((l) => !l.startsWith("/"))]).toEqual([0, [""]]);
  // Every client type came from the tarball's dist/, and nothing from this repository.
  const client = checked.files.filter((file) => file.includes("/node_modules/@matchday/client/"));
  expect(client.length).toBeGreaterThan(0);
  expect(client.every((file) => file.includes("/node_modules/@matchday/client/dist/"))).toBe(true);
  const typescriptLib = /\/lib\/lib\.[\w.]+\.d\.ts$/;
  expect(checked.files.filter((file) => file.startsWith(REPO_ROOT) && !typescriptLib.test(file))).toEqual([]);
}, 30_000);

test("run with bun in that project against real services, it opens a campaign, wins it, hears the next caller is too late, and spends the prize", async () => {
  const ran = await project.run(["bun", "program.ts"], {
    WALLET_URL: base.wallet.url,
    DISCOUNT_URL: discount.url,
    ADMIN_TOKEN: await testToken("admin", "ops"),
    SERVICE_TOKEN: await testToken("service", "consumer"),
  });
  expect([ran.code, ran.stderr]).toEqual([0, ""]);
  expect(JSON.parse(ran.stdout)).toEqual({
    rank: 1,
    amount: 250_000,
    soldOut: "CAMPAIGN_EXHAUSTED",
    balance: 250_000,
    after: 200_000,
  });
}, 30_000);
