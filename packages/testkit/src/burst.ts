import { createClient } from "@libsql/client";
import { bearer } from "./http/tokens";
import { waitFor } from "./processes/ports";
import type { ServiceProcess } from "./processes/service-process";

/** A small seeded PRNG (mulberry32): a failing burst can be re-run with the same order. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const phoneOf = (i: number) => `+98935${String(i).padStart(7, "0")}`;

/** Every phone once plus repeats, shuffled: `requests` submissions from `phones` people. */
export function burstOrder(requests: number, phones: number, random: () => number): string[] {
  const order = Array.from({ length: phones }, (_, i) => phoneOf(i));
  while (order.length < requests) order.push(phoneOf(Math.floor(random() * phones)));
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as string, order[i] as string];
  }
  return order;
}

export interface Answer {
  phone: string;
  status: number;
  body: { status?: string; rank?: number; code?: string };
}

/**
 * Fires the submissions at the discount instances with bounded concurrency, as an
 * app back end would for its users, and keeps every final answer. Like a real
 * client it retries what got no answer (connection refused or reset) or a 503,
 * on the next instance, a bounded number of times; status 0 means it never heard.
 */
export async function fireBurst(
  urls: string[],
  code: string,
  order: string[],
  options: { concurrency?: number; onProgress?: (done: number) => void; retries?: number } = {},
): Promise<Answer[]> {
  const auth = await bearer("service");
  const retries = options.retries ?? 60;
  const answers: Answer[] = new Array(order.length);
  let next = 0;
  let done = 0;
  const send = async (url: string, phone: string): Promise<Answer> => {
    try {
      const res = await fetch(`${url}/v1/redeem`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ code, phone }),
      });
      return { phone, status: res.status, body: (await res.json()) as Answer["body"] };
    } catch {
      return { phone, status: 0, body: {} };
    }
  };
  const worker = async () => {
    while (next < order.length) {
      const i = next++;
      const phone = order[i] as string;
      let answer = await send(urls[i % urls.length] as string, phone);
      for (let attempt = 1; attempt <= retries && (answer.status === 0 || answer.status === 503); attempt++) {
        await Bun.sleep(100);
        answer = await send(urls[(i + attempt) % urls.length] as string, phone);
      }
      answers[i] = answer;
      options.onProgress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 64 }, worker));
  return answers;
}

export async function createCampaign(discountUrl: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${discountUrl}/v1/campaigns`, {
    method: "POST",
    headers: { ...(await bearer("admin")), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`campaign not created: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { code: string }).code;
}

/** Waits until the discount DB owes the wallet nothing more for this campaign. */
export async function waitForOutboxDrained(discountDbUrl: string, timeoutMs = 30_000): Promise<void> {
  const db = createClient({ url: discountDbUrl });
  try {
    await waitFor(
      "the outbox to drain",
      async () => {
        const { rows } = await db.execute("SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'");
        return Number(rows[0]?.n) === 0;
      },
      timeoutMs,
    );
  } finally {
    db.close();
  }
}

/** Waits until the campaign has `expected` winners in the DB, or the time is up (the caller then checks what it has). */
export async function waitForWinners(discountDbUrl: string, code: string, expected: number, timeoutMs: number) {
  const db = createClient({ url: discountDbUrl });
  try {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const { rows } = await db.execute({
        sql: "SELECT COUNT(*) AS n FROM redemptions r JOIN campaigns c ON c.id = r.campaign_id WHERE c.code = ?",
        args: [code],
      });
      if (Number(rows[0]?.n) >= expected) return;
      await Bun.sleep(250);
    }
  } finally {
    db.close();
  }
}

export interface BurstFacts {
  winners: { phone: string; rank: number; status: string }[];
  credits: { phone: string; key: string; amount: number }[];
  /** Credited wallets whose balance is not the sum of their ledger entries (DESIGN §3.3): should be none. */
  unbalanced?: { phone: string; balance: number; ledgerSum: number }[];
}

/** What both databases say, read straight from their files. */
export async function readFacts(discountDbUrl: string, walletDbUrl: string, code: string): Promise<BurstFacts> {
  const discount = createClient({ url: discountDbUrl });
  const wallet = createClient({ url: walletDbUrl });
  try {
    const winners = await discount.execute({
      sql: `SELECT r.phone, r.rank, r.status FROM redemptions r JOIN campaigns c ON c.id = r.campaign_id
            WHERE c.code = ? ORDER BY r.rank`,
      args: [code],
    });
    const credits = await wallet.execute({
      sql: "SELECT phone, idempotency_key AS key, amount FROM ledger WHERE idempotency_key LIKE ?",
      args: [`gift:${code}:%`],
    });
    const unbalanced = await wallet.execute({
      sql: `SELECT w.phone, w.balance, COALESCE((SELECT SUM(l.amount) FROM ledger l WHERE l.phone = w.phone), 0) AS total
            FROM wallets w WHERE w.phone IN (SELECT phone FROM ledger WHERE idempotency_key LIKE ?)
            AND w.balance != COALESCE((SELECT SUM(l.amount) FROM ledger l WHERE l.phone = w.phone), 0)`,
      args: [`gift:${code}:%`],
    });
    return {
      unbalanced: unbalanced.rows.map((r) => ({
        phone: String(r.phone),
        balance: Number(r.balance),
        ledgerSum: Number(r.total),
      })),
      winners: winners.rows.map((r) => ({ phone: String(r.phone), rank: Number(r.rank), status: String(r.status) })),
      credits: credits.rows.map((r) => ({ phone: String(r.phone), key: String(r.key), amount: Number(r.amount) })),
    };
  } finally {
    discount.close();
    wallet.close();
  }
}

/**
 * The money-safety invariants of DESIGN §3 after a burst: returns the list of
 * violations (empty when all hold), so a failing test names every one of them.
 */
