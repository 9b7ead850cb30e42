// @libsql/client's Client for a SQLite file on this host, with each statement prepared once
// per connection (local-statements.ts). Everything else is the 0.18.0 sqlite3 client's
// behaviour, reproduced: its own connection pool (a transaction owns its connection; other
// calls meanwhile take another), the same BEGIN per mode, the same errors.
import {
  type Client,
  type InArgs,
  type InStatement,
  LibsqlBatchError,
  LibsqlError,
  type Replicated,
  type ResultSet,
  type Transaction,
  type TransactionMode,
} from "@libsql/client";
// The client's pool, used as it is so that connection ownership stays exactly its own;
// marked @private there, hence the exact @libsql/client version in package.json.
import { ConnectionPool } from "@libsql/client/sqlite3";
import { type Connection, STATEMENT_CACHE_SIZE, Statements } from "./local-statements";
import { isBusy } from "./target";

export interface LocalClientOptions {
  /** Prepared statements kept per connection. */
  statementCacheSize?: number;
}

/** The client's default `concurrency`: connections a client opens at most. */
const MAX_CONNECTIONS = 20;

/** Opens a client on the SQLite file at `path` (no busy timeout, as createClient sets none). */
export function openLocalClient(path: string, options: LocalClientOptions = {}): Client {
  const pool = new ConnectionPool(path, {}, MAX_CONNECTIONS);
  const statements = new Statements(options.statementCacheSize ?? STATEMENT_CACHE_SIZE);
  // Fails at once if the file cannot be opened, as createClient does.
  const db = pool.acquireSync();
  try {
    statements.run(db, "SELECT 1 AS checkThatTheDatabaseCanBeOpened");
  } catch (error) {
    pool.close();
    throw error;
  }
  pool.release(db);
  return new LocalClient(pool, statements);
}

function beginStatement(mode: TransactionMode): string {
  if (mode === "write") return "BEGIN IMMEDIATE";
  if (mode === "read") return "BEGIN TRANSACTION READONLY";
  if (mode === "deferred") return "BEGIN DEFERRED";
  throw RangeError('Unknown transaction mode, supported values are "write", "read" and "deferred"');
}

const statementOf = (stmtOrSql: InStatement | string, args?: InArgs): InStatement =>
  typeof stmtOrSql === "string" ? { sql: stmtOrSql, args: args || [] } : stmtOrSql;

const normalized = (stmt: InStatement | [string, InArgs?]): InStatement =>
  Array.isArray(stmt) ? { sql: stmt[0], args: stmt[1] || [] } : stmt;

/** Runs each statement in turn; a failure carries the failing statement's index, as the client's does. */
function eachOf(stmts: Array<InStatement | [string, InArgs?]>, run: (stmt: InStatement, i: number) => ResultSet) {
  const results: ResultSet[] = [];
  for (let i = 0; i < stmts.length; i++) {
    try {
      results.push(run(normalized(stmts[i] as InStatement), i));
    } catch (e) {
      if (e instanceof LibsqlBatchError || !(e instanceof LibsqlError)) throw e;
      throw new LibsqlBatchError(
        e.message,
        i,
        e.code,
        e.extendedCode,
        e.rawCode,
        e.cause instanceof Error ? e.cause : undefined,
      );
    }
  }
  return results;
}

const rolledBack = (i: number) => new LibsqlBatchError("The transaction has been rolled back", i, "TRANSACTION_CLOSED");

/** Whether `client` is this module's: it deals with lost races for the lock itself. */
export function isLocalClient(client: Client): boolean {
  return client instanceof LocalClient;
}

/**
 * A statement that lost the race for the lock (SQLITE_BUSY) leaves its connection unfit to lend:
 * until that statement runs again, reads there keep an old snapshot and a new BEGIN cannot commit.
 * A transaction's BEGIN, the write queue's every try, keeps its connection waiting for the
 * next transaction that begins the same way, which runs that BEGIN again and so resets it;
 * any other loser (rare: writes outside the queue) has its connection closed and dropped.
 * Replacing every connection after each loss, as @libsql/client is told to, cost one for good
 * each time: a connection closed after it prepared statements stays open in this runtime,
 * ~250 KB and a file handle (measured: 20 lost races kept 80).
 */
