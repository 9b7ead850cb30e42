// What a local SQLite statement takes and gives back, exactly as @libsql/client 0.18.0's
// sqlite3 client converts it (lib-esm/sqlite3.js and @libsql/core's ResultSetImpl), for
// intMode "number", the one the services use: drizzle and callers of `store.client` see
// no difference between the two clients (local-client.test.ts compares them).
import { Buffer } from "node:buffer";
import { type InValue, LibsqlError, type ResultSet, type Row, type Value } from "@libsql/client";
import Database from "libsql";

const MIN_SAFE = -9007199254740991n;
const MAX_SAFE = 9007199254740991n;
const MIN_INT64 = -9223372036854775808n;
const MAX_INT64 = 9223372036854775807n;

/** An argument as SQLite takes it; the same errors for what it cannot take. */
export function valueToSql(value: InValue | undefined): unknown {
  if (typeof value === "number") {
    if (!Number.isFinite(value))
      throw new RangeError("Only finite numbers (not Infinity or NaN) can be passed as arguments");
    return value;
  }
  if (typeof value === "bigint") {
    if (value < MIN_INT64 || value > MAX_INT64)
      throw new RangeError("bigint is too large to be represented as a 64-bit integer and passed as argument");
    return value;
  }
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (value instanceof Date) return value.valueOf();
  if (value === undefined) throw new TypeError("undefined cannot be passed as argument to the database");
  return value;
}

/** A column value as the client gives it: integers (read as bigint) as numbers if safe, blobs as ArrayBuffer. */
function valueFromSql(value: unknown): Value {
  if (typeof value === "bigint") {
    if (value < MIN_SAFE || value > MAX_SAFE)
      throw new RangeError("Received integer which cannot be safely represented as a JavaScript number");
    return Number(value);
  }
  // The client returns the Buffer's own ArrayBuffer, as is.
  if (value instanceof Buffer) return value.buffer as ArrayBuffer;
  return value as Value;
}

/** Builds rows for one column list: named values own and enumerable, indexes and `length` not. */
export type RowMaker = (raw: unknown[]) => Row;

/**
 * The client defines every property of every row with Object.defineProperty (~1.2 µs a
 * 3-column row, measured). Here the named values are plain assignments and the indexes
 * getters on one prototype per column list, over the values held privately (~0.3 µs):
 * `row[i]`, `row.name`, `length`, Object.keys, JSON, spread and for-in read the same.
 * Names that would clash with those getters keep the client's construction.
 */
export function rowMaker(columns: readonly string[]): RowMaker {
  const clashes = columns.some((c) => c === "length" || c === "__proto__" || /^(0|[1-9]\d*)$/.test(c));
  if (clashes) return (raw) => definedRow(raw, columns);
  // First occurrence wins for duplicate names, as in the client.
  const named = columns.flatMap((name, i) => (columns.indexOf(name) === i ? [{ name, i }] : []));
  class NamedRow extends RowValues {
    constructor(raw: unknown[]) {
      super(raw);
      const self = this as unknown as Record<string, unknown>;
      for (const { name, i } of named) self[name] = raw[i];
    }
  }
  for (let i = 0; i < columns.length; i++)
    Object.defineProperty(NamedRow.prototype, i, {
      get(this: RowValues) {
        return RowValues.at(this, i);
      },
    });
  Object.defineProperty(NamedRow.prototype, "length", { value: columns.length });
  return (raw) => {
    for (let i = 0; i < raw.length; i++) raw[i] = valueFromSql(raw[i]);
    return new NamedRow(raw) as unknown as Row;
  };
}

/** The values behind a row's indexes, out of sight of Object.keys, spread and JSON. */
class RowValues {
  readonly #values: unknown[];
  constructor(values: unknown[]) {
    this.#values = values;
  }
  static at(row: RowValues, i: number): unknown {
    return row.#values[i];
  }
}

/** The client's own row construction, kept for column names its shortcut cannot take. */
function definedRow(raw: unknown[], columns: readonly string[]): Row {
  const row = {};
  Object.defineProperty(row, "length", { value: raw.length });
  for (let i = 0; i < raw.length; ++i) {
    const value = valueFromSql(raw[i]);
    Object.defineProperty(row, i, { value });
    const column = columns[i] as string;
    if (!Object.hasOwn(row, column))
      Object.defineProperty(row, column, { value, enumerable: true, configurable: true, writable: true });
  }
  return row as Row;
}

/** @libsql/core's ResultSetImpl: the same fields and the same JSON. */
export class LocalResultSet implements ResultSet {
  constructor(
    public columns: string[],
    public columnTypes: string[],
    public rows: Row[],
    public rowsAffected: number,
    public lastInsertRowid: bigint | undefined,
  ) {}

  toJSON() {
    return {
      columns: this.columns,
      columnTypes: this.columnTypes,
      rows: this.rows.map((row) => Array.prototype.map.call(row, valueToJson)),
      rowsAffected: this.rowsAffected,
      lastInsertRowid: this.lastInsertRowid !== undefined ? `${this.lastInsertRowid}` : null,
    };
  }
}

function valueToJson(value: unknown): unknown {
  if (typeof value === "bigint") return `${value}`;
  if (value instanceof ArrayBuffer) return Buffer.from(value).toString("base64");
  return value;
}

/** A SQLite error as the client throws it: a LibsqlError with the base code, the extended one and the cause. */
export function mapSqliteError(e: unknown): unknown {
  if (!(e instanceof Database.SqliteError)) return e;
  const { rawCode } = e;
  return new LibsqlError(e.message, baseCodeOf(rawCode), e.code, rawCode, e);
}

// Extended codes are base | (extended << 8).
function baseCodeOf(rawCode: number | undefined): string {
  if (rawCode === undefined) return "SQLITE_UNKNOWN";
  const base = rawCode & 0xff;
  return BASE_CODES[base - 1] ?? `SQLITE_UNKNOWN_${base}`;
}

const BASE_CODES = [
  "ERROR",
  "INTERNAL",
  "PERM",
  "ABORT",
  "BUSY",
  "LOCKED",
  "NOMEM",
  "READONLY",
  "INTERRUPT",
  "IOERR",
  "CORRUPT",
  "NOTFOUND",
  "FULL",
  "CANTOPEN",
  "PROTOCOL",
  "EMPTY",
  "SCHEMA",
  "TOOBIG",
  "CONSTRAINT",
  "MISMATCH",
  "NOLFS",
  "AUTH",
  "FORMAT",
  "RANGE",
  "NOTADB",
  "NOTICE",
  "WARNING",
].map((name) => `SQLITE_${name}`);