export function violations(
  facts: BurstFacts,
  answers: Answer[],
  expected: { cap: number; amount: number; distinctPhones: number; allowLostRanks?: boolean; askedOnce?: boolean },
): string[] {
  const found: string[] = [];
  const { winners, credits } = facts;
  // Asking once, a phone refused before the gate (503 while Redis was down, no answer from a dead
  // process) never claims again, so it may never reach the gate. Then the promise is: whoever heard
  // "sold out" heard it from a campaign with exactly cap winners, and no rank is skipped.
  const soldOutHeard = answers.some((a) => a.status === 409);
  const expectedWinners =
    expected.askedOnce && !soldOutHeard ? winners.length : Math.min(expected.cap, expected.distinctPhones);
  if (winners.length > expected.cap) found.push(`${winners.length} winners, above the cap ${expected.cap}`);
  const ranks = winners.map((w) => w.rank);
  if (new Set(ranks).size !== ranks.length) found.push("a rank was given twice");
  if (ranks.some((r) => r < 1 || r > expected.cap)) found.push("a rank is outside 1..cap");
  if (!expected.allowLostRanks) {
    if (winners.length !== expectedWinners) found.push(`${winners.length} winners, expected ${expectedWinners}`);
    if (ranks.some((r, i) => r !== i + 1)) found.push("ranks are not exactly 1..N (a rank was skipped)");
  }
  if (new Set(winners.map((w) => w.phone)).size !== winners.length) found.push("a phone won twice");

  const rankOf = new Map(winners.map((w) => [w.phone, w.rank]));
  const creditsBy = new Map<string, number>();
  for (const c of credits) {
    creditsBy.set(c.phone, (creditsBy.get(c.phone) ?? 0) + 1);
    if (!rankOf.has(c.phone)) found.push(`${c.phone} was credited but did not win`);
    // The key is what makes a re-sent credit a replay: one under another key would be a second payment.
    if (!c.key.endsWith(`:${c.phone}`)) found.push(`${c.phone} was credited under the key ${c.key}`);
    if (c.amount !== expected.amount) found.push(`${c.phone} was credited ${c.amount}, not ${expected.amount}`);
  }
  for (const w of winners) {
    const n = creditsBy.get(w.phone) ?? 0;
    if (n !== 1) found.push(`winner ${w.phone} (rank ${w.rank}) was credited ${n} times`);
    if (w.status !== "credited") found.push(`winner ${w.phone} is ${w.status}, not credited`);
  }
  for (const u of facts.unbalanced ?? []) {
    found.push(`${u.phone}'s balance ${u.balance} is not the sum of its ledger entries ${u.ledgerSum}`);
  }
  const total = credits.reduce((sum, c) => sum + c.amount, 0);
  if (total !== winners.length * expected.amount) found.push(`credits total ${total}, not winners × amount`);

  for (const a of answers) {
    if (a.status !== 200 && a.status !== 201) continue;
    const rank = rankOf.get(a.phone);
    if (rank === undefined) found.push(`${a.phone} was told it won (${a.status}) but is not a winner`);
    else if (a.body.rank !== rank) found.push(`${a.phone} was told rank ${a.body.rank}, the record says ${rank}`);
  }
  return found.slice(0, 20);
}

/**
 * Fires a burst at one discount process and sends it SIGTERM once `stopAfter` requests
 * have been answered (`onProgress` sees every count first). Nothing is retried: a request
 * the stopping process never took stays status 0. Returns the answers, the exit code and
 * how long the process took to exit after the signal.
 */
export async function burstWithShutdown(
  discount: ServiceProcess,
  code: string,
  order: string[],
  options: { stopAfter: number; onProgress?: (done: number) => void },
) {
  let stopped: Promise<{ exitCode: number | null; stopMs: number }> | undefined;
  const answers = await fireBurst([discount.url], code, order, {
    concurrency: 32,
    retries: 0,
    onProgress: (done) => {
      options.onProgress?.(done);
      if (done !== options.stopAfter) return;
      const sent = performance.now();
      stopped = discount.stop().then((exitCode) => ({ exitCode, stopMs: performance.now() - sent }));
    },
  });
  if (!stopped) throw new Error(`the burst ended before ${options.stopAfter} answers`);
  return { answers, ...(await stopped) };
}

/** What a stopped process acknowledged but did not keep: a win without its row, a "credited" without its ledger entry. */
export function acknowledgedButLost(facts: BurstFacts, answers: Answer[]): string[] {
  const winners = new Set(facts.winners.map((w) => w.phone));
  const credited = new Set(facts.credits.map((c) => c.phone));
  const lost: string[] = [];
  for (const a of answers) {
    if (a.status !== 200 && a.status !== 201) continue;
    if (!winners.has(a.phone)) lost.push(`${a.phone} heard ${a.status} but has no redemption row`);
    if (a.body.status === "credited" && !credited.has(a.phone)) lost.push(`${a.phone} heard credited; no ledger entry`);
  }
  return lost;
}

/** SIGSTOP/SIGCONT: the process stops answering but keeps its connections open, like a hung host. */
export function hang(service: ServiceProcess, hung: boolean): void {
  process.kill(service.pid() as number, hung ? "SIGSTOP" : "SIGCONT");
}

/** Outbox rows still leased to a relay. A relay that stopped cleanly settled its batch in hand; none stay leased. */
export async function leasedOutboxRows(discountDbUrl: string): Promise<number> {
  const db = createClient({ url: discountDbUrl });
  try {
    const { rows } = await db.execute("SELECT COUNT(*) AS n FROM outbox WHERE lease_owner IS NOT NULL");
    return Number(rows[0]?.n);
  } finally {
    db.close();
  }
}
