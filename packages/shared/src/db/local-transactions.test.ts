import { afterEach, expect, test } from "bun:test";
import { type Client, createClient, type Transaction, type TransactionMode } from "@libsql/client";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import Database from "libsql";
import { openLocalClient } from "./local-client";
import { StatementCache } from "./local-statements";

// How transactions share a client's connections is what the write queue and every
// concurrent read rely on: each case runs on @libsql/client and on the local client alike.
const files: TempDatabase[] = [];
const opened: { close(): unknown }[] = [];
afterEach(() => {
  for (const one of opened.splice(0)) one.close();
  for (const file of files.splice(0)) file.dispose();
});

type Opener = (file: TempDatabase) => Client;
const openLocal: Opener = (file) => openLocalClient(file.path);
const CLIENTS: [string, Opener][] = [
  ["@libsql/client", (file) => createClient({ url: file.url })],
  ["the local client", openLocal],
];

async function fileWithTable(open: Opener): Promise<{ client: Client; other: Client }> {
  const file = await makeTempDatabase();
  files.push(file);
  const [client, other] = [open(file), open(file)];
  opened.push(client, other);
  await client.execute("CREATE TABLE t (v INTEGER PRIMARY KEY)");
  return { client, other };
}

const outcome = (work: Promise<unknown>) =>
  work.then(
    () => "ok",
    (e: { code?: string; constructor: { name: string } }) => `${e.constructor.name} ${e.code}`,
  );

const count = async (client: Client) => (await client.execute("SELECT count(*) AS n FROM t")).rows[0]?.n;

for (const [name, open] of CLIENTS) {
  test(`each mode begins as the client begins it (${name})`, async () => {
    const { client, other } = await fileWithTable(open);
    const seen: Record<string, string[]> = {};
    for (const mode of ["write", "read", "deferred"] as TransactionMode[]) {
      const tx = await client.transaction(mode);
      const lockedOut = await outcome(other.transaction("write").then((held) => held.rollback()));
      const wrote = await outcome(tx.execute("INSERT INTO t VALUES (1)"));
      await tx.rollback();
      seen[mode] = [lockedOut, wrote, String(tx.closed)];
    }
    expect(seen).toEqual({
      write: ["LibsqlError SQLITE_BUSY", "ok", "true"],
      // A local file takes libSQL's READONLY as a deferred begin: the write goes through.
      read: ["ok", "ok", "true"],
      deferred: ["ok", "ok", "true"],
    });
  });

  test(`a transaction owns its connection: the client's other calls neither see nor join it (${name})`, async () => {
    const { client } = await fileWithTable(open);
    const tx = await client.transaction("write");
    await tx.execute("INSERT INTO t VALUES (1)");
    const meanwhile = await Promise.all(Array.from({ length: 20 }, () => count(client)));
    const writeMeanwhile = await outcome(client.execute("INSERT INTO t VALUES (2)"));
    await tx.commit();
    expect(meanwhile).toEqual(Array(20).fill(0));
    expect(writeMeanwhile).toBe("LibsqlError SQLITE_BUSY");
    expect(await count(client)).toBe(1);
    expect(await outcome(tx.execute("SELECT 1"))).toBe("LibsqlError TRANSACTION_CLOSED");
  });

  test(`transactions holding all 20 connections make other calls fail at once, not hang (${name})`, async () => {
    const { client } = await fileWithTable(open);
    const held: Transaction[] = [];
    for (let i = 0; i < 20; i++) held.push(await client.transaction("deferred"));
    expect(await outcome(client.execute("SELECT 1"))).toBe("LibsqlError TRANSACTION_ACTIVE");
    (held.pop() as Transaction).close();
    expect(await outcome(client.execute("SELECT 1"))).toBe("ok");
    for (const tx of held) tx.close();
  });

  test(`rollback, close and a failing batch leave nothing behind (${name})`, async () => {
    const { client } = await fileWithTable(open);
    const rolled = await client.transaction();
    await rolled.execute("INSERT INTO t VALUES (1)");
    await rolled.rollback();
    const closed = await client.transaction();
    await closed.batch([{ sql: "INSERT INTO t VALUES (?)", args: [2] }]);
    closed.close();
    const failing = await client.transaction();
    const batch = failing.batch(["INSERT INTO t VALUES (3)", "INSERT INTO t VALUES (3)"]);
    expect(await batch.catch((e) => [e.constructor.name, e.statementIndex, e.code])).toEqual([
      "LibsqlBatchError",
      1,
      "SQLITE_CONSTRAINT",
    ]);
    await failing.rollback();
    expect([rolled.closed, closed.closed, failing.closed, await count(client)]).toEqual([true, true, true, 0]);
  });

  test(`a connection that lost the race for the lock begins at once after reconnect (${name})`, async () => {
    const { client, other } = await fileWithTable(open);
    const held = await other.transaction("write");
    expect(await outcome(client.transaction("write"))).toBe("LibsqlError SQLITE_BUSY");
    await held.commit();
    await client.reconnect();
    for (let i = 0; i < 4; i++) await (await client.transaction("write")).commit();
    expect(client.closed).toBe(false);
  });
}

// Here the local client parts from @libsql/client on purpose: that one describes the
// statement before SQLite re-prepares it, so the new column comes back named "undefined".
test("a column another connection adds shows by name in a `SELECT *` the client ran before", async () => {
  const { client, other } = await fileWithTable(openLocal);
  await client.execute("INSERT INTO t VALUES (1)");
  const star = async (): Promise<unknown> => (await client.execute("SELECT * FROM t")).rows[0];
  const before = await star();
  await other.execute("ALTER TABLE t ADD COLUMN added TEXT DEFAULT 'yes'");
  expect([before, await star()]).toEqual([{ v: 1 }, { v: 1, added: "yes" }]);
});

test("a connection keeps at most its bound of prepared statements, dropping the least recently used", async () => {
  const file = await makeTempDatabase();
  files.push(file);
  const db = new Database(file.path);
  opened.push(db);
  const cache = new StatementCache(db, 3, 0);
  const kept = cache.get("SELECT 1");
  for (const n of [2, 3, 4, 5]) {
    cache.get(`SELECT ${n}`);
    expect(cache.get("SELECT 1")).toBe(kept);
  }
  expect(cache.size).toBe(3);
  expect(cache.get("SELECT 2")).not.toBe(cache.get("SELECT 5"));
});

test("IN-lists of every length past the cache's bound all give their rows", async () => {
  const file = await makeTempDatabase();
  files.push(file);
  const client = openLocalClient(file.path, { statementCacheSize: 4 });
  opened.push(client);
  await client.execute("CREATE TABLE t (v INTEGER PRIMARY KEY)");
  await client.execute("INSERT INTO t SELECT value FROM generate_series(1, 40)");
  for (let round = 0; round < 2; round++)
    for (let n = 1; n <= 40; n++) {
      const values = Array.from({ length: n }, (_, i) => i + 1);
      const sql = `SELECT count(*) AS n FROM t WHERE v IN (${values.map(() => "?").join(", ")})`;
      expect((await client.execute({ sql, args: values })).rows[0]?.n).toBe(n);
    }
});
