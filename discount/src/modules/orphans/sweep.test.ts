import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createLogger } from "@matchday/shared/logger";
import { normalizePhone } from "@matchday/shared/phone";
import { createCampaign } from "@matchday/testkit/burst";
import { type DiscountStack, startDiscountStack, startDiscountStore } from "@matchday/testkit/discount";
import { bearer } from "@matchday/testkit/http";
import { waitFor } from "@matchday/testkit/processes";
import { createGate, type Gate, gateKeys } from "../../redis/gate";
import { generationOf } from "../claims/gate";
import { createWinnerRecords } from "../claims/record";
import { createOrphanSweep, lostRanksOf, openGiftCampaigns, orphansOf } from "./sweep";

let stack: DiscountStack;
let service: Record<string, string>;
let admin: Record<string, string>;

beforeAll(async () => {
  stack = await startDiscountStack();
  service = await bearer("service");
  admin = await bearer("admin");
});
afterAll(() => stack?.dispose());

async function redeem(code: string, phone: string, url = stack.discount.url) {
  const res = await fetch(`${url}/v1/redeem`, {
    method: "POST",
    headers: { ...service, "content-type": "application/json" },
    body: JSON.stringify({ code, phone }),
  });
  return { status: res.status, body: (await res.json()) as { rank?: number; code?: string } };
}

async function report(code: string) {
  const res = await fetch(`${stack.discount.url}/v1/campaigns/${code}/report?limit=100`, { headers: admin });
  return (await res.json()) as {
    redeemed: number;
    remaining: number;
    soldOutAt: string | null;
    winners: { rank: number; phone: string; status: string }[];
  };
}

/** What a process that died right after the gate said "won" leaves behind: the gate's slot, no DB row. */
async function claimAndDie(code: string, phone: string): Promise<number> {
  const campaign = await stack.discount.store.db.query.campaigns.findFirst({ where: (c, { eq }) => eq(c.code, code) });
  if (!campaign) throw new Error(`no campaign ${code}`);
  const gate = createGate(stack.discount.redis);
  const result = await gate.claim(
    code,
    normalizePhone(phone) as string,
    campaign.maxRedemptions,
    generationOf(campaign),
  );
  if (result.kind !== "won") throw new Error(`the gate said ${result.kind}`);
  return result.rank;
}

