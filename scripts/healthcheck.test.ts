import { afterAll, beforeAll, expect, test } from "bun:test";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { freePort, runCli, type ServiceProcess, startWalletProcess } from "@matchday/testkit/processes";

let database: TempDatabase;
let wallet: ServiceProcess;

beforeAll(async () => {
  database = await makeTempDatabase();
  wallet = await startWalletProcess(database);
});
afterAll(async () => {
  await wallet?.stop();
  database?.dispose();
});

test("the container health check passes for a ready service and fails for one that does not answer", async () => {
  const port = new URL(wallet.url).port;
  const ready = await runCli("scripts/healthcheck.ts", ["wallet"], { WALLET_PORT: port, TLS_CERT: "" });
  expect(ready.code).toBe(0);
  const down = await runCli("scripts/healthcheck.ts", ["wallet"], { WALLET_PORT: String(freePort()) });
  expect(down.code).toBe(1);
  expect(down.stderr).toContain("healthcheck:");
  expect((await runCli("scripts/healthcheck.ts", ["ledger"])).code).toBe(2);
});
