import { expect, test } from "bun:test";
import { type LaneOptions, type Transactional, WriteQueue } from "./sqlite";

/** Pure logic under test, so a fake transaction that records commits is enough here. */
function fakeDb() {
  const commits: string[][] = [];
  let current: string[] | undefined;
  const db: Transactional<string[]> = {
    async transaction(work) {
      current = [];
      const result = await work(current);
      commits.push(current);
      return result;
    },
  };
  return { db, commits, log: (entry: string) => current?.push(entry) };
}

test("writes submitted together commit in one transaction, each getting its own output in order", async () => {
  const { db, commits } = fakeDb();
  const queue = new WriteQueue(db);
  const double = queue.lane<number, number>(async (tx, inputs) => {
    tx.push(`double ${inputs.join(",")}`);
    return inputs.map((n) => n * 2);
  });
  expect(await Promise.all([1, 2, 3].map(double))).toEqual([2, 4, 6]);
  expect(commits).toEqual([["double 1,2,3"]]);
});

test("different lanes queued together share one transaction, each lane seeing only its inputs", async () => {
  const { db, commits } = fakeDb();
  const queue = new WriteQueue(db);
  const upper = queue.lane<string, string>(async (tx, inputs) => {
    tx.push(`upper ${inputs.join(",")}`);
    return inputs.map((s) => s.toUpperCase());
  });
  const negate = queue.lane<number, number>(async (tx, inputs) => {
    tx.push(`negate ${inputs.join(",")}`);
    return inputs.map((n) => -n);
  });
  const results = await Promise.all([upper("a"), negate(1), upper("b"), negate(2)]);
  expect(results).toEqual(["A", -1, "B", -2]);
  expect(commits).toEqual([["upper a,b", "negate 1,2"]]);
});

test("writes that arrive while a transaction runs form the next one", async () => {
  const { db, commits } = fakeDb();
  const queue = new WriteQueue(db);
  let release: () => void = () => {};
  const slow = queue.lane<number, number>(async (tx, inputs) => {
    tx.push(inputs.join(","));
    if (commits.length === 0) await new Promise<void>((r) => (release = r));
    return inputs;
  });
  const first = slow(1);
  await Bun.sleep(5);
  const later = [slow(2), slow(3)];
  release();
  expect(await Promise.all([first, ...later])).toEqual([1, 2, 3]);
  expect(commits).toEqual([["1"], ["2,3"]]);
});

test("when a transaction fails, its writes are retried alone so only the bad one fails", async () => {
  const { db } = fakeDb();
  const queue = new WriteQueue(db);
  const write = queue.lane<number, number>(async (_tx, inputs) => {
    if (inputs.includes(13)) throw new Error("unlucky");
    return inputs;
  });
  const results = await Promise.allSettled([12, 13, 14].map(write));
  expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
});

test("transactions never take more than the configured number of writes, and drain waits for all", async () => {
  const { db, commits } = fakeDb();
  const queue = new WriteQueue(db, 3);
  const write = queue.lane<number, number>(async (tx, inputs) => {
    tx.push(String(inputs.length));
    return inputs;
  });
  const all = Array.from({ length: 10 }, (_, i) => write(i));
  await queue.drain();
  expect(commits.map((c) => c[0])).toEqual(["3", "3", "3", "1"]);
  expect(await Promise.all(all)).toHaveLength(10);
});

/** A database another process keeps locked for the first `refusals` BEGINs, as libSQL reports it. */
function lockedDb(refusals: number) {
  const fake = fakeDb();
  let refused = 0;
  const db: Transactional<string[]> = {
    async transaction(work) {
      if (refused++ < refusals)
        throw Object.assign(new Error("SQLITE_BUSY: database is locked"), { code: "SQLITE_BUSY" });
      return fake.db.transaction(work);
    },
  };
  return { ...fake, db };
}

test("writes that arrive while a batch waits for another process's lock join that batch", async () => {
  const { db, commits } = lockedDb(3);
  const queue = new WriteQueue(db);
  const write = queue.lane<number, number>(async (tx, inputs) => {
    tx.push(inputs.join(","));
    return inputs;
  });
  const first = write(1);
  await Bun.sleep(2);
  expect(await Promise.all([first, write(2), write(3)])).toEqual([1, 2, 3]);
  expect(commits).toEqual([["1,2,3"]]);
});

test("a batch locked out for its whole budget fails with SQLITE_BUSY at once, not write by write", async () => {
  const { db, commits } = lockedDb(Number.POSITIVE_INFINITY);
  const queue = new WriteQueue(db, 256, { budgetMs: 50 });
  const write = queue.lane<number, number>(async (_tx, inputs) => inputs);
  const started = performance.now();
  const results = await Promise.allSettled([1, 2, 3].map(write));
  // One budget for the batch; retrying each write alone would spend one more per write.
  expect(performance.now() - started).toBeLessThan(100);
  expect(results.map((r) => (r.status === "rejected" ? (r.reason as Error).message : "ok"))).toEqual(
    Array(3).fill("SQLITE_BUSY: database is locked"),
  );
  expect(commits).toEqual([]);
});

/** A lane that writes "<name> <inputs>" into its transaction and answers its inputs. */
function recorder(queue: WriteQueue<string[]>, name: string, options?: LaneOptions) {
  return queue.lane<string, string>(async (tx, inputs) => {
    tx.push(`${name} ${inputs.join(",")}`);
    return inputs;
  }, options);
}

/** A transaction under way ("slow x") until `release` is called, so later writes find the queue busy. */
async function busyWith(queue: WriteQueue<string[]>, input: string) {
  let release: () => void = () => {};
  const slow = queue.lane<string, string>(async (tx, inputs) => {
    tx.push(`slow ${inputs.join(",")}`);
    await new Promise<void>((r) => (release = r));
    return inputs;
  });
  const busy = slow(input);
  await Bun.sleep(5);
  return { busy, release: () => release() };
}

test("a ride-along write arriving while others are written waits for the next durable write and shares its commit", async () => {
  const { db, commits } = fakeDb();
  const queue = new WriteQueue(db);
  const note = recorder(queue, "note", { rideAlongMs: 10_000 });
  const record = recorder(queue, "record");
  const { busy, release } = await busyWith(queue, "x");
  const noted = note("a"); // while another transaction runs
  release();
  await busy;
  await Bun.sleep(20);
  expect(commits).toEqual([["slow x"]]);
  expect(await Promise.all([noted, record("b")])).toEqual(["a", "b"]);
  expect(commits).toEqual([["slow x"], ["note a", "record b"]]);
});

test("a ride-along write in a quiet moment commits at once", async () => {
  const { db, commits } = fakeDb();
  const queue = new WriteQueue(db);
  const note = recorder(queue, "note", { rideAlongMs: 10_000 });
  expect(await note("a")).toBe("a");
  expect(commits).toEqual([["note a"]]);
});

test("a ride-along write with nothing to ride along with commits alone once its wait is over", async () => {
  const { db, commits } = fakeDb();
  const queue = new WriteQueue(db);
  const note = recorder(queue, "note", { rideAlongMs: 30 });
  const { busy, release } = await busyWith(queue, "x");
  const started = performance.now();
  const noted = note("a"); // while another transaction runs, and nothing durable follows it
  release();
  await busy;
  await queue.drain();
  expect(await noted).toBe("a");
  expect(performance.now() - started).toBeGreaterThanOrEqual(29);
  expect(commits).toEqual([["slow x"], ["note a"]]);
});
