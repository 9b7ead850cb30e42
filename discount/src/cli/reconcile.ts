/**
 * `bun run reconcile [--campaign CODE] [--dry-run]`: compares every winner with
 * the wallet ledger and re-sends what is missing (DESIGN §4, §8). The wallet has no lookup by
 * idempotency key, so the comparison IS a re-send with the winner's deterministic key, in
 * batches: the wallet credits a key at most once and flags a repeat's result `replayed`.
 * `--dry-run` only lists the winners the discount DB does not hold as credited; it sends nothing.
 * Exit 0: all present or fixed; 2: some unreachable (run again later); 1: refusals or bad input.
 */
import { parseArgs } from "node:util";
import { localJwtSecret } from "@matchday/shared/cli/local-secret";
import { type ProgressSettings, progressSettingsOf, startProgress } from "@matchday/shared/cli/progress";
import { ConfigError } from "@matchday/shared/config";
import { and, asc, count, eq } from "drizzle-orm";
import { type DiscountConfig, loadDiscountConfig } from "../config";
import { campaigns, outbox, redemptions } from "../db/schema";
import { canonicalCode } from "../modules/campaigns/code";
import { type CreditResult, createCreditSender } from "../modules/outbox/credit-sender";
import { createOutboxLanes, type DeliveryResult } from "../modules/outbox/lanes";
import { creditOf } from "../modules/outbox/owed";
import { failWith, openExistingStore } from "./common";

const USAGE = "usage: bun run reconcile [--campaign CODE] [--dry-run]";
/** Winners per wallet request, and requests in flight. */
const BATCH = 100;
const CONCURRENCY = 4;
const COLUMNS = ["winners", "present", "fixed", "refused", "unreachable"] as const;
type Tally = Record<(typeof COLUMNS)[number], number>;

const fail: (message: string) => never = failWith("reconcile");

// Everything the operator typed is checked before the database is touched.
let args: { campaign?: string; "dry-run"?: boolean };
try {
  args = parseArgs({ options: { campaign: { type: "string" }, "dry-run": { type: "boolean" } } }).values;
} catch (error) {
  fail(`${(error as Error).message}\n${USAGE}`);
}
const dryRun = args["dry-run"] === true;
const code = args.campaign === undefined ? undefined : (canonicalCode(args.campaign) ?? fail("bad campaign code"));
let config: DiscountConfig;
let progressSettings: ProgressSettings;
try {
  // Against the local system, the secret `bun start` generated is the one the wallet knows.
  config = loadDiscountConfig({ ...process.env, JWT_SECRET: localJwtSecret(process.env) });
  progressSettings = progressSettingsOf(process.env);
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}
const store = await openExistingStore({ url: config.databaseUrl, authToken: config.databaseAuthToken }, fail);
const giftsChosen = and(eq(campaigns.kind, "gift"), code ? eq(campaigns.code, code) : undefined);
const chosen = await store.db.select().from(campaigns).where(giftsChosen).orderBy(asc(campaigns.id));
if (code && chosen.length === 0) fail(`no campaign ${code}`);
// One bar over every winner of the run, so many small campaigns do not each log a line.
const [winnersTotal] = await store.db
  .select({ n: count() })
  .from(redemptions)
  .innerJoin(campaigns, eq(campaigns.id, redemptions.campaignId))
  .where(giftsChosen);
const progress = dryRun
  ? undefined
  : startProgress(progressSettings, { label: "reconcile", unit: "winners", total: winnersTotal?.n ?? 0 });
let compared = 0;
const lanes = createOutboxLanes(store, Date.now);
const sender = createCreditSender({ baseUrl: config.walletUrl, jwtSecret: config.jwtSecret, ca: config.walletCa });

const tallies: [string, Tally][] = [];
/** Why the wallet could not be reached or would not take our token: said once, not per winner. */
const unreachableBecause = new Set<string>();
let listed = 0;
for (const campaign of chosen) {
  // A left join: a winner without its outbox row (never expected) is still compared and repaired.
  const winners = await store.db
    .select({ redemption: redemptions, outboxId: outbox.id, outboxStatus: outbox.status, key: outbox.idempotencyKey })
    .from(redemptions)
    .leftJoin(outbox, eq(outbox.redemptionId, redemptions.id))
    .where(eq(redemptions.campaignId, campaign.id))
    .orderBy(asc(redemptions.rank));

  if (dryRun) {
    for (const { redemption: r } of winners) {
      if (r.status === "credited") continue;
      listed++;
      console.log(`${campaign.code}\t${r.rank}\t${r.phone}\t${r.status}${r.failure ? `\t${r.failure}` : ""}`);
    }
    continue;
  }

  const tally: Tally = { winners: winners.length, present: 0, fixed: 0, refused: 0, unreachable: 0 };
  tallies.push([campaign.code, tally]);
  let next = 0;
  const worker = async () => {
    while (next < winners.length) {
      // A run of winners in one wallet request: its per-item results say which were already present.
      const run = winners.slice(next, next + BATCH);
      next += run.length;
      // The outbox row's key where there is one: a coupon won again after a rollback has a key of its own.
      const credits = run.map(({ redemption: r, key }) => ({
        ...creditOf(campaign.code, r.phone, campaign.amount),
        ...(key ? { idempotencyKey: key } : {}),
      }));
      const answers = await sender.creditMany(credits, config.walletTimeoutMs);
      const settled: DeliveryResult[] = [];
      for (const [i, { redemption: r, outboxId, outboxStatus }] of run.entries()) {
        const answer = answers[i] as CreditResult;
        // Outbox id 0 matches no row, so settle still updates the redemption of an orphan.
        const ids = { id: outboxId ?? 0, redemptionId: r.id };
        if (answer.outcome === "credited") {
          tally[answer.replayed ? "present" : "fixed"]++;
          // Only rewrite rows that are behind, so credited_at keeps the first delivery's time.
          if (r.status !== "credited" || (outboxId !== null && outboxStatus !== "done")) {
            settled.push({ ...ids, outcome: "credited" });
          }
        } else if (answer.outcome === "refused") {
          tally.refused++;
          progress?.note(`reconcile: ${campaign.code} rank ${r.rank}: ${answer.error}`);
          // A refusal now does not undo a credit the wallet acknowledged before (settle also guards it).
          if (r.status !== "credited") settled.push({ ...ids, outcome: "refused", error: answer.error });
        } else {
          // Left as it is: the relay keeps retrying it, and so can the next reconcile.
          tally.unreachable++;
          unreachableBecause.add(answer.error);
        }
      }
      await Promise.all(settled.map((one) => lanes.settle(one)));
      compared += run.length;
      progress?.update(compared);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}
progress?.finish();
await store.close();

if (dryRun) {
  console.log(
    listed > 0 ? `dry run: ${listed} winner(s) above not credited; nothing was sent` : "dry run: nothing to list",
  );
  process.exit(0);
}
const total: Tally = { winners: 0, present: 0, fixed: 0, refused: 0, unreachable: 0 };
for (const [, tally] of tallies) for (const c of COLUMNS) total[c] += tally[c];
const rows: [string, Tally][] = [...tallies, ["total", total]];
const header = ["campaign", ...COLUMNS];
const table = [header, ...rows.map(([name, t]) => [name, ...COLUMNS.map((c) => String(t[c]))])];
const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]?.length ?? 0)));
for (const row of table) {
  console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  "));
}
for (const reason of unreachableBecause) console.error(`reconcile: not delivered, try again later: ${reason}`);
process.exit(total.refused > 0 ? 1 : total.unreachable > 0 ? 2 : 0);
