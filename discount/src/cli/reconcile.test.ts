import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Client, createClient, type InValue } from "@libsql/client";
import { createCampaign, phoneOf, readFacts } from "@matchday/testkit/burst";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { bearer, TEST_JWT_SECRET } from "@matchday/testkit/http";
import {
  type RedisAndWallet,
  runCli,
  type ServiceProcess,
  startDiscountProcess,
  startRedisAndWallet,
} from "@matchday/testkit/processes";

const AMOUNT = 50_000;
/** Credited while the wallet was up; the first one's note of it is then lost (see beforeAll). */
const CREDITED = [0, 1, 2].map(phoneOf);
const LOST_NOTE = CREDITED[0] as string;
/** Won while the wallet was down, and the discount process stopped before its relay could deliver. */
const MISSING = [3, 4].map(phoneOf);
const CLASH_PHONE = phoneOf(5);

let base: RedisAndWallet;
let walletDb: TempDatabase;
let wallet: ServiceProcess;
let discountDb: TempDatabase;
/** The campaign with credited, missing and lost-note winners. */
let gift: string;
/** A campaign whose one winner's key the wallet already holds for a different request. */
let clash: string;

async function query(url: string, sql: string, args: InValue[] = []) {
  const client: Client = createClient({ url });
  try {
    // Plain objects of the named columns, so rows compare with toEqual.
    return (await client.execute({ sql, args })).rows.map((row): Record<string, unknown> => ({ ...row }));
  } finally {
    client.close();
  }
}

async function redeem(discountUrl: string, code: string, phone: string): Promise<string | undefined> {
  const res = await fetch(`${discountUrl}/v1/redeem`, {
    method: "POST",
    headers: { ...(await bearer("service")), "content-type": "application/json" },
    body: JSON.stringify({ code, phone }),
  });
  return ((await res.json()) as { status?: string }).status;
}

/** Runs the CLI as the operator would: its own process, configured only by env. */
async function reconcile(args: string[], env: Record<string, string> = {}) {
  const { code, stdout, stderr } = await runCli("discount/src/cli/reconcile.ts", args, {
    JWT_SECRET: TEST_JWT_SECRET,
    DISCOUNT_DATABASE_URL: discountDb.url,
    WALLET_URL: wallet.url,
    ...env,
  });
  /** One row of the printed table: winners, present, fixed, refused, unreachable. */
  const counts = (name: string) =>
    stdout
      .split("\n")
      .find((line) => line.startsWith(`${name} `))
      ?.trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
  return { code, stdout, stderr, counts };
}

/** Every row either side keeps about the credits: what a run that changes nothing must leave alone. */
async function snapshot() {
  return {
    redemptions: await query(discountDb.url, "SELECT * FROM redemptions ORDER BY id"),
    outbox: await query(discountDb.url, "SELECT * FROM outbox ORDER BY id"),
    ledger: await query(walletDb.url, "SELECT * FROM ledger ORDER BY id"),
    wallets: await query(walletDb.url, "SELECT * FROM wallets ORDER BY phone"),
  };
}

beforeAll(async () => {
  base = await startRedisAndWallet();
  ({ walletDb, wallet } = base);
  discountDb = await makeTempDatabase();
  const discount = await startDiscountProcess(discountDb, { redisUrl: base.redis.url, wallet });
  try {
    gift = await createCampaign(discount.url, { name: "reconcile", amount: AMOUNT, maxRedemptions: 10 });
    clash = await createCampaign(discount.url, { name: "clash", amount: AMOUNT, maxRedemptions: 10 });
    for (const phone of CREDITED) expect(await redeem(discount.url, gift, phone)).toBe("credited");
    await wallet.stop();
    for (const phone of MISSING) expect(await redeem(discount.url, gift, phone)).toBe("pending");
    expect(await redeem(discount.url, clash, CLASH_PHONE)).toBe("pending");
  } finally {
    // Stopped while the wallet is still down, so its relay delivers none of the pending credits.
    await discount.stop();
  }
  await wallet.start();

  // A process that died after the wallet answered but before its (unawaited) settle landed.
  const lostKey = `gift:${gift}:${LOST_NOTE}`;
  await query(discountDb.url, "UPDATE outbox SET status = 'pending' WHERE idempotency_key = ?", [lostKey]);
  await query(
    discountDb.url,
    `UPDATE redemptions SET status = 'pending', credited_at = NULL
     WHERE id = (SELECT redemption_id FROM outbox WHERE idempotency_key = ?)`,
    [lostKey],
  );
  // The wallet holds the clash winner's key for another amount, so re-sending it is refused (409).
  const res = await fetch(`${wallet.url}/v1/wallets/${encodeURIComponent(CLASH_PHONE)}/credits`, {
    method: "POST",
    headers: {
      ...(await bearer("service")),
      "content-type": "application/json",
      "idempotency-key": `gift:${clash}:${CLASH_PHONE}`,
    },
    body: JSON.stringify({ amount: AMOUNT + 1, reference: `gift:${clash}` }),
  });
  expect(res.status).toBe(201);
});
afterAll(async () => {
  await base?.dispose({ hard: true });
  discountDb?.dispose();
});

