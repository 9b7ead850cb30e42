import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { asc } from "drizzle-orm";
import { webhookEvents } from "../../db/schema";
import { DISCOUNT_MIGRATIONS, type DiscountStore, openDiscountStore } from "../../db/store";
import { createCampaign } from "../campaigns/service";
import { createWinnerRecords } from "../claims/record";
import { generateCoupon } from "../coupons/service";
import { createOutboxLanes } from "../outbox/lanes";
import { createReversalLanes } from "../reversals/lanes";
import { emitEvent, emitWinEvents } from "./events";

let database: TempDatabase;
let store: DiscountStore;
const clock = () => Date.parse("2026-12-01T10:00:00.000Z");

beforeAll(async () => {
  database = await makeTempDatabase(DISCOUNT_MIGRATIONS);
  store = await openDiscountStore(database.url, { migrate: false });
});
afterAll(async () => {
  await store.close();
  database.dispose();
});

const events = () => store.db.select().from(webhookEvents).orderBy(asc(webhookEvents.id));
const eventsAbout = async (text: string) =>
  (await events()).filter((e) => e.data.includes(text)).map((e) => ({ ...e, data: JSON.parse(e.data) }));
const records = () => createWinnerRecords(store, clock, 1_000);

describe("events derived from the winner transaction", () => {
  test("each gift winner is a redemption.won, and the winner of the cap's last rank also sells the campaign out", async () => {
    const campaign = await createCampaign(store, { name: "final", amount: 5_000, maxRedemptions: 2 }, clock);
    const win = (phone: string, rank: number) =>
      records().recordWinner({ campaignId: campaign.id, code: campaign.code, phone, rank, amount: 5_000 });
    const [first] = [await win("+989121000001", 1), await win("+989121000002", 2)];
    const emitted = await eventsAbout(campaign.code);
    expect(emitted.map((e) => e.type)).toEqual(["redemption.won", "redemption.won", "campaign.sold_out"]);
    expect(emitted[0]?.messageId).toBe(`msg_redemption_won_${first.row.id}`);
    expect(emitted[0]?.data).toEqual({
      code: campaign.code,
      phone: "+989121000001",
      rank: 1,
      amount: 5_000,
      redeemedAt: "2026-12-01T10:00:00.000Z",
    });
    expect(emitted[2]?.messageId).toBe(`msg_campaign_sold_out_${campaign.id}`);
    expect(emitted[2]?.data).toEqual({ code: campaign.code, maxRedemptions: 2, soldOutAt: "2026-12-01T10:00:00.000Z" });
  });

  test("a coupon's winner is a coupon.redeemed that never carries the coupon's code, and sells nothing out", async () => {
    const coupon = await generateCoupon(store, { amount: 700 }, { amount: 700, ttlDays: 0 }, clock);
    const { row } = await records().recordWinner({
      campaignId: coupon.id,
      code: coupon.code,
      phone: "+989121000003",
      rank: 1,
      amount: 700,
    });
    const emitted = (await events()).filter((e) => e.messageId.endsWith(`_${row.id}`));
    expect(emitted.map((e) => [e.type, JSON.parse(e.data)])).toEqual([
      [
        "coupon.redeemed",
        { batchId: null, phone: "+989121000003", rank: 1, amount: 700, redeemedAt: "2026-12-01T10:00:00.000Z" },
      ],
    ]);
    expect(JSON.stringify(await events())).not.toContain(coupon.code);
  });

  test("emitting the same facts again adds nothing: each has one stable message id", async () => {
    const before = (await events()).length;
    const ids = (await store.client.execute("SELECT id FROM redemptions")).rows.map((r) => Number(r.id));
    await store.writes.lane(async (tx, inputs: number[][]) => {
      for (const input of inputs) await emitWinEvents(tx, input, clock() + 60_000);
      return inputs;
    })(ids);
    // A subject no reversal row has, so the reversal tests below own their ids.
    const extra = { type: "redemption.voided" as const, subject: `test-${ids[0]}`, data: { why: "test" } };
    const emitTwice = store.writes.lane(async (tx, inputs: (typeof extra)[]) => {
      for (const input of inputs) {
        await emitEvent(tx, input, clock());
        await emitEvent(tx, input, clock());
      }
      return inputs;
    });
    await emitTwice(extra);
    const after = await events();
    expect(after.length).toBe(before + 1);
    expect(after.at(-1)?.messageId).toBe(`msg_redemption_voided_test-${ids[0]}`);
  });
});

