import { afterAll, beforeAll, expect, test } from "bun:test";
import { Type as T } from "@sinclair/typebox";
import { Elysia } from "elysia";
import type { Browser } from "playwright-core";
import { launchBrowser } from "../test-support/browser";
import { apiDocs } from "./api-docs";

const TITLE = "Matchday Docs Under Test";

const app = new Elysia()
  .use(apiDocs({ title: TITLE, version: "1.0.0", description: "A service with one route, for its docs page" }))
  .get("/v1/things/:id", ({ params }) => ({ id: params.id }), {
    params: T.Object({ id: T.String() }),
    detail: { summary: "Read one thing" },
  });
let url: string;
let browser: Browser;

beforeAll(async () => {
  app.listen({ port: 0, hostname: "127.0.0.1" });
  url = `http://127.0.0.1:${app.server?.port}`;
  browser = await launchBrowser();
}, 30_000);
afterAll(async () => {
  await browser?.close();
  await app.stop(true);
});

test("the docs page loads nothing from another origin and carries a strict Content-Security-Policy", async () => {
  const res = await fetch(`${url}/docs`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/html");
  const html = await res.text();
  expect(html).not.toMatch(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i); // no absolute or protocol-relative URL
  const sources = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
  expect(sources.length).toBeGreaterThan(0);
  for (const source of sources) expect(source).toStartWith("/docs/");

  const csp = res.headers.get("content-security-policy") ?? "";
  const directives = Object.fromEntries(
    csp.split(";").map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name, values.join(" ")];
    }),
  );
  expect(directives).toMatchObject({
    "default-src": "'none'",
    "script-src": "'self'",
    "connect-src": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
  });
  expect(csp).not.toMatch(/https?:|\*|'unsafe-eval'/);
});

test("the docs UI's script is served by the service itself, as JavaScript", async () => {
  for (const asset of ["scalar.js", "docs.js"]) {
    const res = await fetch(`${url}/docs/assets/${asset}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/javascript");
    expect((await res.text()).length).toBeGreaterThan(100);
  }
  const bundle = await (await fetch(`${url}/docs/assets/scalar.js`)).text();
  expect(bundle).toContain("createApiReference");
});

test("in a real browser the docs page renders the API with no request leaving the service", async () => {
  const page = await browser.newPage();
  const elsewhere: string[] = [];
  const refused: string[] = [];
  try {
    // Anything not to this service is recorded and refused, as on a network that cannot reach a CDN.
    await page.route("**/*", (route) => {
      const target = route.request().url();
      if (target.startsWith(`${url}/`)) return route.continue();
      elsewhere.push(target);
      return route.abort();
    });
    page.on("console", (message) => {
      if (/Content.Security.Policy/i.test(message.text())) refused.push(message.text());
    });
    await page.goto(`${url}/docs`);
    await page.getByText(TITLE).first().waitFor({ timeout: 20_000 });
    await page.getByText("Read one thing").first().waitFor({ timeout: 10_000 });
    expect(elsewhere).toEqual([]);
    expect(refused).toEqual([]);
  } finally {
    await page.close();
  }
}, 40_000);
