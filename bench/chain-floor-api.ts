/**
 * For bench/burst-floor.ts: the chain floor of bench/chain-floor-server.ts inside what this API
 * must do for every request, built from the services' own shared parts and nothing else of theirs:
 *
 *   FLOOR_ROLE=discount  POST /v1/redeem: Elysia with the HTTP kernel (request id, security
 *                        headers, body limit, access log line, request metrics), the bearer
 *                        token verified (cached) before any answer, the body checked by the
 *                        redeem's own schema, the phone normalized; then the floor's chain; then
 *                        the answer in full. Once the gate has said sold out, the listener
 *                        answers that code's refusals before the router, as the services do.
 *   FLOOR_ROLE=wallet    POST /v1/credit-batches: the same HTTP around it, then each credit's
 *                        idempotency as DESIGN §5 asks (its key looked up, its request's hash
 *                        compared or stored, the balance after it) with the ledger rows and
 *                        balances in one durable group commit, and each item's own result.
 *
 * Left out, since no rule of the API asks for them on a winner's way: campaign rules (kind,
 * dates) read from a table, the settle note, webhook events, response schemas checked at run time.
 */
import type { Transaction } from "@libsql/client";
import { AppError } from "@matchday/discount/errors";
import { REDEEM_ROUTE, RedeemBody, redeemBodyCheck } from "@matchday/discount/redeem/model";
import { createTokenVerifier } from "@matchday/shared/auth";
import { authPlugin, createHttpKernel, refusalResponse } from "@matchday/shared/http";
import { createLogger } from "@matchday/shared/logger";
import { Registry } from "@matchday/shared/metrics";
import { requirePhone } from "@matchday/shared/phone";
import { CreditBatchRequest } from "@matchday/wallet/modules/credit-batches/model";
import { requestHash } from "@matchday/wallet/modules/wallets/entry";
import { Elysia } from "elysia";
import { creditSender, durableQueue, env, type FloorRedeem, floorChain } from "./chain-floor-server";

const AMOUNT = 1_000_000;
const MAX_BODY_BYTES = 1 << 20;

function http(role: string) {
  const logger = createLogger({ level: "info", service: `floor-${role}` });
  const kernel = createHttpKernel({ logger, metrics: new Registry(), maxBodyBytes: MAX_BODY_BYTES });
  const verifyToken = createTokenVerifier(env("JWT_SECRET"));
  return { kernel, verifyToken };
}

interface Item {
  phone: string;
  amount: number;
  reference?: string;
  description?: string;
  idempotencyKey: string;
}

type ItemResult =
  | { status: 201; replayed: boolean; entry: Record<string, unknown> }
  | { status: 409; code: "IDEMPOTENCY_KEY_REUSED"; detail: string };

