import { closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { type Client, createClient } from "@libsql/client";
import { filePathOf } from "./target";

/** How long a write waits for another process's lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens a libSQL client. For local files it first creates the file owner-only
 * (SQLite gives the -wal and -shm files the same mode), then switches to WAL so
 * readers never block the writer and several processes can share the file.
 */
export async function openDatabase(url: string, authToken?: string): Promise<Client> {
  const path = filePathOf(url);
  if (path && !existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    closeSync(openSync(path, "a", 0o600));
  }
  const client = createClient({ url, authToken, timeout: BUSY_TIMEOUT_MS });
  // WAL is a property of a file on this host; a libSQL server runs its own journal.
  if (path) await client.execute("PRAGMA journal_mode = WAL");
  return client;
}

/** Anything that opens a transaction (drizzle's db does): the write queue needs nothing more. */
export interface Transactional<Tx> {
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
}

/** Decides a batch of inputs inside one transaction; returns one output per input, in order. */
export type BatchProcessor<Tx, In, Out> = (tx: Tx, inputs: In[]) => Promise<Out[]>;

interface Pending<Tx> {
  lane: BatchProcessor<Tx, unknown, unknown>;
  input: unknown;
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
 * its inputs are retried one per transaction so a bad input fails alone.
 */
export class WriteQueue<Tx> {
  private queue: Pending<Tx>[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly db: Transactional<Tx>,
    private readonly maxBatch = 256,
  ) {}

  /** A typed entry point for one kind of write. */
  lane<In, Out>(process: BatchProcessor<Tx, In, Out>): (input: In) => Promise<Out> {
    const lane = process as BatchProcessor<Tx, unknown, unknown>;
    return (input) =>
      new Promise<Out>((resolve, reject) => {
        this.queue.push({ lane, input, resolve: resolve as (value: unknown) => void, reject });
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
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        await this.commit(batch);
      } catch (error) {
        if (batch.length === 1) batch[0]?.reject(error);
        else for (const one of batch) await this.commit([one]).catch(one.reject);
      }
    }
    this.flushing = undefined;
  }

  private async commit(batch: Pending<Tx>[]): Promise<void> {
    const lanes = new Map<BatchProcessor<Tx, unknown, unknown>, Pending<Tx>[]>();
    for (const pending of batch) {
      const group = lanes.get(pending.lane);
      if (group) group.push(pending);
      else lanes.set(pending.lane, [pending]);
    }
    const settled: [Pending<Tx>, unknown][] = [];
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
