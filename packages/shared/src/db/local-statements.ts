// Statements on a local connection, each prepared once per connection. @libsql/client's
// sqlite3 client prepares every statement on every call, then asks for its columns twice:
// ~83 µs a point read against ~15 µs for a statement prepared once (measured, issue 18).
import type { InArgs, InStatement, ResultSet } from "@libsql/client";
import type Database from "libsql";
import { LocalResultSet, mapSqliteError, type RowMaker, rowMaker, valueToSql } from "./local-rows";
import { isBusy } from "./target";

export type Connection = Database.Database;
type Statement = ReturnType<Connection["prepare"]>;

/** How many prepared statements a connection keeps: drizzle's IN-lists make texts vary without end. */
export const STATEMENT_CACHE_SIZE = 256;

/** DDL changes what `SELECT *` returns, and cached statements remember their columns. */
const CHANGES_SCHEMA = /^\s*(create|alter|drop)\s/i;

interface Reads {
  columns: string[];
  columnTypes: string[];
  row: RowMaker;
}

interface Prepared {
  statement: Statement;
  /** The columns of a statement that returns rows (a query, or RETURNING); undefined for others. */
  reads: Reads | undefined;
  changesSchema: boolean;
}

function prepare(db: Connection, sql: string): Prepared {
  const statement = db.prepare(sql);
  statement.safeIntegers(true);
  let returnsRows = true;
  try {
    // Throws for a statement that returns no data: the client's test, kept as it is.
    statement.raw(true);
  } catch {
    returnsRows = false;
  }
  return { statement, reads: returnsRows ? describe(statement) : undefined, changesSchema: CHANGES_SCHEMA.test(sql) };
}

function describe(statement: Statement): Reads {
  const described = statement.columns();
  const columns = described.map((c) => c.name);
  return { columns, columnTypes: described.map((c) => c.type ?? ""), row: rowMaker(columns) };
}

/** A connection's prepared statements, the least recently used dropped past `limit`. */
export class StatementCache {
  private readonly entries = new Map<string, Prepared>();
  constructor(
    private readonly db: Connection,
    private readonly limit: number,
    public schemaVersion: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(sql: string): Prepared {
    const hit = this.entries.get(sql);
    if (hit) {
      // Moved to the end: a Map iterates in insertion order, so the first key is the least recent.
      this.entries.delete(sql);
      this.entries.set(sql, hit);
      return hit;
    }
    const prepared = prepare(this.db, sql);
    if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(sql, prepared);
    return prepared;
  }

  delete(sql: string): void {
    this.entries.delete(sql);
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Runs statements on a client's connections, converting arguments, rows and errors as @libsql/client does. */
export class Statements {
  private readonly caches = new WeakMap<Connection, StatementCache>();
  private schemaVersion = 0;

  constructor(private readonly cacheSize = STATEMENT_CACHE_SIZE) {}

  cacheOf(db: Connection): StatementCache {
    let cache = this.caches.get(db);
    if (!cache) {
      cache = new StatementCache(db, this.cacheSize, this.schemaVersion);
      this.caches.set(db, cache);
    } else if (cache.schemaVersion !== this.schemaVersion) {
      cache.clear();
      cache.schemaVersion = this.schemaVersion;
    }
    return cache;
  }

  run(db: Connection, stmt: InStatement | string): ResultSet {
    const sql = typeof stmt === "string" ? stmt : stmt.sql;
    const args = typeof stmt === "string" ? [] : argsToSql(stmt.args);
    const cache = this.cacheOf(db);
    try {
      const prepared = cache.get(sql);
      try {
        return this.execute(prepared, args);
      } catch (error) {
        const mapped = mapSqliteError(error);
        // One that lost the race for a lock (SQLITE_BUSY) is left unfinished, and its connection
        // keeps the snapshot it had until it runs again, which resets it: it stays, for that run
        // (local-client.ts). Others are dropped, as the client drops every statement after one call.
        if (!isBusy(mapped)) cache.delete(sql);
        throw mapped;
      }
    } catch (error) {
      throw mapSqliteError(error);
    }
  }

  /** Several statements in one string, not prepared: migrations and tools. */
  exec(db: Connection, sql: string): void {
    try {
      db.exec(sql);
    } catch (error) {
      throw mapSqliteError(error);
    } finally {
      this.schemaChanged();
    }
  }

  /** Drops every connection's statements (lazily, on its next use). */
  schemaChanged(): void {
    this.schemaVersion++;
  }

  private execute(prepared: Prepared, args: object): ResultSet {
    const { statement, changesSchema } = prepared;
    let { reads } = prepared;
    if (reads) {
      const raw = statement.all(args) as unknown[][];
      // Another process's DDL re-prepares the statement under us (SQLite does that
      // itself): a `SELECT *` then has other columns than the ones remembered.
      if (raw.length > 0 && raw[0]?.length !== reads.columns.length) reads = prepared.reads = describe(statement);
      const rows = raw.map(reads.row);
      // Copies, as the client gives each result its own: a caller may change them.
      return new LocalResultSet(reads.columns.slice(), reads.columnTypes.slice(), rows, 0, undefined);
    }
    const info = statement.run(args);
    if (changesSchema) this.schemaChanged();
    return new LocalResultSet([], [], [], info.changes, BigInt(info.lastInsertRowid));
  }
}

/** Positional arguments as an array; named ones with their `@`, `$` or `:` dropped, as the client does. */
function argsToSql(args: InArgs | undefined): object {
  if (Array.isArray(args)) return args.map(valueToSql);
  const named: Record<string, unknown> = {};
  for (const name in args) {
    const first = name[0];
    named[first === "@" || first === "$" || first === ":" ? name.substring(1) : name] = valueToSql(args[name]);
  }
  return named;
}
