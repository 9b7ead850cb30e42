// Runs against a real libSQL server (sqld) given by LIBSQL_TEST_URL; nothing here can start one.
// The server's database must be a scratch one: the suite migrates it, writes to it and archives from it.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  burstOrder,
  createCampaign,
  fireBurst,
  readFacts,
  seeded,
  violations,
  waitForOutboxDrained,
} from "@matchday/testkit/burst";
import { libsqlTestServer } from "@matchday/testkit/database";
import { TEST_JWT_SECRET } from "@matchday/testkit/http";
import { type RedisAndWallet, runCli, startDiscountProcess, startRedisAndWallet } from "@matchday/testkit/processes";
import { sql } from "drizzle-orm";
import { campaigns, redemptions } from "./db/schema";
import { type DiscountStore, type DiscountTx, openDiscountStore } from "./db/store";

const server = libsqlTestServer();
const skip = "skipped" in server;
if ("skipped" in server) console.log(`libsql-server.test.ts: skipped, ${server.skipped}`);
const remote = "skipped" in server ? undefined : server;
const run = Date.now().toString(36); // the server's database outlives this run: every code is new

let store: DiscountStore;
let base: RedisAndWallet;
let archiveDir: string;
/** The burst's campaign, ended after it so the archive test has winners to move. */
let ended = "";

beforeAll(async () => {
  if (!remote) return;
  store = await openDiscountStore(remote.url, { authToken: remote.authToken });
  base = await startRedisAndWallet();
  archiveDir = mkdtempSync(join(tmpdir(), "matchday-libsql-archive-"));
});
afterAll(async () => {
  if (!remote) return;
  await store.close();
  await base.dispose();
  rmSync(archiveDir, { recursive: true, force: true });
});

test("a discount process whose libSQL server cannot be reached exits 1 at start, saying so", async () => {
  // Port 9 (discard) has no listener here: the first migration is refused.
  const started = await runCli("discount/src/main.ts", [], {
    DISCOUNT_PORT: "0",
    DISCOUNT_DATABASE_URL: "http://127.0.0.1:9",
    JWT_SECRET: TEST_JWT_SECRET,
  });
  expect(started.code).toBe(1);
  expect(started.stderr).toContain("discount: cannot start: its libSQL server cannot be reached (");
});

test.skipIf(skip)("migrations run over the server, and running them again finds nothing to do", async () => {
  const again = await openDiscountStore(remote?.url as string, { authToken: remote?.authToken });
  const { rows } = await again.client.execute("SELECT COUNT(*) AS n FROM __drizzle_migrations");
  await again.close();
  const { rows: before } = await store.client.execute("SELECT COUNT(*) AS n FROM __drizzle_migrations");
  expect(Number(rows[0]?.n)).toBeGreaterThan(0);
  expect(Number(rows[0]?.n)).toBe(Number(before[0]?.n));
});

test.skipIf(skip)(
  "winners queued together commit in one transaction over the server, and a bad one fails alone",
  async () => {
    const [campaign] = await store.db
      .insert(campaigns)
      .values({ code: `tx-${run}`, name: "libsql tx", amount: 1_000, maxRedemptions: 5, createdAt: Date.now() })
      .returning();
    const campaignId = campaign?.id as number;
    const win = store.writes.lane(async (tx: DiscountTx, ranks: number[]) => {
      const ids: number[] = [];
      for (const rank of ranks) {
        const [row] = await tx
          .insert(redemptions)
          .values({ campaignId, phone: `+9893500000${rank}`, rank, redeemedAt: Date.now() })
          .returning({ id: redemptions.id });
        ids.push(row?.id as number);
      }
      return ids;
    });
    // Rank 6 is past the cap of 5: the DB's trigger refuses it, which rolls the shared transaction back.
    const outcomes = await Promise.allSettled([1, 2, 3, 4, 5, 6].map(win));
    expect(outcomes.map((o) => o.status)).toEqual([...Array(5).fill("fulfilled"), "rejected"]);
    const [held] = await store.db
      .select({ n: sql<number>`count(*)` })
      .from(redemptions)
      .where(sql`${redemptions.campaignId} = ${campaignId}`);
    expect(Number(held?.n)).toBe(5);
  },
);

test.skipIf(skip)(
  "a burst of claims through a discount process on the server picks exactly cap winners, each credited once",
  async () => {
    const CAP = 100;
    const discount = await startDiscountProcess(
      { url: remote?.url as string },
      { redisUrl: base.redis.url, wallet: base.wallet },
      remote?.env,
    );
    try {
      const code = await createCampaign(discount.url, {
        name: `libsql burst ${run}`,
        amount: 1_000,
        maxRedemptions: CAP,
      });
      const answers = await fireBurst([discount.url], code, burstOrder(600, 300, seeded(17)), { concurrency: 32 });
      await waitForOutboxDrained(remote?.clientUrl as string, 60_000);
      const facts = await readFacts(remote?.clientUrl as string, base.walletDb.url, code);
      expect(violations(facts, answers, { cap: CAP, amount: 1_000, distinctPhones: 300 })).toEqual([]);
      expect(answers.filter((a) => a.status === 201)).toHaveLength(CAP);
      await endNow(code);
      ended = code;
    } finally {
      await discount.stop();
    }
  },
  120_000,
);

test.skipIf(skip)(
  "the archive tool archives an ended campaign's winners from the server, verifies its files and restores them",
  async () => {
    const env = { ...remote?.env, ARCHIVE_DIR: archiveDir };
    expect(await winnersOf(ended)).toBe(100);
    const later = new Date(Date.now() + 8 * 31 * 86_400_000).toISOString();
    const archived = await runCli("discount/src/cli/archive.ts", ["run", "--as-of", later], env);
    expect(archived.stderr).toMatch(/done: [\d,]+ rows archived/);
    expect(archived.code).toBe(0);
    expect(await winnersOf(ended)).toBe(0);
    const verified = await runCli("discount/src/cli/archive.ts", ["verify"], env);
    expect(verified.code).toBe(0);
    // The folder is this run's own: its files hold only what this run archived.
    const files = verified.stdout
      .trim()
      .split("\n")
      .map((line) => line.split("\t")[0] as string);
    for (const file of files)
      expect((await runCli("discount/src/cli/archive.ts", ["restore", file], env)).code).toBe(0);
    expect(await winnersOf(ended)).toBe(100);
  },
);

test.skipIf(skip)("the coupon tool generates a batch into the server's database", async () => {
  const made = await runCli("discount/src/cli/coupons.ts", ["--count", "50", "--name", `libsql ${run}`], remote?.env);
  expect(made.code).toBe(0);
  expect(made.stdout.trim().split("\n")).toHaveLength(50);
});

/** Ends a campaign now: only ended campaigns are archived. */
async function endNow(code: string) {
  await store.client.execute({ sql: "UPDATE campaigns SET ends_at = ? WHERE code = ?", args: [Date.now() - 1, code] });
}

async function winnersOf(code: string): Promise<number> {
  const { rows } = await store.client.execute({
    sql: "SELECT COUNT(*) AS n FROM redemptions r JOIN campaigns c ON c.id = r.campaign_id WHERE c.code = ?",
    args: [code],
  });
  return Number(rows[0]?.n);
}
