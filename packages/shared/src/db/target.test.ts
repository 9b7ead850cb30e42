import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { envReader } from "../env";
import { backupDatabase, REMOTE_BACKUP_REMEDY } from "./backup";
import {
  databaseRefusal,
  isDatabaseUnreachable,
  LocalDatabaseOnlyError,
  localDatabasePath,
  readDatabaseTarget,
  redactDatabaseUrl,
} from "./target";

const dir = mkdtempSync(join(tmpdir(), "matchday-target-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function read(env: Record<string, string>) {
  const reader = envReader(env);
  const target = readDatabaseTarget(reader, "WALLET_DATABASE_URL", "file:data/wallet.db");
  reader.done();
  return target;
}

test("a local file, a libSQL server over HTTP(S) and one over WebSockets are all accepted", () => {
  for (const url of ["file:data/x.db", "libsql://db.example.test", "https://h:8080", "http://h", "ws://h", "wss://h"]) {
    expect(read({ WALLET_DATABASE_URL: url }).url).toBe(url);
  }
  expect(() => read({ WALLET_DATABASE_URL: "postgres://h/db" })).toThrow(
    /WALLET_DATABASE_URL must use file: or libsql:/,
  );
});

test("the auth token is read beside the URL, and refused beside a local file it could not be for", () => {
  const token = "eyJhbGciOiJFZERTQSJ9.e30.sig";
  expect(read({ WALLET_DATABASE_URL: "libsql://db.example.test", WALLET_DATABASE_AUTH_TOKEN: token })).toEqual({
    url: "libsql://db.example.test",
    authToken: token,
  });
  expect(read({}).authToken).toBeUndefined();
  expect(() => read({ WALLET_DATABASE_AUTH_TOKEN: token })).toThrow(
    "WALLET_DATABASE_AUTH_TOKEN is for a libSQL server, but WALLET_DATABASE_URL is a local file",
  );
});

test("a database URL in a message keeps its host and path but never a token", () => {
  expect(redactDatabaseUrl("libsql://user:pw@db.example.test/ns?authToken=secret")).toBe("libsql://db.example.test/ns");
  expect(redactDatabaseUrl("file:data/x.db?mode=ro")).toBe("file:data/x.db");
  expect(redactDatabaseUrl("nonsense")).toBe("(not a URL)");
});

test("a file-only feature gets the local path, and a typed refusal naming the variable for a server", () => {
  expect(localDatabasePath("file:data/x.db", "V", "f", "r")).toBe("data/x.db");
  let refusal: unknown;
  try {
    localDatabasePath("https://db.example.test?authToken=secret", "DISCOUNT_DATABASE_URL", "a backup", "do X");
  } catch (error) {
    refusal = error;
  }
  expect(refusal).toBeInstanceOf(LocalDatabaseOnlyError);
  expect((refusal as LocalDatabaseOnlyError).code).toBe("LOCAL_DATABASE_ONLY");
  expect((refusal as Error).message).toBe(
    "a backup needs a SQLite file on this host, but DISCOUNT_DATABASE_URL is https://db.example.test, not a file here: do X",
  );
});

test("VACUUM INTO is never sent to a server, where it would write the copy on the server's own disk", async () => {
  // Refused before connecting: nothing listens on this port.
  await expect(backupDatabase("http://127.0.0.1:9", join(dir, "copy.db"))).rejects.toThrow(REMOTE_BACKUP_REMEDY);
  expect(readdirSync(dir)).toEqual([]);
});

test("a server that cannot be reached or refuses the token is told apart from any other error, through drizzle's wrapper", () => {
  const wrapped = (cause: object) => Object.assign(new Error("Failed query: CREATE TABLE ..."), { cause });
  const refused = Object.assign(new TypeError("Unable to connect."), { code: "ECONNREFUSED" });
  expect(isDatabaseUnreachable(wrapped(refused))).toBe(true);
  expect(databaseRefusal(wrapped(refused))).toBe("its libSQL server cannot be reached (Unable to connect.)");
  const unauthorized = Object.assign(new Error("Server returned HTTP status 401"), { status: 401 });
  expect(databaseRefusal(wrapped({ code: "SERVER_ERROR", cause: unauthorized }))).toBe(
    "its libSQL server refused the credentials (HTTP 401): check *_DATABASE_AUTH_TOKEN",
  );
  const constraint = Object.assign(new Error("UNIQUE constraint failed"), { code: "SQLITE_CONSTRAINT" });
  expect(isDatabaseUnreachable(wrapped(constraint))).toBe(false);
  expect(databaseRefusal(wrapped(constraint))).toBeUndefined();
});
