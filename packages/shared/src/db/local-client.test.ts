import { afterEach, expect, test } from "bun:test";
import { readdirSync, readlinkSync } from "node:fs";
import { type Client, createClient, type ResultSet, type Row } from "@libsql/client";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { openLocalClient } from "./local-client";

// Every caller of `store.client` and drizzle were written against @libsql/client: the
// local client must answer each statement exactly as it does, rows, values and errors.
const files: TempDatabase[] = [];
const clients: Client[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
  for (const file of files.splice(0)) file.dispose();
});

async function bothClients(): Promise<{ reference: Client; local: Client }> {
  const [a, b] = await Promise.all([makeTempDatabase(), makeTempDatabase()]);
  files.push(a, b);
  const reference = createClient({ url: a.url });
  const local = openLocalClient(b.path);
  clients.push(reference, local);
  return { reference, local };
}

const bytes = (value: unknown) => (value instanceof ArrayBuffer ? { bytes: [...new Uint8Array(value)] } : value);

/** Everything a caller can see of a row without reaching for property descriptors. */
function rowSeen(row: Row) {
  const forIn: string[] = [];
  for (const key in row) forIn.push(key);
  return {
    length: row.length,
    byIndex: Array.from(row, bytes),
    keys: Object.keys(row),
    forIn,
    named: Object.fromEntries(Object.entries({ ...row }).map(([k, v]) => [k, bytes(v)])),
    json: JSON.stringify(row, (_key, value) => bytes(value)),
    zeroIn: 0 in row,
  };
}

function resultSeen(result: ResultSet) {
  const { columns, columnTypes, rowsAffected, lastInsertRowid } = result;
  return { columns, columnTypes, rowsAffected, lastInsertRowid, rows: result.rows.map(rowSeen), json: result.toJSON() };
}

function errorSeen(error: unknown) {
  const e = error as Error & Record<string, unknown>;
  const cause = e.cause as (Error & Record<string, unknown>) | undefined;
  return {
    type: e.constructor.name,
    message: e.message,
    code: e.code,
    extendedCode: e.extendedCode,
    rawCode: e.rawCode,
    statementIndex: e.statementIndex,
    cause: cause && { type: cause.constructor.name, message: cause.message, code: cause.code, rawCode: cause.rawCode },
  };
}

const seen = (work: Promise<ResultSet | ResultSet[]>) =>
  work.then(
    (result) => (Array.isArray(result) ? result.map(resultSeen) : resultSeen(result)),
    (error) => ({ error: errorSeen(error) }),
  );

/** Statements a service or a tool sends, and some it must be told off for. */
const SCRIPT: ((client: Client) => Promise<ResultSet | ResultSet[]>)[] = [
  (c) => c.execute("CREATE TABLE w (phone TEXT PRIMARY KEY, balance INTEGER NOT NULL, note BLOB, rate REAL)"),
  (c) => c.execute({ sql: "INSERT INTO w VALUES (?, ?, ?, ?)", args: ["+1", 500, new Uint8Array([1, 2, 3]), 0.5] }),
  (c) => c.execute({ sql: "INSERT INTO w VALUES (?, ?, ?, ?)", args: ["+2", 9007199254740991n, null, null] }),
  (c) => c.execute({ sql: "INSERT INTO w VALUES (:p, $b, @n, :r)", args: { ":p": "+3", $b: true, "@n": null, r: 2 } }),
  (c) =>
    c.execute({
      sql: "INSERT INTO w VALUES (?, ?, ?, ?)",
      args: ["+4", new Date(1_700_000_000_000), new ArrayBuffer(2), 1],
    }),
  (c) => c.execute("SELECT * FROM w ORDER BY phone"),
  (c) => c.execute("SELECT phone, balance FROM w WHERE phone = ?", ["+2"]),
  (c) => c.execute("SELECT 1 AS a, 2 AS a, 'x' AS b"),
  (c) => c.execute("SELECT 3 AS length, 4 AS '0', 5 AS __proto__"),
  (c) => c.execute("SELECT phone FROM w WHERE phone = 'nobody'"),
  (c) => c.execute("UPDATE w SET balance = balance + 1 WHERE phone IN ('+1', '+3')"),
  (c) => c.execute("INSERT INTO w (phone, balance) VALUES ('+5', 7) RETURNING phone, balance"),
  (c) => c.execute("INSERT INTO w (phone, balance) VALUES ('+1', 1)"),
  (c) => c.execute("SELECT balance FROM nowhere"),
  (c) => c.execute("SELEC 1"),
  (c) => c.execute("SELECT 9223372036854775807 AS too_big"),
  (c) => c.execute({ sql: "SELECT ?", args: [Number.NaN] }),
  (c) => c.execute({ sql: "SELECT ?", args: [undefined as unknown as null] }),
  (c) => c.execute({ sql: "SELECT ?", args: [2n ** 70n] }),
  (c) => c.execute("ALTER TABLE w ADD COLUMN tag TEXT DEFAULT 't'"),
  (c) => c.execute("SELECT * FROM w ORDER BY phone"),
  (c) => c.batch(["INSERT INTO w (phone, balance) VALUES ('+6', 1)", ["SELECT count(*) AS n FROM w"]], "write"),
  (c) =>
    c.batch(["INSERT INTO w (phone, balance) VALUES ('+7', 1)", "INSERT INTO w (phone, balance) VALUES ('+7', 2)"]),
  (c) => c.execute("SELECT phone FROM w WHERE phone IN ('+6', '+7')"),
  (c) => c.migrate([{ sql: "CREATE TABLE m (id INTEGER PRIMARY KEY)", args: [] }, { sql: "INSERT INTO m VALUES (1)" }]),
  (c) =>
    c.executeMultiple("INSERT INTO m VALUES (2); INSERT INTO m VALUES (3);").then(() => c.execute("SELECT * FROM m")),
];

