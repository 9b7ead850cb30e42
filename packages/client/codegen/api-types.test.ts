import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { renderedRouteFiles } from "./sources";

test("the route types the package ships are what the services' OpenAPI documents say today", async () => {
  for (const { path, text } of await renderedRouteFiles()) {
    // Stale? Run `bun packages/client/codegen/generate.ts` and review the diff.
    expect(readFileSync(path, "utf8"), path).toBe(text);
  }
}, 30_000);