test("a dry run lists the winners not recorded as credited and sends nothing", async () => {
  const before = await snapshot();
  const run = await reconcile(["--dry-run", "--campaign", gift]);
  expect(run.code).toBe(0);
  const listed = run.stdout.split("\n").filter((line) => line.startsWith(`${gift}\t`));
  expect(listed.map((line) => line.split("\t")[2])).toEqual([LOST_NOTE, ...MISSING]);
  expect(run.stdout).toContain("dry run: 3 winner(s) above not credited; nothing was sent");
  expect(await snapshot()).toEqual(before);
});

test("a run re-sends the missing credits, counts the wallet's replays as present and marks every winner credited", async () => {
  const run = await reconcile(["--campaign", gift]);
  expect(run.code).toBe(0);
  expect(run.counts(gift)).toEqual([5, 3, 2, 0, 0]);
  expect(run.stderr).toMatch(/reconcile: 5\/5 winners \(100%\), [\d.,]+\/s, in \d+s\n/);

  const facts = await readFacts(discountDb.url, walletDb.url, gift);
  expect(facts.winners.map((w) => w.status)).toEqual(Array(5).fill("credited"));
  // Exactly one credit per winner, of the campaign's amount: the lost-note winner was not credited again.
  expect(facts.credits.map((c) => c.phone).sort()).toEqual([...CREDITED, ...MISSING].sort());
  expect(facts.credits.every((c) => c.amount === AMOUNT)).toBe(true);
  const outbox = await query(discountDb.url, "SELECT status FROM outbox WHERE idempotency_key LIKE ?", [
    `gift:${gift}:%`,
  ]);
  expect(outbox.map((o) => o.status)).toEqual(Array(5).fill("done"));
});

test("a second run finds every credit present, fixes nothing and changes no row", async () => {
  const before = await snapshot();
  const run = await reconcile(["--campaign", gift]);
  expect(run.code).toBe(0);
  expect(run.counts(gift)).toEqual([5, 5, 0, 0, 0]);
  expect(await snapshot()).toEqual(before);
});

test("with the wallet down it reports every winner unreachable, changes no row and exits 2", async () => {
  await wallet.stop();
  try {
    const before = await snapshot();
    const run = await reconcile(["--campaign", gift]);
    expect(run.code).toBe(2);
    expect(run.counts(gift)).toEqual([5, 0, 0, 0, 5]);
    expect(await snapshot()).toEqual(before);
  } finally {
    await wallet.start();
  }
});

test("a JWT secret the wallet does not accept fails no winner: it exits 2, says why, and changes no row", async () => {
  const before = await snapshot();
  const run = await reconcile(["--campaign", gift], { JWT_SECRET: "another-secret-of-at-least-32-bytes-long!" });
  expect(run.code).toBe(2);
  expect(run.counts(gift)).toEqual([5, 0, 0, 0, 5]);
  expect(run.stderr).toContain("not delivered, try again later: wallet answered 401");
  expect(await snapshot()).toEqual(before);
});

test("without --campaign every campaign is compared, and a key the wallet holds for another request is refused and exits 1", async () => {
  const run = await reconcile([]);
  expect(run.code).toBe(1);
  expect(run.counts(gift)).toEqual([5, 5, 0, 0, 0]);
  expect(run.counts(clash)).toEqual([1, 0, 0, 1, 0]);
  expect(run.counts("total")).toEqual([6, 5, 0, 1, 0]);
  expect(run.stderr).toContain(`${clash} rank 1: wallet answered 409 IDEMPOTENCY_KEY_REUSED`);
  const [row] = await query(discountDb.url, "SELECT status, failure FROM redemptions WHERE phone = ?", [CLASH_PHONE]);
  expect(row).toEqual({ status: "failed", failure: "wallet answered 409 IDEMPOTENCY_KEY_REUSED" });
});

test.each([
  ["an unknown campaign", ["--campaign", "NOSUCH99"], "reconcile: no campaign NOSUCH99"],
  ["a malformed campaign code", ["--campaign", "x!"], "reconcile: bad campaign code"],
  ["an unknown option", ["--force"], "usage: bun run reconcile"],
])("%s exits 1 with a clear message", async (_, args, message) => {
  const run = await reconcile(args);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(message);
  expect(run.stdout).toBe("");
});

test("a database URL naming no file exits 1 and does not create the file", async () => {
  const missing = join(discountDb.dir, "typo.db");
  const run = await reconcile([], { DISCOUNT_DATABASE_URL: `file:${missing}` });
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(`reconcile: no discount database at ${missing}`);
  expect(existsSync(missing)).toBe(false);
});

test("a database that is not a migrated discount database exits 1 and says so", async () => {
  const run = await reconcile([], { DISCOUNT_DATABASE_URL: walletDb.url });
  expect(run.code).toBe(1);
  expect(run.stderr).toContain("not a migrated discount database?): SQLITE_ERROR: no such table: campaigns");
});