async function wallet(databaseUrl: string) {
  const queue = await durableQueue(
    databaseUrl,
    `CREATE TABLE IF NOT EXISTS ledger (id INTEGER PRIMARY KEY, phone TEXT NOT NULL, amount INTEGER NOT NULL,
       kind TEXT NOT NULL, balance_after INTEGER NOT NULL, reference TEXT, description TEXT,
       idempotency_key TEXT NOT NULL UNIQUE, request_hash TEXT NOT NULL, created_at INTEGER NOT NULL);
     CREATE TABLE IF NOT EXISTS wallets (phone TEXT PRIMARY KEY, balance INTEGER NOT NULL CHECK (balance >= 0),
       updated_at INTEGER NOT NULL);`,
  );
  const apply = queue.lane(async (tx: Transaction, requests: Item[][]): Promise<ItemResult[][]> => {
    const items = requests.flat();
    const earlier = new Map<string, { hash: string; entry: Record<string, unknown> }>();
    const stored = await tx.execute({
      sql: `SELECT id, phone, amount, balance_after, reference, description, idempotency_key, request_hash, created_at
              FROM ledger WHERE idempotency_key IN (SELECT value FROM json_each(?))`,
      args: [JSON.stringify(items.map((i) => i.idempotencyKey))],
    });
    for (const r of stored.rows) {
      const entry = { id: r.id, phone: r.phone, kind: "credit", amount: r.amount, balanceAfter: r.balance_after };
      const at = new Date(Number(r.created_at)).toISOString();
      const described = { reference: r.reference, description: r.description, createdAt: at };
      earlier.set(String(r.idempotency_key), { hash: String(r.request_hash), entry: { ...entry, ...described } });
    }
    const read = await tx.execute({
      sql: "SELECT phone, balance FROM wallets WHERE phone IN (SELECT value FROM json_each(?))",
      args: [JSON.stringify([...new Set(items.map((i) => i.phone))])],
    });
    const balances = new Map(read.rows.map((r) => [String(r.phone), Number(r.balance)]));
    const now = Date.now();
    const createdAt = new Date(now).toISOString();
    const fresh: (Item & { hash: string; balanceAfter: number; entry: Record<string, unknown> })[] = [];
    const results = requests.map((request) =>
      request.map((item): ItemResult => {
        const hash = requestHash({ ...item, kind: "credit" });
        const before = earlier.get(item.idempotencyKey);
        if (before) {
          if (before.hash !== hash) return { status: 409, code: "IDEMPOTENCY_KEY_REUSED", detail: "reused" };
          return { status: 201, replayed: true, entry: before.entry };
        }
        const balanceAfter = (balances.get(item.phone) ?? 0) + item.amount;
        balances.set(item.phone, balanceAfter);
        const entry = {
          phone: item.phone,
          kind: "credit",
          amount: item.amount,
          balanceAfter,
          reference: item.reference ?? null,
          description: item.description ?? null,
          createdAt,
        };
        fresh.push({ ...item, hash, balanceAfter, entry });
        earlier.set(item.idempotencyKey, { hash, entry });
        return { status: 201, replayed: false, entry };
      }),
    );
    if (fresh.length > 0) {
      const touched = JSON.stringify([...balances]);
      await tx.execute({
        sql: `INSERT INTO wallets SELECT value ->> 0, value ->> 1, ? FROM json_each(?) WHERE true
              ON CONFLICT (phone) DO UPDATE SET balance = excluded.balance, updated_at = excluded.updated_at`,
        args: [now, touched],
      });
      const rows = fresh.map((f) => [
        f.phone,
        f.amount,
        f.balanceAfter,
        f.reference,
        f.description,
        f.idempotencyKey,
        f.hash,
      ]);
      const ids = await tx.execute({
        sql: `INSERT INTO ledger (phone, amount, kind, balance_after, reference, description, idempotency_key, request_hash, created_at)
              SELECT value ->> 0, value ->> 1, 'credit', value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, ?
                FROM json_each(?) RETURNING id`,
        args: [now, JSON.stringify(rows)],
      });
      for (const [i, f] of fresh.entries()) f.entry.id = ids.rows[i]?.id;
    }
    return results;
  });
  const { kernel, verifyToken } = http("wallet");
  return new Elysia({ normalize: false })
    .use(kernel.plugin)
    .use(authPlugin(verifyToken))
    .get("/health", () => "ok")
    .post(
      "/v1/credit-batches",
      async ({ body }) => ({
        items: await apply(
          body.items.map((item, i) => ({ ...item, phone: requirePhone(item.phone, `body.items.${i}.phone`) })),
        ),
      }),
      { auth: ["admin", "service"], parse: "json", body: CreditBatchRequest },
    );
}

function discount(redeem: FloorRedeem) {
  const { kernel, verifyToken } = http("discount");
  const soldOut = new Set<string>();
  const refuse = kernel.directRefusal(REDEEM_ROUTE, "POST", new AppError("CAMPAIGN_EXHAUSTED"));
  /** Sold out, answered before the router to a caller whose token is already proven: the services' fast path, lean. */
  const listener = async (request: Request): Promise<Response> => {
    if (soldOut.size === 0) return app.fetch(request);
    const text = await request.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {}
    const proven = verifyToken.cached?.(request.headers.get("authorization"));
    if (redeemBodyCheck.Check(body) && soldOut.has(body.code) && proven?.role === "service") return refuse(request);
    return app.fetch(new Request(request.url, { method: "POST", headers: request.headers, body: text }));
  };
  const app = new Elysia({ normalize: false, serve: { routes: { [REDEEM_ROUTE]: { POST: listener } } } })
    .use(kernel.plugin)
    .use(authPlugin(verifyToken))
    .get("/health", () => "ok")
    .post(
      REDEEM_ROUTE,
      async ({ body, request, set }) => {
        const phone = requirePhone(body.phone, "body.phone");
        const won = await redeem(body.code, phone);
        if (!won) {
          soldOut.add(body.code);
          return refusalResponse(request, new AppError("CAMPAIGN_EXHAUSTED"), { quiet: true });
        }
        set.status = 201;
        const status = won.credited ? "credited" : "pending";
        return { status, code: body.code, phone, rank: won.rank, amount: AMOUNT, redeemedAt: new Date().toISOString() };
      },
      { auth: ["service"], parse: "json", body: RedeemBody },
    );
  return app;
}

if (import.meta.main) {
  const port = Number(env("FLOOR_PORT"));
  if (env("FLOOR_ROLE") === "wallet") {
    (await wallet(env("FLOOR_DATABASE_URL"))).listen({ hostname: "127.0.0.1", port });
  } else {
    const send = creditSender(env("WALLET_URL"), env("WALLET_TOKEN"));
    const chain = await floorChain(env("FLOOR_DATABASE_URL"), env("REDIS_URL"), send, Number(env("FLOOR_CAP")));
    discount(chain).listen({ hostname: "127.0.0.1", port });
  }
}
