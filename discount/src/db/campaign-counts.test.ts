import { afterEach, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { eq, inArray } from "drizzle-orm";
import { createWinnerRecords } from "../modules/claims/record";
import { createOutboxLanes } from "../modules/outbox/lanes";
import { summaryOf } from "../modules/report/service";
import { type CampaignRow, campaigns, outbox, redemptions } from "./schema";
import { DISCOUNT_MIGRATIONS, type DiscountStore, openDiscountStore } from "./store";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function migratedStore(): Promise<DiscountStore> {
  const database = await makeTempDatabase(DISCOUNT_MIGRATIONS);
  cleanups.push(() => database.dispose());
  const store = await openDiscountStore(database.url);
  cleanups.push(() => store.close());
  return store;
}

async function newCampaign(store: DiscountStore, code: string, maxRedemptions: number): Promise<CampaignRow> {
  const [row] = await store.db
    .insert(campaigns)
    .values({ code, name: code, amount: 1_000, maxRedemptions, createdAt: Date.now() })
    .returning();
  return row as CampaignRow;
}

/** What the counts must say: the campaign's rows counted the slow way. */
async function countedByScan(store: DiscountStore, campaignId: number) {
  const rows = await store.db
    .select({ status: redemptions.status })
    .from(redemptions)
    .where(eq(redemptions.campaignId, campaignId));
  const by = (status: string) => rows.filter((r) => r.status === status).length;
  return { redeemed: rows.length, pending: by("pending"), credited: by("credited"), failed: by("failed") };
}

async function expectCountsMatch(store: DiscountStore, campaign: CampaignRow) {
  const { redeemed, pending, credited, failed } = await summaryOf(store, campaign);
  expect({ redeemed, pending, credited, failed }).toEqual(await countedByScan(store, campaign.id));
}

const phone = (n: number) => `+98912${String(n).padStart(7, "0")}`;

describe("campaign counts", () => {
  test("concurrent winners, credits, refusals and deletes through the write queue leave the counts equal to a scan", async () => {
    const store = await migratedStore();
    const records = { ...createWinnerRecords(store, Date.now, 1_000), ...createOutboxLanes(store, Date.now) };
    const [big, small] = [await newCampaign(store, "COUNTBIG", 1_000), await newCampaign(store, "COUNTSML", 50)];
    // 300 winners of two campaigns at once: the queue batches them into a few transactions.
    const recorded = await Promise.all(
      Array.from({ length: 300 }, (_, i) => {
        const campaign = i % 6 === 0 ? small : big;
        const rank = i % 6 === 0 ? i / 6 + 1 : i - Math.floor(i / 6);
        return records.recordWinner({
          campaignId: campaign.id,
          code: campaign.code,
          phone: phone(i),
          rank,
          amount: 1_000,
        });
      }),
    );
    await expectCountsMatch(store, big);
    await expectCountsMatch(store, small);

    // Credits and refusals settle at once, as the request path and the relay send them.
    await Promise.all(
      recorded.map(({ row, outboxId }, i) =>
        records.settle(
          i % 5 === 0
            ? { id: outboxId, redemptionId: row.id, outcome: "refused", error: "wallet answered 422" }
            : { id: outboxId, redemptionId: row.id, outcome: "credited" },
        ),
      ),
    );
    const summary = await summaryOf(store, big);
    expect(summary.failed).toBeGreaterThan(0);
    expect(summary.credited).toBeGreaterThan(0);
    await expectCountsMatch(store, big);
    await expectCountsMatch(store, small);

    // A refused credit that reconcile later delivers (failed -> credited), and a
    // settlement that changes nothing (credited -> credited) must not count twice.
    const refused = recorded.filter((_, i) => i % 5 === 0).slice(0, 3);
    await Promise.all(
      [...refused, recorded[1] as (typeof recorded)[number]].map(({ row, outboxId }) =>
        records.settle({ id: outboxId, redemptionId: row.id, outcome: "credited" }),
      ),
    );
    await expectCountsMatch(store, big);
    await expectCountsMatch(store, small);

    // Archiving deletes rows: the counts follow, as the scan did before them.
    const gone = recorded.slice(0, 40).map(({ row }) => row.id);
    await store.writes.lane(async (tx, batches: number[][]) => {
      for (const ids of batches) {
        await tx.delete(outbox).where(inArray(outbox.redemptionId, ids)); // as archiving does
        await tx.delete(redemptions).where(inArray(redemptions.id, ids));
      }
      return batches.map(() => undefined);
    })(gone);
    await expectCountsMatch(store, big);
    await expectCountsMatch(store, small);
  });

  test("a database that held redemptions before the counts existed starts with their counts", async () => {
    // Migrations up to 0002 only, as a database deployed before this change has them.
    const older = mkdtempSync(join(tmpdir(), "matchday-migrations-"));
    cleanups.push(() => rmSync(older, { recursive: true, force: true }));
    cpSync(DISCOUNT_MIGRATIONS, older, { recursive: true });
    const journalPath = join(older, "meta", "_journal.json");
    const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { idx: number; tag: string }[] };
    // Later migrations go too: drizzle skips any migration older than the last one applied.
    for (const later of journal.entries.filter((e) => e.idx >= 3)) rmSync(join(older, `${later.tag}.sql`));
    journal.entries = journal.entries.filter((e) => e.idx < 3);
    writeFileSync(journalPath, JSON.stringify(journal));
    const database: TempDatabase = await makeTempDatabase(older);
    cleanups.push(() => database.dispose());

    const before = await openDiscountStore(database.url, { migrate: false });
    const campaign = await newCampaign(before, "COUNTOLD", 10);
    await before.db.insert(redemptions).values(
      Array.from({ length: 7 }, (_, i) => ({
        campaignId: campaign.id,
        phone: phone(i),
        rank: i + 1,
        status: i < 4 ? ("credited" as const) : ("pending" as const),
        redeemedAt: Date.now(),
      })),
    );
    await before.close();

    const after = await openDiscountStore(database.url); // runs 0003
    cleanups.push(() => after.close());
    const summary = await summaryOf(after, campaign);
    expect(summary).toMatchObject({ redeemed: 7, credited: 4, pending: 3, failed: 0, remaining: 3 });
    await expectCountsMatch(after, campaign);
  });
});
