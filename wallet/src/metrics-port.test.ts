import { afterAll, expect, test } from "bun:test";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { TEST_METRICS_TOKEN } from "@matchday/testkit/http";
import { freePort, type Runtime, type ServiceProcess, startWalletProcess } from "@matchday/testkit/processes";

// METRICS_PORT: a second listener, on an internal address, where Prometheus scrapes without a
// token. The service's own port keeps /metrics, still behind METRICS_TOKEN or a staff token.
const databases: TempDatabase[] = [];
const started: ServiceProcess[] = [];
afterAll(async () => {
  await Promise.all(started.map((s) => s.kill()));
  for (const database of databases) database.dispose();
});

const refused = (url: string) =>
  fetch(url).then(
    () => false,
    () => true,
  );

for (const runtime of ["bun", "deno"] satisfies Runtime[]) {
  test(`under ${runtime}, METRICS_PORT serves /metrics without a token, the main port only with one, and both stop together`, async () => {
    const database = await makeTempDatabase();
    databases.push(database);
    const port = freePort();
    const env = { METRICS_PORT: String(port), METRICS_HOST: "127.0.0.1", METRICS_TOKEN: TEST_METRICS_TOKEN };
    const wallet = await startWalletProcess(database, env, runtime);
    started.push(wallet);
    const internal = `http://127.0.0.1:${port}`;

    const scraped = await fetch(`${internal}/metrics`);
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
    expect(await scraped.text()).toContain("# TYPE wallet_entries_total counter");

    const other = await fetch(`${internal}/v1/wallets/09121234567`);
    expect(other.status).toBe(404);
    expect(other.headers.get("content-type")).toContain("application/problem+json");
    expect(((await other.json()) as { code: string }).code).toBe("ROUTE_NOT_FOUND");

    expect((await fetch(`${wallet.url}/metrics`)).status).toBe(401);
    const withToken = await fetch(`${wallet.url}/metrics`, {
      headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` },
    });
    expect(withToken.status).toBe(200);

    expect(await wallet.stop()).toBe(0);
    expect(await refused(`${internal}/metrics`)).toBe(true);
  }, 60_000);
}
