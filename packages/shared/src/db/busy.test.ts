import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@libsql/client";
import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import { openDatabase, retryWhileBusy, WriteQueue } from "./sqlite";
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

test("a connection that lost the race for the lock is replaced, so the next transactions begin at once", async () => {
  const client = await openDatabase(url);
  try {
    const held = await holder.transaction("write");
    await held.execute("INSERT INTO notes VALUES ('held again')");
    const write = retryWhileBusy(
      async () => {
        const tx = await client.transaction("write");
        await tx.execute("INSERT INTO notes VALUES ('after the race')");
        await tx.commit();
      },
      { recover: () => client.reconnect() },
    );
    await Bun.sleep(50);
    await held.commit();
    const released = performance.now();
    await write;
    // Without `recover` the retries keep failing until the runtime happens to finalize
    // the failed statement (~400 ms here), and transactions after it fail too.
    expect(performance.now() - released).toBeLessThan(150);
    for (let i = 0; i < 4; i++) await (await client.transaction("write")).commit();
  } finally {
    client.close();
  }
});

test("a write still locked out when its wait budget is spent fails with SQLITE_BUSY, as it did before", async () => {
  const queue = new WriteQueue(store.db, 256, { budgetMs: 200, recover: () => store.client.reconnect() });
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
