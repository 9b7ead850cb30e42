import { afterAll, expect, test } from "bun:test";
import { makeTempDatabase } from "@matchday/testkit/database";
import { drizzle } from "drizzle-orm/libsql";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { inJsonList } from "./json-list";
import { openDatabase } from "./sqlite";

const things = sqliteTable("things", { id: integer("id").primaryKey(), name: text("name").notNull() });
const NAMES = ["plain", "+989120000001", 'quote " and \\ backslash', "ایران", "emoji 🏆", "it's"];

const file = await makeTempDatabase();
const client = await openDatabase(file.url);
const db = drizzle(client);
await client.execute("CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
for (const [i, name] of NAMES.entries())
  await client.execute({ sql: "INSERT INTO things VALUES (?, ?)", args: [i + 1, name] });
afterAll(() => {
  client.close();
  file.dispose();
});

const idsWhere = async (where: ReturnType<typeof inJsonList>) =>
  (await db.select({ id: things.id }).from(things).where(where).orderBy(things.id)).map((r) => r.id);

test("it matches exactly the listed numbers, ignoring ones that are not there", async () => {
  expect(await idsWhere(inJsonList(things.id, [2, 4, 99]))).toEqual([2, 4]);
});

test("it matches text values exactly, quotes, backslashes and non-Latin letters included", async () => {
  expect(await idsWhere(inJsonList(things.name, NAMES.slice(1)))).toEqual([2, 3, 4, 5, 6]);
  expect(await idsWhere(inJsonList(things.name, ["PLAIN", "plain "]))).toEqual([]);
});

test("an empty list matches nothing", async () => {
  expect(await idsWhere(inJsonList(things.id, []))).toEqual([]);
});

test("a list longer than SQLite's limit on placeholders is still one parameter", async () => {
  const many = Array.from({ length: 40_000 }, (_, i) => i + 1);
  expect(await idsWhere(inJsonList(things.id, many))).toEqual([1, 2, 3, 4, 5, 6]);
});