function dropIfLockLost(db: Connection, error: unknown): void {
  if (isBusy(error) && db.open) db.close();
}

class LocalClient implements Client {
  closed = false;
  readonly protocol = "file";
  /** The connections open transactions hold: each keeps its own until it commits or rolls back. */
  private readonly heldByTransactions = new Set<Connection>();
  /** Connections whose BEGIN lost the race for the lock, each with that BEGIN. */
  private waiting: { db: Connection; begin: string }[] = [];

  constructor(
    private readonly pool: ConnectionPool,
    private readonly statements: Statements,
  ) {}

  execute(stmt: InStatement): Promise<ResultSet>;
  execute(sql: string, args?: InArgs): Promise<ResultSet>;
  async execute(stmtOrSql: InStatement | string, args?: InArgs): Promise<ResultSet> {
    const stmt = statementOf(stmtOrSql, args);
    return this.borrowNow((db) => this.statements.run(db, stmt));
  }

  async batch(stmts: Array<InStatement | [string, InArgs?]>, mode: TransactionMode = "deferred") {
    // `release` rolls back whatever a failed batch left open.
    return this.borrowNow((db) => this.inOneTransaction(db, mode, stmts));
  }

  /** What drizzle's migrator calls: the statements in one transaction, foreign keys off meanwhile. */
  async migrate(stmts: InStatement[]): Promise<ResultSet[]> {
    return this.borrowNow((db) => {
      try {
        this.statements.run(db, "PRAGMA foreign_keys=off");
        return this.inOneTransaction(db, "deferred", stmts);
      } finally {
        if (db.inTransaction) this.statements.run(db, "ROLLBACK");
        this.statements.run(db, "PRAGMA foreign_keys=on");
        this.statements.schemaChanged();
      }
    });
  }

  async transaction(mode: TransactionMode = "write"): Promise<Transaction> {
    this.checkNotClosed();
    const begin = beginStatement(mode);
    const at = this.waiting.findIndex((w) => w.begin === begin);
    const [waiting] = at >= 0 ? this.waiting.splice(at, 1) : [];
    const db = waiting?.db ?? (await this.pool.acquire(true));
    const release = (used: Connection) => {
      this.heldByTransactions.delete(used);
      this.pool.release(used);
    };
    this.heldByTransactions.add(db);
    try {
      this.checkUsable(db);
      this.statements.run(db, begin);
    } catch (e) {
      // Still held, so still counted against the pool's limit, and lent to no one else.
      if (isBusy(e) && db.open) this.waiting.push({ db, begin });
      else release(db);
      throw e;
    }
    return new LocalTransaction(db, this.statements, release);
  }

  async executeMultiple(sql: string): Promise<void> {
    return this.borrowNow((db) => this.statements.exec(db, sql));
  }

  async sync(): Promise<Replicated> {
    return this.borrow(async (db) => {
      const rep = await db.sync();
      return { frames_synced: rep.frames_synced, frame_no: rep.frame_no };
    });
  }

  /** Drops every connection (and its statements): one that met SQLITE_BUSY may keep a stale snapshot. */
  async reconnect(): Promise<void> {
    this.forgetWaiting();
    this.pool.reopen();
    this.closed = false;
  }

  close(): void {
    this.closed = true;
    this.forgetWaiting();
    this.pool.close();
  }

  /** The pool closes every connection it lent, those waiting to begin included. */
  private forgetWaiting(): void {
    for (const { db } of this.waiting) this.heldByTransactions.delete(db);
    this.waiting = [];
  }

  /** A batch's and a migration's body: BEGIN, each statement while the transaction lasts, COMMIT. */
  private inOneTransaction(db: Connection, mode: TransactionMode, stmts: Array<InStatement | [string, InArgs?]>) {
    this.statements.run(db, beginStatement(mode));
    const results = eachOf(stmts, (stmt, i) => {
      if (!db.inTransaction) throw rolledBack(i);
      return this.statements.run(db, stmt);
    });
    this.statements.run(db, "COMMIT");
    return results;
  }

