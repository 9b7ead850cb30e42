import { type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

/**
 * `column IN (...)` for a batch's values as one JSON parameter. drizzle's inArray writes one
 * placeholder per value, so every batch size is a statement of its own to build and
 * prepare; this text is the same for any size, prepared once (issue 18). For the write
 * paths' batches; an empty list matches nothing, as inArray's does.
 */
export function inJsonList(column: SQLiteColumn, values: readonly (number | string)[]): SQL {
  return sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;
}
