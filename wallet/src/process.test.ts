import { afterAll, beforeAll, expect, test } from "bun:test";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { bearer, TEST_JWT_SECRET } from "@matchday/testkit/http";
import { REPO_ROOT, type ServiceProcess, startService } from "@matchday/testkit/processes";
import { WALLET_MIGRATIONS } from "./db/store";

let database: TempDatabase;
let service: Record<string, string>;
const started: ServiceProcess[] = [];

async function startWallet(): Promise<ServiceProcess> {
  const wallet = await startService({
    entry: "wallet/src/main.ts",
    portVar: "WALLET_PORT",
    env: { JWT_SECRET: TEST_JWT_SECRET, WALLET_DATABASE_URL: database.url },
  });
  started.push(wallet);
  return wallet;
}

beforeAll(async () => {
  database = await makeTempDatabase(WALLET_MIGRATIONS);
  service = await bearer("service");
});
afterAll(async () => {
  await Promise.all(started.map((s) => s.kill()));
  database.dispose();
});

function credit(base: string, phone: string, amount: number, key: string) {
  return fetch(`${base}/v1/wallets/${phone}/credits`, {
    method: "POST",
    headers: { ...service, "content-type": "application/json", "idempotency-key": key },
    body: JSON.stringify({ amount }),
  });
}

async function totals(base: string, phones: string[]) {
  let sum = 0;
  for (const phone of phones) {
    const res = await fetch(`${base}/v1/wallets/${phone}`, { headers: service });
    sum += ((await res.json()) as { balance: number }).balance;
  }
  return sum;
}

test("two wallet processes crediting the same DB file concurrently keep totals exact, each key applied once", async () => {
  const [a, b] = await Promise.all([startWallet(), startWallet()]);
  if (!a || !b) throw new Error("wallets did not start");
  const phones = Array.from({ length: 20 }, (_, i) => `0913${String(1_000_000 + i).slice(-7)}`);
  const jobs = Array.from({ length: 600 }, (_, i) => ({
    phone: phones[i % phones.length] as string,
    amount: 100 + i,
    key: `mp-${i}`,
  }));
  // Every request goes to both processes at once: one applies it, the other must replay it.
  const results = await Promise.all(
    jobs.flatMap((j) => [credit(a.url, j.phone, j.amount, j.key), credit(b.url, j.phone, j.amount, j.key)]),
  );
  const statuses = results.map((r) => r.status);
  expect(statuses.filter((s) => s !== 201)).toEqual([]);
  const replayed = results.filter((r) => r.headers.get("idempotent-replayed") === "true").length;
  expect(replayed).toBe(jobs.length);

  const expected = jobs.reduce((sum, j) => sum + j.amount, 0);
  expect(await totals(a.url, phones)).toBe(expected);
  expect(await totals(b.url, phones)).toBe(expected);
}, 60_000);

test("SIGTERM lets in-flight credits finish and every acknowledged credit is kept", async () => {
  const wallet = await startWallet();
  const phone = "09140000001";
  const inFlight = Array.from({ length: 200 }, (_, i) =>
    credit(wallet.url, phone, 10, `drain-${i}`).then(
      (r) => r.status,
      () => 0, // refused after the listener closed: not acknowledged, so not owed
    ),
  );
  await Bun.sleep(20);
  const exitCode = await wallet.stop();
  const statuses = await Promise.all(inFlight);
  expect(exitCode).toBe(0);
  const acknowledged = statuses.filter((s) => s === 201).length;
  expect(acknowledged).toBeGreaterThan(0);

  const again = await startWallet();
  const res = await fetch(`${again.url}/v1/wallets/${phone}`, { headers: service });
  expect(((await res.json()) as { balance: number }).balance).toBeGreaterThanOrEqual(acknowledged * 10);
}, 60_000);

test("a bad environment stops start-up with a message naming each problem", async () => {
  const proc = Bun.spawn(["bun", "wallet/src/main.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, JWT_SECRET: "too-short", WALLET_PORT: "http", LOG_LEVEL: "info" },
    stderr: "pipe",
    stdout: "pipe",
  });
  expect(await proc.exited).toBe(1);
  const stderr = await new Response(proc.stderr).text();
  expect(stderr).toContain("JWT_SECRET must be at least 32 bytes");
  expect(stderr).toContain("WALLET_PORT must be a whole number");
  expect(stderr).not.toContain("too-short");
});