  /**
   * Lends synchronous `work` a connection and takes it back in the same turn, so calls made
   * together reuse one idle connection. Borrowed across an await, as the client does, each
   * of a burst's concurrent reads found the others' connections still out and opened its
   * own: all 20, each with its own page cache and prepared statements (measured, issue 18).
   * When open transactions hold every connection, the client's own wait (or refusal) applies.
   */
  private async borrowNow<T>(work: (db: Connection) => T): Promise<T> {
    this.checkNotClosed();
    if (this.heldByTransactions.size >= MAX_CONNECTIONS) return this.borrow(work);
    const db = this.pool.acquireSync();
    try {
      this.checkUsable(db);
      return work(db);
    } catch (error) {
      dropIfLockLost(db, error);
      throw error;
    } finally {
      this.pool.release(db);
    }
  }

  /** Lends `work` a connection for one call, as every client call but a transaction borrows one. */
  private async borrow<T>(work: (db: Connection) => T): Promise<Awaited<T>> {
    this.checkNotClosed();
    const db = await this.pool.acquire();
    try {
      this.checkUsable(db);
      return await work(db);
    } catch (error) {
      dropIfLockLost(db, error);
      throw error;
    } finally {
      this.pool.release(db);
    }
  }

  private checkNotClosed(): void {
    if (this.closed) throw new LibsqlError("The client is closed", "CLIENT_CLOSED");
  }

  // close() and reconnect() can land between a borrow and its work.
  private checkUsable(db: Connection): void {
    this.checkNotClosed();
    if (!db.open)
      throw new LibsqlError("The connection was closed while this operation was in flight", "CLIENT_CLOSED");
  }
}

class LocalTransaction implements Transaction {
  // null once the connection has gone back to the pool
  private db: Connection | null;

  constructor(
    db: Connection,
    private readonly statements: Statements,
    private readonly release: (db: Connection) => void,
  ) {
    this.db = db;
  }

  execute(stmt: InStatement): Promise<ResultSet>;
  execute(sql: string, args?: InArgs): Promise<ResultSet>;
  async execute(stmtOrSql: InStatement | string, args?: InArgs): Promise<ResultSet> {
    return this.running(() => this.statements.run(this.open(), statementOf(stmtOrSql, args)));
  }

  async batch(stmts: Array<InStatement | [string, InArgs?]>): Promise<ResultSet[]> {
    return this.running(() => eachOf(stmts, (stmt) => this.statements.run(this.open(), stmt)));
  }

  /** A statement that lost the race for the lock (a deferred transaction's first write) ends the transaction. */
  private running<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (this.db) dropIfLockLost(this.db, error);
      throw error;
    }
  }

  async executeMultiple(sql: string): Promise<void> {
    this.statements.exec(this.open(), sql);
  }

  async rollback(): Promise<void> {
    const db = this.db;
    if (db === null || !db.open) return this.settle();
    try {
      this.open();
      this.statements.run(db, "ROLLBACK");
    } finally {
      this.settle();
    }
  }

  async commit(): Promise<void> {
    try {
      this.statements.run(this.open(), "COMMIT");
    } finally {
      this.settle();
    }
  }

  close(): void {
    const db = this.db;
    if (db === null) return;
    try {
      // Reading `inTransaction` on a connection client.close() closed aborts the process.
      if (db.open && db.inTransaction) this.statements.run(db, "ROLLBACK");
    } finally {
      this.settle();
    }
  }

  get closed(): boolean {
    const db = this.db;
    return db === null || !db.open || !db.inTransaction;
  }

  private open(): Connection {
    if (this.closed) throw new LibsqlError("The transaction is closed", "TRANSACTION_CLOSED");
    return this.db as Connection;
  }

  // Idempotent, so every way out can call it.
  private settle(): void {
    const db = this.db;
    if (db === null) return;
    this.db = null;
    this.release(db);
  }
}
