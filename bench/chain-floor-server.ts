/**
 * For bench/burst-floor.ts: the least a gift winner's chain can be on this machine's engines,
 * as two bare Bun processes with no framework, no auth, no logs and no metrics:
 *
 *   FLOOR_ROLE=discount  POST /v1/redeem {code, phone}: the claim's real Redis script (both
 *                        limits and the gate, one trip); then the winner and the credit it is
 *                        owed in one durable transaction (group commit, synchronous=FULL); then
 *                        the credits of one commit to the wallet in one request; then 201.
 *                        With WALLET_TOKEN, the credits go to the wallet service's own batch
 *                        endpoint instead, which splits the services' gap between the two.
 *   FLOOR_ROLE=wallet    POST /credits [{key, phone, amount}]: each credit's ledger row and
 *                        balance in one durable transaction (group commit); then 201.
 *
 * That is the order and the durability DESIGN §3.4 and §4 ask of a winner's answer, and no
 * more: no settle note, no webhook event, no access log, no validation beyond JSON.
 */

import type { Client, Transaction } from "@libsql/client";
import { connectRedis, whenConnected } from "@matchday/discount/redis/connection";
import { createLimitPair } from "@matchday/discount/redis/limit-pair";
import { localBusyPolicy, openDatabase, type Transactional, WriteQueue } from "@matchday/shared/db";

export const FLOOR_GENERATION = "floor";

/** One write transaction on a raw client, committed when `work` succeeds: what the write queue needs. */
function transactional(client: Client): Transactional<Transaction> {
  return {
    async transaction(work) {
      const tx = await client.transaction("write");
      try {
        const result = await work(tx);
        await tx.commit();
        return result;
      } finally {
        tx.close();
      }
    },
  };
}

/** A database at `url` with `schema`, written through a group-committing queue like the services' own. */
export async function durableQueue(url: string, schema: string) {
  const client = await openDatabase(url);
  await client.executeMultiple(schema);
  return new WriteQueue(transactional(client), 256, localBusyPolicy(client));
}

interface Credit {
  key: string;
  phone: string;
  amount: number;
}

async function wallet(databaseUrl: string) {
  const queue = await durableQueue(
    databaseUrl,
    `CREATE TABLE IF NOT EXISTS ledger (key TEXT PRIMARY KEY, phone TEXT NOT NULL, amount INTEGER NOT NULL, created_at INTEGER NOT NULL);
     CREATE TABLE IF NOT EXISTS wallets (phone TEXT PRIMARY KEY, balance INTEGER NOT NULL);`,
  );
  const credit = queue.lane(async (tx: Transaction, batches: Credit[][]) => {
    const rows = JSON.stringify(batches.flat().map((c) => [c.key, c.phone, c.amount]));
    await tx.execute({
      sql: "INSERT INTO ledger SELECT value ->> 0, value ->> 1, value ->> 2, ? FROM json_each(?)",
      args: [Date.now(), rows],
    });
    await tx.execute({
      sql: `INSERT INTO wallets SELECT value ->> 1, value ->> 2 FROM json_each(?) WHERE true
            ON CONFLICT (phone) DO UPDATE SET balance = balance + excluded.balance`,
      args: [rows],
    });
    return batches.map(() => undefined);
  });
  return async (request: Request) => {
    await credit((await request.json()) as Credit[]);
    return new Response('{"ok":true}', { status: 201, headers: { "content-type": "application/json" } });
  };
}

/**
 * How the floor's discount sends a commit's credits: to the floor's wallet, or, given the
 * service token, to the wallet service's own batch endpoint (to split the gap between the two).
 */
