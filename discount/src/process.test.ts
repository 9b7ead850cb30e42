import { afterAll, beforeAll, expect, test } from "bun:test";
import { DRAIN_DEADLINE_MS } from "@matchday/shared/runtime/service";
import {
  bearer,
  makeTempDatabase,
  type RedisAndWallet,
  type ServiceProcess,
  startDiscountProcess,
  startRedisAndWallet,
  type TempDatabase,
} from "@matchday/shared/test-support";
import {
  acknowledgedButLost,
  burstOrder,
  burstWithShutdown,
  createCampaign,
  hang,
  leasedOutboxRows,
  readFacts,
  seeded,
  violations,
  waitForOutboxDrained,
} from "./burst-support";

const CAP = 150;
const AMOUNT = 250_000;
const PHONES = 400;

let base: RedisAndWallet;
let discountDb: TempDatabase;
const started: ServiceProcess[] = [];

async function startDiscount() {
  const discount = await startDiscountProcess(
    discountDb,
    { redisUrl: base.redis.url, wallet: base.wallet },
    { WALLET_TIMEOUT_MS: "200" },
  );
  started.push(discount);
  return discount;
}

beforeAll(async () => {
  base = await startRedisAndWallet();
  discountDb = await makeTempDatabase();
});
afterAll(async () => {
  await Promise.all(started.map((s) => s.kill()));
  await base.dispose({ hard: true });
  discountDb.dispose();
});

test("SIGTERM mid-burst keeps every acknowledged win and credit, exits 0, and the next process delivers what is owed", async () => {
  const discount = await startDiscount();
  const code = await createCampaign(discount.url, { name: "shutdown", amount: AMOUNT, maxRedemptions: CAP });
  // The wallet hangs partway, so the process stops owing credits: winners heard "pending".
  const { answers, exitCode, stopMs } = await burstWithShutdown(
    discount,
    code,
    burstOrder(PHONES, PHONES, seeded(21)),
    {
      stopAfter: 60,
      onProgress: (done) => done === 30 && hang(base.wallet, true),
    },
  );

  expect(exitCode).toBe(0);
  expect(stopMs).toBeLessThan(DRAIN_DEADLINE_MS); // drained, not cut off at the deadline
  // The signal landed mid-burst: earlier requests won (credited, then pending), later ones found no listener.
  expect(answers.some((a) => a.status === 201 && a.body.status === "credited")).toBe(true);
  expect(answers.some((a) => a.status === 201 && a.body.status === "pending")).toBe(true);
  expect(answers.some((a) => a.status === 0)).toBe(true);
  hang(base.wallet, false);
  // The relay's batch in hand was settled, not abandoned to its lease (which would delay those credits).
  expect(await leasedOutboxRows(discountDb.url)).toBe(0);
  expect(acknowledgedButLost(await readFacts(discountDb.url, base.walletDb.url, code), answers)).toEqual([]);

  // A new process's relay delivers whatever the stopped one still owed, exactly once.
  await startDiscount();
  await waitForOutboxDrained(discountDb.url, 10_000);
  const facts = await readFacts(discountDb.url, base.walletDb.url, code);
  expect(
    violations(facts, answers, { cap: CAP, amount: AMOUNT, distinctPhones: PHONES, allowLostRanks: true }),
  ).toEqual([]);
  expect(facts.credits.reduce((sum, c) => sum + c.amount, 0)).toBe(facts.winners.length * AMOUNT);
}, 30_000);

test("an open event stream does not hold SIGTERM past the drain deadline: the process still exits 0", async () => {
  const discount = await startDiscount();
  const code = await createCampaign(discount.url, { name: "watched", amount: AMOUNT, maxRedemptions: CAP });
  const events = await fetch(`${discount.url}/v1/campaigns/${code}/events`, { headers: await bearer("admin") });
  expect(events.status).toBe(200);
  await events.body?.getReader().read(); // the stream is open and serving

  const sent = performance.now();
  expect(await discount.stop()).toBe(0);
  const stopMs = performance.now() - sent;
  expect(stopMs).toBeLessThan(DRAIN_DEADLINE_MS + 3_000);
}, 30_000);