describe("credit.failed", () => {
  test("a credit the wallet refused for good is announced with the wallet's reason; a credited one is not", async () => {
    const campaign = await createCampaign(store, { name: "refused", amount: 900, maxRedemptions: 10 }, clock);
    const win = (phone: string, rank: number) =>
      records().recordWinner({ campaignId: campaign.id, code: campaign.code, phone, rank, amount: 900 });
    const refused = await win("+989121000004", 1);
    const credited = await win("+989121000005", 2);
    const outbox = createOutboxLanes(store, clock);
    await Promise.all([
      outbox.settle({ id: credited.outboxId, redemptionId: credited.row.id, outcome: "credited" }),
      outbox.settle({ id: refused.outboxId, redemptionId: refused.row.id, outcome: "refused", error: "NOPE" }),
    ]);
    // A later refusal of a credit the wallet already confirmed changes nothing, so says nothing.
    await outbox.settle({ id: credited.outboxId, redemptionId: credited.row.id, outcome: "refused", error: "LATE" });
    const failed = (await eventsAbout(campaign.code)).filter((e) => e.type === "credit.failed");
    expect(failed.map((e) => [e.messageId, e.data])).toEqual([
      [
        `msg_credit_failed_${refused.row.id}`,
        {
          code: campaign.code,
          phone: "+989121000004",
          amount: 900,
          reason: "NOPE",
          failedAt: "2026-12-01T10:00:00.000Z",
        },
      ],
    ]);
  });
});

describe("events of reversals", () => {
  /** A reversal of `kind` opened for a recorded winner and completed as the wallet's confirmation does. */
  async function reverse(kind: "void" | "rollback", winner: { id: number; campaignId: number; phone: string }) {
    const lanes = createReversalLanes(store, clock);
    const opened = await lanes.open({
      redemptionId: winner.id,
      campaignId: winner.campaignId,
      kind,
      phone: winner.phone,
      rank: 1,
      amount: 900,
      redeemedAt: clock(),
      creditKey: `credit-${winner.id}`,
      debitKey: `reverse:credit-${winner.id}`,
      requestKey: `request-${winner.id}`,
      requestHash: "h",
      actor: "admin",
      reason: "duplicate account",
      nextAttemptAt: clock(),
      requestedAt: clock(),
    });
    const completed = await lanes.complete({ id: opened.row.id, walletEntryId: 1 });
    // A second confirmation (the relay and the request path both heard the wallet) completes nothing.
    await lanes.complete({ id: opened.row.id, walletEntryId: 1 });
    return completed;
  }

  test("a completed void is one redemption.voided and a completed rollback one coupon.rolled_back, without the coupon's code", async () => {
    const campaign = await createCampaign(store, { name: "voids", amount: 900, maxRedemptions: 3 }, clock);
    const coupon = await generateCoupon(store, { amount: 900 }, { amount: 900, ttlDays: 0 }, clock);
    const win = (c: { id: number; code: string }, phone: string) =>
      records().recordWinner({ campaignId: c.id, code: c.code, phone, rank: 1, amount: 900 });
    const voided = await reverse("void", (await win(campaign, "+989121000021")).row);
    const rolledBack = await reverse("rollback", (await win(coupon, "+989121000022")).row);

    const about = (id: number | undefined) => events().then((all) => all.filter((e) => e.messageId.endsWith(`_${id}`)));
    const voidEvents = (await about(voided?.id)).filter((e) => e.type === "redemption.voided");
    expect(voidEvents.map((e) => [e.messageId, JSON.parse(e.data)])).toEqual([
      [
        `msg_redemption_voided_${voided?.id}`,
        {
          code: campaign.code,
          phone: "+989121000021",
          amount: 900,
          reason: "duplicate account",
          reversedAt: "2026-12-01T10:00:00.000Z",
        },
      ],
    ]);
    const rollbackEvents = (await about(rolledBack?.id)).filter((e) => e.type === "coupon.rolled_back");
    expect(rollbackEvents).toHaveLength(1);
    expect(JSON.parse(rollbackEvents[0]?.data ?? "{}")).toEqual({
      batchId: null,
      phone: "+989121000022",
      amount: 900,
      reason: "duplicate account",
      reversedAt: "2026-12-01T10:00:00.000Z",
    });
  });
});