export function creditSender(walletUrl: string, walletToken: string | undefined) {
  const post = (path: string, body: unknown, auth: Record<string, string>) =>
    fetch(`${walletUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...auth },
      body: JSON.stringify(body),
    }).then((res) => res.ok);
  return (credits: { key: string; phone: string }[]) =>
    walletToken
      ? post(
          "/v1/credit-batches",
          {
            items: credits.map((c) => ({
              phone: c.phone,
              amount: 1_000_000,
              reference: "floor",
              idempotencyKey: c.key,
            })),
          },
          { authorization: `Bearer ${walletToken}` },
        )
      : post(
          "/credits",
          credits.map((c) => ({ ...c, amount: 1_000_000 })),
          {},
        );
}

/** A gift winner's seat in Redis and durable record, then its commit's credits sent: its rank and whether it was credited. */
export type FloorRedeem = (code: string, phone: string) => Promise<{ rank: number; credited: boolean } | undefined>;

/** The floor's discount chain, without the HTTP around it: undefined when the code is sold out. */
export async function floorChain(
  databaseUrl: string,
  redisUrl: string,
  sendCredits: ReturnType<typeof creditSender>,
  cap: number,
): Promise<FloorRedeem> {
  const redis = connectRedis({ mode: "single", url: redisUrl });
  await whenConnected(redis);
  const window = { limit: 1_000_000_000, windowSeconds: 60 };
  const { checkThenClaim } = createLimitPair(redis, { prefix: "rl:p", ...window }, { prefix: "rl:ip", ...window });
  if (!checkThenClaim) throw new Error("a single Redis server claims within the limits in one script");
  const queue = await durableQueue(
    databaseUrl,
    `CREATE TABLE IF NOT EXISTS winners (code TEXT NOT NULL, phone TEXT NOT NULL, rank INTEGER NOT NULL, at INTEGER NOT NULL,
       UNIQUE (code, phone), UNIQUE (code, rank));
     CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, phone TEXT NOT NULL, amount INTEGER NOT NULL);`,
  );
  interface Won {
    code: string;
    phone: string;
    rank: number;
  }
  const record = queue.lane(async (tx: Transaction, won: Won[]) => {
    const rows = JSON.stringify(won.map((w) => [w.code, w.phone, w.rank, `gift:${w.code}:${w.phone}`]));
    await tx.execute({
      sql: "INSERT INTO winners SELECT value ->> 0, value ->> 1, value ->> 2, ? FROM json_each(?)",
      args: [Date.now(), rows],
    });
    await tx.execute({
      sql: "INSERT INTO outbox (key, phone, amount) SELECT value ->> 3, value ->> 1, 1000000 FROM json_each(?)",
      args: [rows],
    });
    // The credits of one commit go to the wallet together, as the service's request path sends
    // them, and only once the commit is durable: the first winner to resume after it sends them.
    let sent: Promise<boolean> | undefined;
    const send = () => (sent ??= sendCredits(won.map((w) => ({ key: `gift:${w.code}:${w.phone}`, phone: w.phone }))));
    return won.map(() => send);
  });
  return async (code, phone) => {
    const { seat } = await checkThenClaim(phone, "127.0.0.1", { code, cap, generation: FLOOR_GENERATION });
    if (seat?.kind !== "won") return undefined;
    const credited = await (await record({ code, phone, rank: seat.rank }))();
    return { rank: seat.rank, credited };
  };
}

function discount(redeem: FloorRedeem) {
  const soldOut = () => new Response('{"code":"CAMPAIGN_EXHAUSTED"}', { status: 409 });
  return async (request: Request) => {
    const { code, phone } = (await request.json()) as { code: string; phone: string };
    const won = await redeem(code, phone);
    if (!won) return soldOut();
    return new Response(JSON.stringify({ status: won.credited ? "credited" : "pending", rank: won.rank }), {
      status: 201,
      headers: { "content-type": "application/json" },
    });
  };
}

/** A variable the bench must have set for a floor process. */
export function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

// Imported by the bench for its constants; started as a process, it serves.
if (import.meta.main) {
  const handle =
    env("FLOOR_ROLE") === "wallet"
      ? await wallet(env("FLOOR_DATABASE_URL"))
      : discount(
          await floorChain(
            env("FLOOR_DATABASE_URL"),
            env("REDIS_URL"),
            creditSender(env("WALLET_URL"), process.env.WALLET_TOKEN),
            Number(env("FLOOR_CAP")),
          ),
        );
  Bun.serve({
    hostname: "127.0.0.1",
    port: Number(env("FLOOR_PORT")),
    routes: { "/health": new Response("ok"), "/v1/redeem": { POST: handle }, "/credits": { POST: handle } },
  });
}
