import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@libsql/client";
import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import { localBusyPolicy, openDatabase, retryWhileBusy, WriteQueue } from "./sqlite";
import { openStore, type Store } from "./store";

// Another process holding the file's write lock is played by a second connection in
// this process: if the store's wait for the lock blocked the thread, that connection
// could not even commit until the wait gave up, so a frozen event loop shows plainly.
const notes = sqliteTable("notes", { body: text("body").notNull() });
const schema = { notes };

let root: string;
let url: string;
let holder: Client;
let store: Store<typeof schema>;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "matchday-busy-"));
  url = `file:${join(root, "busy.db")}`;
  holder = await openDatabase(url);
  await holder.execute("CREATE TABLE notes (body TEXT NOT NULL)");
  store = await openStore(url, schema, "", { migrate: false });
});
afterAll(async () => {
  await store.close();
  holder.close();
  rmSync(root, { recursive: true, force: true });
});

/** The longest a 5 ms timer fired late while `ms` passed: how long the event loop was frozen. */
async function worstTimerLag(ms: number): Promise<number> {
  let worst = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const asked = performance.now();
    await Bun.sleep(5);
    worst = Math.max(worst, performance.now() - asked - 5);
  }
  return worst;
}

/** How many times this process has the database file open: one per SQLite connection. */
function connectionsTo(file: string): number {
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false;
    }
  }).length;
}

const note = (queue = store.writes) =>
  queue.lane<string, void>(async (tx, bodies) => {
    await tx.insert(notes).values(bodies.map((body) => ({ body })));
    return bodies.map(() => undefined);
  });

test("a write waiting for another connection's write lock leaves the event loop free, then commits", async () => {
  const held = await holder.transaction("write");
  await held.execute("INSERT INTO notes VALUES ('from the lock holder')");
  const write = note()("queued behind the lock").then(
    () => "committed",
    (error: Error) => error.message,
  );
  const lag = await worstTimerLag(500);
  await held.commit();
  expect(await write).toBe("committed");
  expect(lag).toBeLessThan(100);
  const { rows } = await holder.execute("SELECT body FROM notes ORDER BY rowid");
  expect(rows.map((r) => r.body)).toEqual(["from the lock holder", "queued behind the lock"]);
}, 15_000);

test("a connection that lost the race for the lock begins at once on the next try, and so do the transactions after it", async () => {
  const client = await openDatabase(url);
  try {
    const held = await holder.transaction("write");
    await held.execute("INSERT INTO notes VALUES ('held again')");
    const write = retryWhileBusy(async () => {
      const tx = await client.transaction("write");
      await tx.execute("INSERT INTO notes VALUES ('after the race')");
      await tx.commit();
    }, localBusyPolicy(client));
    await Bun.sleep(50);
    await held.commit();
    const released = performance.now();
    await write;
    // A new BEGIN on the connection that lost would keep failing until the runtime happened
    // to finalize the failed one (~400 ms here), and transactions after it would fail too.
    expect(performance.now() - released).toBeLessThan(150);
    for (let i = 0; i < 4; i++) await (await client.transaction("write")).commit();
  } finally {
    client.close();
  }
});

test("writes that lose the race for the lock, try after try, leave no connection behind", async () => {
  const file = join(root, "busy.db");
  const before = connectionsTo(file);
  for (let i = 0; i < 20; i++) {
    const held = await holder.transaction("write");
    await held.execute("INSERT INTO notes VALUES ('held')");
    const write = note()(`queued ${i}`);
    await Bun.sleep(10);
    await held.commit();
    await write;
  }
  // A connection closed after it had prepared statements stays open in this runtime, so
  // replacing the loser after each lost race kept one more file handle and ~250 KB each time.
  expect(connectionsTo(file) - before).toBeLessThanOrEqual(1);
});

test("right after a lost race, reads see what the lock holder committed", async () => {
  const held = await holder.transaction("write");
  await held.execute("INSERT INTO notes VALUES ('committed while a write waited')");
  const write = note()("the waiting write");
  await Bun.sleep(10);
  await held.commit();
  // Before the waiting write tries again: a connection whose BEGIN lost keeps its old snapshot.
  const seen = await store.db.select().from(notes).all();
  expect(seen.map((n) => n.body)).toContain("committed while a write waited");
  await write;
});

test("a write still locked out when its wait budget is spent fails with SQLITE_BUSY, as it did before", async () => {
  const queue = new WriteQueue(store.db, 256, { budgetMs: 200, ...localBusyPolicy(store.client) });
  const held = await holder.transaction("write");
  try {
    const started = performance.now();
    const write = note(queue)("never written").catch((error: Error) => error.message);
    const lag = await worstTimerLag(400);
    expect(await write).toBe("SQLITE_BUSY: database is locked");
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(lag).toBeLessThan(100);
  } finally {
    await held.rollback();
  }
});

test("an error other than SQLITE_BUSY is not retried", async () => {
  let tries = 0;
  const failing = retryWhileBusy(async () => {
    tries++;
    throw new Error("not a lock");
  });
  await expect(failing).rejects.toThrow("not a lock");
  expect(tries).toBe(1);
});

// Outside the write queue: a lost statement's connection is dropped, not lent again.
const losers: [string, (client: Client) => Promise<unknown>][] = [
  ["a write outside a transaction that", (client) => client.execute("INSERT INTO notes VALUES ('lost the race')")],
  ["a batch whose BEGIN", (client) => client.batch(["INSERT INTO notes VALUES ('lost the race')"], "write")],
];
for (const [what, attempt] of losers) {
  test(`${what} lost the race leaves nothing behind: reads see the holder's commit, and others can write`, async () => {
    const client = await openDatabase(url);
    try {
      await client.execute("SELECT count(*) FROM notes");
      const held = await holder.transaction("write");
      const row = `the holder's row beside ${what}`;
      await held.execute({ sql: "INSERT INTO notes VALUES (?)", args: [row] });
      expect(await attempt(client).catch((e: { code?: string }) => e.code)).toBe("SQLITE_BUSY");
      await held.commit();
      const { rows } = await client.execute("SELECT body FROM notes");
      expect(rows.map((r) => r.body)).toContain(row);
      await client.execute("INSERT INTO notes VALUES ('written after the race')");
      await (await holder.transaction("write")).rollback();
    } finally {
      client.close();
    }
  });
}
