import { closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type Client, createClient } from "@libsql/client";
import { isLocalClient, openLocalClient } from "./local-client";
import { filePathOf, isBusy } from "./target";

/** How long a write waits for another process's lock before failing with SQLITE_BUSY. */
export const BUSY_BUDGET_MS = 5_000;
/** The longest single pause between two tries for the lock. */
const MAX_BUSY_PAUSE_MS = 20;

/** How a write waits for another process's lock: for how long, and what to do after each refusal. */
export interface BusyPolicy {
  budgetMs?: number;
  /**
   * Called after each SQLITE_BUSY, before the next try. A libSQL connection whose
   * statement failed with SQLITE_BUSY keeps a read snapshot until that statement is
   * finalized, so every later BEGIN IMMEDIATE on it fails too (SQLITE_BUSY_SNAPSHOT,
   * measured): the client must drop its connections (`reconnect`).
   */
  recover?: () => unknown;
}

/**
 * The policy for a local file's client: after each refusal, @libsql/client's own drops its
 * connections (see `recover`); ours keeps a connection that lost away from everyone else itself.
 */
export const localBusyPolicy = (client: Client): BusyPolicy =>
  isLocalClient(client) ? {} : { recover: () => client.reconnect() };

/**
 * Runs `work` again while SQLite answers SQLITE_BUSY, pausing on timers (jittered,
 * growing to MAX_BUSY_PAUSE_MS) until the budget is spent, then lets the last
 * SQLITE_BUSY through. SQLite's own busy timeout sleeps the thread, which for libSQL
 * is the event loop: with several processes on one file each froze for whole
 * seconds (measured). So clients have none, and whatever takes the write lock waits
 * here. `work` must be safe to repeat: a transaction that failed rolled back.
 */
export async function retryWhileBusy<T>(work: () => Promise<T>, policy: BusyPolicy = {}): Promise<T> {
  const deadline = performance.now() + (policy.budgetMs ?? BUSY_BUDGET_MS);
  for (let pause = 1; ; pause = Math.min(pause * 2, MAX_BUSY_PAUSE_MS)) {
    try {
      return await work();
    } catch (error) {
      if (!isBusy(error)) throw error;
      await policy.recover?.();
      const left = deadline - performance.now();
      if (left <= 0) throw error;
      // Jitter, so processes that collided do not all come back at the same moment.
      await sleep(Math.min(left, pause * (0.5 + Math.random() / 2)));
    }
  }
}

/**
 * Opens a libSQL client. For local files it first creates the file owner-only
 * (SQLite gives the -wal and -shm files the same mode), then switches to WAL so
 * readers never block the writer and several processes can share the file. It
 * sets no busy timeout (see retryWhileBusy): WAL readers never wait for a lock.
 * A file is opened with the local client, which prepares each statement once; a URL
 * with an authority (`file://`) or query parameters is left to createClient, which checks them.
 */
export async function openDatabase(url: string, authToken?: string): Promise<Client> {
  const path = filePathOf(url);
  if (path && !existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    closeSync(openSync(path, "a", 0o600));
  }
  const client = path && isPlainFileUrl(url) ? openLocalClient(path) : createClient({ url, authToken });
  // WAL is a property of a file on this host; a libSQL server runs its own journal.
  // Switching a new file to WAL writes it, and another process may be doing the same.
  if (path) await retryWhileBusy(() => client.execute("PRAGMA journal_mode = WAL"), localBusyPolicy(client));
  return client;
}

const isPlainFileUrl = (url: string) => !url.startsWith("file://") && !url.includes("?");

/** Anything that opens a transaction (drizzle's db does): the write queue needs nothing more. */
export interface Transactional<Tx> {
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
}

/** Decides a batch of inputs inside one transaction; returns one output per input, in order. */
export type BatchProcessor<Tx, In, Out> = (tx: Tx, inputs: In[]) => Promise<Out[]>;

/** How a lane's writes may wait. */
export interface LaneOptions {
  /**
   * For writes whose loss in a crash is already recovered from (a note of what another
   * system answered, which a retry learns again): each waits up to this long for a
   * durable write to share its transaction, and so its commit and fsync, instead of
   * paying one of its own, when it arrives while other writes are under way. During a
   * burst one is always due within milliseconds; in a quiet moment it commits at once.
   */
  rideAlongMs?: number;
}

