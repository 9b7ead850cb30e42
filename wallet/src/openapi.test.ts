import { afterAll, beforeAll, expect, test } from "bun:test";
import SwaggerParser from "@apidevtools/swagger-parser";
import { startWalletInProcess, type WalletUnderTest } from "@matchday/testkit/wallet";

let wallet: WalletUnderTest;
beforeAll(async () => {
  wallet = await startWalletInProcess();
});
afterAll(() => wallet.dispose());

type OpenApiDoc = { openapi: string; paths: Record<string, Record<string, unknown>> };

test("the OpenAPI document is valid for an independent validator and lists every API route", async () => {
  const res = await fetch(`${wallet.url}/docs/json`);
  expect(res.status).toBe(200);
  const doc = (await res.json()) as OpenApiDoc;
  await SwaggerParser.validate(structuredClone(doc) as never);
  expect(doc.openapi).toStartWith("3.");

  const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => `${method.toUpperCase()} ${path.replaceAll(/\{(\w+)\}/g, ":$1")}`),
  );
  const served = wallet.app.routes.map((r) => `${r.method} ${r.path}`).filter((r) => !r.startsWith("GET /docs"));
  expect(documented.sort()).toEqual(served.sort());
});

test("the docs UI is served at /docs", async () => {
  const res = await fetch(`${wallet.url}/docs`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/html");
});