describe("orphaned gate slots", () => {
  test("a slot whose process died before the DB write is recorded as that phone's win, and the campaign sells out with exactly cap winners credited once", async () => {
    const code = await createCampaign(stack.discount.url, { name: "orphans", amount: 7_000, maxRedemptions: 3 });
    expect((await redeem(code, "09121000001")).status).toBe(201);
    expect(await claimAndDie(code, "09121000002")).toBe(2);
    expect((await redeem(code, "09121000003")).body.rank).toBe(3);
    expect((await redeem(code, "09121000004")).body.code).toBe("CAMPAIGN_EXHAUSTED");

    await waitFor("the orphan to be recorded and credited", async () => {
      const r = await report(code);
      return r.redeemed === 3 && r.winners.every((w) => w.status === "credited");
    });
    const final = await report(code);
    expect(final.winners.map((w) => [w.rank, w.phone])).toEqual([
      [1, "+989121000001"],
      [2, "+989121000002"],
      [3, "+989121000003"],
    ]);
    expect(final.remaining).toBe(0);
    expect(final.soldOutAt).not.toBeNull();
    const balance = await fetch(`${stack.wallet.url}/v1/wallets/09121000002`, { headers: service });
    expect(((await balance.json()) as { balance: number }).balance).toBe(7_000);
    // The phone asking now hears its win, at the rank the gate gave it.
    expect(await redeem(code, "09121000002")).toMatchObject({ status: 200, body: { rank: 2 } });
  });

  test("a slot is left to its own request for the grace period, then recorded", async () => {
    const code = await createCampaign(stack.discount.url, { name: "in flight", amount: 1_000, maxRedemptions: 5 });
    expect((await redeem(code, "09121000011")).status).toBe(201);
    const rank = await claimAndDie(code, "09121000012");
    // The test config sweeps every 100 ms with a 500 ms grace: a request this slow may still be writing.
    await Bun.sleep(250);
    expect((await report(code)).redeemed).toBe(1);
    await waitFor("the orphan to be recorded", async () => (await report(code)).redeemed === 2, 5_000);
    expect((await report(code)).winners.map((w) => w.rank)).toEqual([1, rank]);
  });

  test("a slot orphaned above ranks an earlier pass already found recorded is still recorded", async () => {
    const code = await createCampaign(stack.discount.url, { name: "settled", amount: 1_000, maxRedemptions: 6 });
    for (const phone of ["09121000041", "09121000042", "09121000043"])
      expect((await redeem(code, phone)).status).toBe(201);
    // Several passes (every 100 ms in tests) see ranks 1..3 recorded and stop reading them.
    await Bun.sleep(400);
    expect(await claimAndDie(code, "09121000044")).toBe(4);
    expect((await redeem(code, "09121000045")).body.rank).toBe(5);
    await waitFor("the orphan to be recorded", async () => (await report(code)).redeemed === 5, 5_000);
    const final = await report(code);
    expect(final.winners.map((w) => [w.rank, w.phone])).toContainEqual([4, "+989121000044"]);
    expect(final.winners.map((w) => w.rank)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe("a pass during a flood of winners", () => {
  test("reads from the gate only the slots not yet recorded, not every winner since the last pass, and still records the orphans", async () => {
    // Its own stack, whose background sweep waits a minute: the passes here are this test's own.
    const quiet = await startDiscountStack({ orphanSweep: { intervalMs: 60_000, graceMs: 500 } });
    try {
      const { discount } = quiet;
      const code = await createCampaign(discount.url, { name: "flood", amount: 1_000, maxRedemptions: 5_000 });
      const winners = 2_000;
      for (let from = 0; from < winners; from += 200) {
        const phones = Array.from({ length: 200 }, (_, i) => `0912${String(3_000_000 + from + i)}`);
        const answers = await Promise.all(phones.map((phone) => redeem(code, phone, discount.url)));
        expect(answers.map((a) => a.status)).toEqual(phones.map(() => 201));
      }
      const campaign = await discount.store.db.query.campaigns.findFirst({ where: (c, { eq }) => eq(c.code, code) });
      if (!campaign) throw new Error("no campaign");
      const gate = createGate(discount.redis);
      // Three slots whose processes died after the gate and before the DB: ranks 2,001 to 2,003.
      for (const phone of ["09124000001", "09124000002", "09124000003"]) {
        await gate.claim(code, normalizePhone(phone) as string, campaign.maxRedemptions, generationOf(campaign));
      }
      const readFromGate: number[] = [];
      const observed: Gate = {
        ...gate,
        async winners(of, aboveRank) {
          const found = await gate.winners(of, aboveRank);
          readFromGate.push(found.size);
          return found;
        },
      };
      const clock = () => Date.now();
      const sweepOnce = createOrphanSweep(
        {
          store: discount.store,
          gate: observed,
          records: createWinnerRecords(discount.store, clock, 60_000),
          clock,
          logger: createLogger({ level: "silent", service: "discount" }),
        },
        { graceMs: 200 },
      );

      expect(await sweepOnce()).toBe(0); // first seen: within the grace period
      expect(readFromGate).toEqual([3]);
      await Bun.sleep(250);
      expect(await sweepOnce()).toBe(3);
      const recorded = await discount.store.db.query.redemptions.findMany({
        where: (r, { and, eq, gt }) => and(eq(r.campaignId, campaign.id), gt(r.rank, winners)),
      });
      expect(recorded.map((r) => [r.rank, r.phone]).sort()).toEqual([
        [2_001, "+989124000001"],
        [2_002, "+989124000002"],
        [2_003, "+989124000003"],
      ]);
    } finally {
      await quiet.dispose();
    }
  });
});

describe("ranks whose holder was lost with Redis' state", () => {
  test("are handed out again after the grace period, so the campaign still ends with exactly cap winners", async () => {
    const code = await createCampaign(stack.discount.url, { name: "lost ranks", amount: 1_000, maxRedemptions: 3 });
    expect((await redeem(code, "09121000021")).body.rank).toBe(1);
    expect(await claimAndDie(code, "09121000022")).toBe(2);
    expect((await redeem(code, "09121000023")).body.rank).toBe(3);
    // Redis restarts empty before the sweep could record rank 2: nobody anywhere knows who held it.
    await stack.discount.redis.del(...Object.values(gateKeys(code)));

    // Rebuilt from the DB, the gate has handed out 3 ranks: it is full, but the DB holds 2 winners.
    expect((await redeem(code, "09121000024")).body.code).toBe("CAMPAIGN_EXHAUSTED");
    await waitFor("the lost rank to be freed", async () => (await redeem(code, "09121000024")).status === 201, 5_000);
    expect((await redeem(code, "09121000025")).body.code).toBe("CAMPAIGN_EXHAUSTED");

    await waitFor("every winner to be credited", async () =>
      (await report(code)).winners.every((w) => w.status === "credited"),
    );
    const final = await report(code);
    expect(final.winners.map((w) => [w.rank, w.phone])).toEqual([
      [1, "+989121000021"],
      [2, "+989121000024"],
      [3, "+989121000023"],
    ]);
    expect(final.soldOutAt).not.toBeNull();
  });
});

describe("a winner the gate forgot in a failover", () => {
  test("is pointed back at its DB rank when it claims again, and the second rank it was given goes to the next claimant", async () => {
    const code = await createCampaign(stack.discount.url, { name: "failover", amount: 1_000, maxRedemptions: 3 });
    expect((await redeem(code, "09121000031")).body.rank).toBe(1);
    // Replication is asynchronous: the promoted replica lacks the winner entry but kept the
    // ready key, so the gate is not rebuilt and gives the phone's repeat a second rank.
    await stack.discount.redis.zrem(gateKeys(code).winners, "+989121000031");
    const repeat = await redeem(code, "09121000031");
    expect([repeat.status, repeat.body.rank]).toEqual([200, 1]);
    // The repeat's second rank (2) was freed at once: the next claimant takes it, no grace period.
    expect((await redeem(code, "09121000032")).body.rank).toBe(2);
    expect((await redeem(code, "09121000033")).body.rank).toBe(3);
    const final = await report(code);
    expect(final.winners.map((w) => [w.rank, w.phone])).toEqual([
      [1, "+989121000031"],
      [2, "+989121000032"],
      [3, "+989121000033"],
    ]);
  });
});

describe("the campaigns a pass looks at", () => {
  test("are found through an index of gift campaigns: a pass each second never scans every coupon", async () => {
    const temp = await startDiscountStore();
    try {
      const { sql, params } = openGiftCampaigns(temp.store, Date.now(), 3_000).toSQL();
      const plan = await temp.store.client.execute({ sql: `EXPLAIN QUERY PLAN ${sql}`, args: params as never[] });
      const steps = plan.rows.map((r) => String(r.detail));
      // A million coupons scanned took 50 ms of the event loop, every second, on every instance.
      expect(steps).not.toContain("SCAN campaigns");
      expect(steps).toContain("SCAN campaigns USING INDEX campaigns_gifts");
    } finally {
      await temp.dispose();
    }
  });
});

describe("orphansOf", () => {
  test("names gate winners with neither their phone nor their rank in the DB, lowest rank first", () => {
    const gate = new Map([
      ["a", 1],
      ["c", 3],
      ["b", 2],
      ["d", 4],
    ]);
    const recorded = [
      { phone: "a", rank: 1 },
      { phone: "x", rank: 4 }, // the DB holds rank 4 for someone else: not d's to take
    ];
    expect(orphansOf(gate, recorded)).toEqual([
      { phone: "b", rank: 2 },
      { phone: "c", rank: 3 },
    ]);
  });
});

describe("lostRanksOf", () => {
  test("names the ranks up to the counter that neither the DB, a gate winner nor the free set holds", () => {
    const gate = new Map([["a", 1]]);
    expect(lostRanksOf(6, gate, [{ phone: "c", rank: 3 }], [5])).toEqual([2, 4, 6]);
    expect(lostRanksOf(0, gate, [], [])).toEqual([]);
  });

  test("looks only above the ranks already known to be recorded", () => {
    expect(lostRanksOf(6, new Map(), [{ phone: "e", rank: 5 }], [], 3)).toEqual([4, 6]);
  });
});
