// The SQLite store, its write queue and backups: one subpath, `@matchday/shared/db`.
export * from "./backup";
export * from "./json-list";
export { openLocalClient } from "./local-client";
export * from "./per-store";
export * from "./sqlite";
export * from "./store";
export * from "./target";