test("every statement gives the same rows, values, column facts and errors as @libsql/client", async () => {
  const { reference, local } = await bothClients();
  for (const [i, step] of SCRIPT.entries()) {
    const expected = await seen(step(reference));
    expect({ step: i, seen: await seen(step(local)) }).toEqual({ step: i, seen: expected });
  }
});

test("a row is read by index and by name, the first of two equal names winning, with only names enumerable", async () => {
  const { local } = await bothClients();
  const { rows, columns } = await local.execute("SELECT 1 AS a, 2 AS a, 'x' AS b");
  const row = rows[0] as Row;
  expect(columns).toEqual(["a", "a", "b"]);
  expect([row[0], row[1], row[2], row.a, row.b, row.length]).toEqual([1, 2, "x", 1, "x", 3]);
  expect(Object.keys(row)).toEqual(["a", "b"]);
  expect(JSON.stringify(row)).toBe('{"a":1,"b":"x"}');
});

test("a unique constraint fails with the LibsqlError the discount's conflict check reads", async () => {
  const { local } = await bothClients();
  await local.execute("CREATE TABLE redemptions (phone TEXT UNIQUE)");
  await local.execute("INSERT INTO redemptions VALUES ('+1')");
  const error = await local.execute("INSERT INTO redemptions VALUES ('+1')").catch((e: unknown) => e);
  expect(errorSeen(error)).toMatchObject({
    type: "LibsqlError",
    message: "SQLITE_CONSTRAINT: UNIQUE constraint failed: redemptions.phone",
    code: "SQLITE_CONSTRAINT",
    extendedCode: "SQLITE_CONSTRAINT_UNIQUE",
    rawCode: 2067,
    cause: { type: "SqliteError", message: "UNIQUE constraint failed: redemptions.phone" },
  });
});

test("integers come back as numbers, and one no number can hold is a RangeError", async () => {
  const { local } = await bothClients();
  const { rows } = await local.execute("SELECT 9007199254740991 AS most, -5 AS negative");
  expect(rows[0]).toEqual({ most: Number.MAX_SAFE_INTEGER, negative: -5 } as unknown as Row);
  expect(local.execute("SELECT 9007199254740992")).rejects.toThrow(RangeError);
});

test("a closed client refuses work with CLIENT_CLOSED, as the client does", async () => {
  const { local } = await bothClients();
  local.close();
  expect(local.closed).toBe(true);
  expect(local.protocol).toBe("file");
  expect(errorSeen(await local.execute("SELECT 1").catch((e: unknown) => e))).toMatchObject({
    type: "LibsqlError",
    code: "CLIENT_CLOSED",
  });
});

/** The connections this process holds open on the database file at `path`. */
function connectionsTo(path: string): number {
  let n = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) n++;
    } catch {
      // closed between the listing and the read
    }
  }
  return n;
}

test("calls made in the same turn share an idle connection instead of each opening its own", async () => {
  const file = await makeTempDatabase();
  files.push(file);
  // SQLite may keep a closed connection's descriptor while the process holds locks on the file.
  const before = connectionsTo(file.path);
  const local = openLocalClient(file.path);
  clients.push(local);
  await local.execute("CREATE TABLE t (n INTEGER)");
  // A burst's requests each read in the same turn: every connection holds its own page
  // cache and prepared statements, so one per call grew the process by megabytes each.
  const reads = await Promise.all(Array.from({ length: 64 }, (_, n) => local.execute("SELECT ? AS n", [n])));
  expect(reads.map((r) => r.rows[0]?.n)).toEqual(Array.from({ length: 64 }, (_, n) => n));
  expect(connectionsTo(file.path) - before).toBe(1);

  // An open transaction keeps its connection; reads meanwhile take one other, and see only committed rows.
  const tx = await local.transaction("write");
  await tx.execute("INSERT INTO t VALUES (1)");
  const during = await Promise.all(Array.from({ length: 16 }, () => local.execute("SELECT count(*) AS c FROM t")));
  expect(during.map((r) => r.rows[0]?.c)).toEqual(Array(16).fill(0));
  expect(connectionsTo(file.path) - before).toBe(2);
  await tx.commit();
  expect((await local.execute("SELECT count(*) AS c FROM t")).rows[0]?.c).toBe(1);
});