interface Pending<Tx> {
  lane: BatchProcessor<Tx, unknown, unknown>;
  input: unknown;
  /** When this write must commit (performance.now()); 0: at the next transaction. */
  dueAt: number;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * The process's single writer, with group commit. Many concurrent transactions on
 * one libSQL client fail (SQLITE_BUSY / TRANSACTION_ACTIVE, measured), a busy wait
 * blocks the event loop, and each libSQL statement costs ~0.1 ms, so every write
 * goes through this queue. Each kind of write is a lane with a set-based batch
 * processor; whatever queued up while one transaction ran becomes the next
 * transaction, each lane's inputs handed to its processor in arrival order. No
 * promise settles before its transaction has committed. If a transaction fails,
 * its inputs are retried one per transaction so a bad input fails alone; if it found
 * another process holding the lock all along, they all fail with that SQLITE_BUSY.
 */
export class WriteQueue<Tx> {
  private queue: Pending<Tx>[] = [];
  private flushing: Promise<void> | undefined;
  /** Ends the wait of a queue holding only ride-along writes, when a durable one arrives. */
  private wake: (() => void) | undefined;

  constructor(
    private readonly db: Transactional<Tx>,
    private readonly maxBatch = 256,
    private readonly busy: BusyPolicy = {},
  ) {}

  /** A typed entry point for one kind of write. */
  lane<In, Out>(process: BatchProcessor<Tx, In, Out>, options: LaneOptions = {}): (input: In) => Promise<Out> {
    const lane = process as BatchProcessor<Tx, unknown, unknown>;
    const { rideAlongMs } = options;
    return (input) =>
      new Promise<Out>((resolve, reject) => {
        // Only while other writes are under way: in a quiet moment there is nobody to wait for.
        const dueAt = rideAlongMs === undefined || !this.flushing ? 0 : performance.now() + rideAlongMs;
        this.queue.push({ lane, input, dueAt, resolve: resolve as (value: unknown) => void, reject });
        if (dueAt === 0) this.wake?.();
        this.flushing ??= this.flush();
      });
  }

  /** Resolves when everything submitted so far has committed (or failed). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      // libSQL calls are synchronous, so a transaction runs entirely in microtasks and
      // would starve the I/O that delivers the next requests: every batch would hold
      // one write (measured: ~700/s instead of ~4,500/s over HTTP). One macrotask
      // turn lets requests that are already arriving join this batch.
      await new Promise((resolve) => setImmediate(resolve));
      await this.untilDue();
      const batch: Pending<Tx>[] = [];
      // While another process holds the lock, writes that arrive meanwhile join this batch.
      const topUpAndCommit = () => {
        batch.push(...this.queue.splice(0, this.maxBatch - batch.length));
        return this.commit(batch);
      };
      try {
        await retryWhileBusy(topUpAndCommit, this.busy);
      } catch (error) {
        if (batch.length === 1 || isBusy(error)) for (const one of batch) one.reject(error);
        else for (const one of batch) await retryWhileBusy(() => this.commit([one]), this.busy).catch(one.reject);
      }
    }
    this.flushing = undefined;
  }

  /** Waits while every queued write may still wait for a durable one to ride along with. */
  private async untilDue(): Promise<void> {
    for (;;) {
      let dueAt = Number.POSITIVE_INFINITY;
      for (const pending of this.queue) dueAt = Math.min(dueAt, pending.dueAt);
      const wait = dueAt - performance.now();
      if (wait <= 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private async commit(batch: Pending<Tx>[]): Promise<void> {
    const lanes = new Map<BatchProcessor<Tx, unknown, unknown>, Pending<Tx>[]>();
    for (const pending of batch) {
      const group = lanes.get(pending.lane);
      if (group) group.push(pending);
      else lanes.set(pending.lane, [pending]);
    }
    const settled: [Pending<Tx>, unknown][] = [];
    // The transaction begins IMMEDIATE (libSQL's "write" mode, drizzle's default), so
    // another process's lock shows as SQLITE_BUSY at BEGIN, before any lane has run.
    await this.db.transaction(async (tx) => {
      for (const [lane, group] of lanes) {
        const outputs = await lane(
          tx,
          group.map((p) => p.input),
        );
        if (outputs.length !== group.length)
          throw new Error(`a batch of ${group.length} gave ${outputs.length} outputs`);
        for (const [i, pending] of group.entries()) settled.push([pending, outputs[i]]);
      }
    });
    for (const [pending, output] of settled) pending.resolve(output);
  }
}
