import { afterAll, beforeAll, expect, test } from "bun:test";
import {
  createCampaign,
  fireBurst,
  phoneOf,
  readFacts,
  violations,
  waitForOutboxDrained,
} from "@matchday/testkit/burst";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import {
  type RedisAndWallet,
  type ServiceProcess,
  startDiscountProcess,
  startRedisAndWallet,
} from "@matchday/testkit/processes";
import { walletRequestsTo } from "@matchday/testkit/wallet";

/**
 * Winners credited through the wallet's batch endpoint, against real processes: a discount
 * and a wallet, each on its own SQLite file, and Redis.
 */
const WINNERS = 200;
const AMOUNT = 5_000;

let base: RedisAndWallet;
let db: TempDatabase;
let discount: ServiceProcess;

beforeAll(async () => {
  base = await startRedisAndWallet();
  db = await makeTempDatabase();
  discount = await startDiscountProcess(db, { redisUrl: base.redis.url, wallet: base.wallet });
});
afterAll(async () => {
  await discount?.stop();
  db?.dispose();
  await base?.dispose();
});

const walletRequests = (route: string) => walletRequestsTo(base.wallet.url, [route]);

/** WINNERS new phones redeem at once; every invariant is checked once the outbox has drained. */
async function burst(at: { discount: ServiceProcess; db: TempDatabase; first: number }) {
  const code = await createCampaign(at.discount.url, { name: "Batch", amount: AMOUNT, maxRedemptions: 100_000 });
  const phones = Array.from({ length: WINNERS }, (_, i) => phoneOf(at.first + i));
  const answers = await fireBurst([at.discount.url], code, phones, { concurrency: WINNERS });
  await waitForOutboxDrained(at.db.url);
  const facts = await readFacts(at.db.url, base.walletDb.url, code);
  expect(violations(facts, answers, { cap: 100_000, amount: AMOUNT, distinctPhones: WINNERS })).toEqual([]);
  expect(facts.credits).toHaveLength(WINNERS);
  return answers;
}

test("200 concurrent new winners are each credited exactly once, in far fewer wallet requests than winners", async () => {
  const [batchesBefore, singlesBefore] = [
    await walletRequests("/v1/credit-batches"),
    await walletRequests("/v1/wallets/:phone/credits"),
  ];
  const answers = await burst({ discount, db, first: 0 });
  expect(answers.every((a) => a.status === 201 && a.body.status === "credited")).toBe(true);
  const batches = (await walletRequests("/v1/credit-batches")) - batchesBefore;
  const singles = (await walletRequests("/v1/wallets/:phone/credits")) - singlesBefore;
  console.log(`[credit batching] ${WINNERS} winners credited in ${batches} batch and ${singles} single requests`);
  expect(singles).toBe(0);
  expect(batches).toBeGreaterThan(0);
  expect(batches).toBeLessThanOrEqual(WINNERS / 4);
}, 60_000);

/**
 * Between a discount and the wallet: forwards everything, but the first batch the wallet has
 * applied is answered 502 and the wallet SIGKILLed at that moment (then restarted), so that
 * batch's answer is lost after its commit and any other batch in flight is cut mid-request.
 */
function killingProxy(wallet: ServiceProcess) {
  let restarted: Promise<void> | undefined;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const { pathname } = new URL(request.url);
      const headers = new Headers(request.headers);
      headers.delete("host");
      try {
        const body = request.body ? await request.arrayBuffer() : undefined;
        const upstream = await fetch(`${wallet.url}${pathname}`, { method: request.method, headers, body });
        const answer = await upstream.arrayBuffer();
        if (pathname === "/v1/credit-batches" && !restarted) {
          restarted = wallet.kill().then(async () => {
            await Bun.sleep(300);
            await wallet.start();
          });
          return new Response(null, { status: 502 });
        }
        return new Response(answer, { status: upstream.status, headers: upstream.headers });
      } catch {
        return new Response(null, { status: 502 });
      }
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, restarted: () => restarted, stop: () => server.stop(true) };
}

test("the wallet SIGKILLed as it answers a batch and restarted: every winner is credited exactly once", async () => {
  const proxy = killingProxy(base.wallet);
  const ownDb = await makeTempDatabase();
  const behindProxy = await startDiscountProcess(ownDb, { redisUrl: base.redis.url, wallet: proxy.url });
  try {
    const answers = await burst({ discount: behindProxy, db: ownDb, first: 1_000 });
    await proxy.restarted();
    // The lost answer's winners heard "pending"; the relay re-sent their credits and the wallet replayed or applied each.
    expect(answers.filter((a) => a.body.status === "pending").length).toBeGreaterThan(0);
  } finally {
    await behindProxy.stop();
    proxy.stop();
    ownDb.dispose();
  }
}, 90_000);
