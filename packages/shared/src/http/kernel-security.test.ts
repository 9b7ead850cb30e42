import { expect, test } from "bun:test";
import { Type as T } from "@sinclair/typebox";
import { Elysia } from "elysia";
import { defineErrors } from "../errors";
import { createLogger } from "../logger";
import { Registry } from "../metrics";
import { createHttpKernel, refusalResponse } from "./kernel";

// A service's own code beside the generic ones, as a service's errors.ts defines it.
const { AppError } = defineErrors({
  CAMPAIGN_EXHAUSTED: { status: 409, title: "Sold out: every prize of this campaign has been claimed" },
});

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store",
};

function app(options: { hsts?: boolean } = {}) {
  const received: unknown[] = [];
  const kernel = createHttpKernel({
    logger: createLogger({ level: "silent", service: "test" }),
    metrics: new Registry(),
    maxBodyBytes: 1024,
    ...options,
  }).plugin;
  const app = new Elysia()
    .use(kernel)
    .get("/v1/things", () => ({ things: [] }))
    .get("/refused", () => {
      throw new AppError("FORBIDDEN");
    })
    .get("/sold-out", ({ request }) => refusalResponse(request, new AppError("CAMPAIGN_EXHAUSTED")))
    .get("/own-cache", ({ set }) => {
      set.headers["cache-control"] = "max-age=60";
      return "cacheable";
    })
    .get(
      "/page",
      () => new Response("<p>page</p>", { headers: { "content-type": "text/html", "cache-control": "no-cache" } }),
    )
    .post(
      "/echo",
      ({ body }) => {
        received.push(body);
        return body;
      },
      { body: T.Object({ text: T.String() }) },
    );
  return { app, received };
}

const securityHeadersOf = (res: Response) =>
  Object.fromEntries([...res.headers].filter(([name]) => name in SECURITY_HEADERS || name.startsWith("strict-")));

/** A body sent in pieces with no Content-Length, as `Transfer-Encoding: chunked` arrives. */
function chunked(text: string): Request {
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 256) controller.enqueue(bytes.slice(i, i + 256));
      controller.close();
    },
  });
  return new Request("http://localhost/echo", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    duplex: "half",
  } as RequestInit);
}

test("every answer carries the security headers: a result, a thrown and a returned problem, an unknown route, a refused body", async () => {
  const { app: subject } = app();
  const answers = await Promise.all([
    subject.handle(new Request("http://localhost/v1/things")),
    subject.handle(new Request("http://localhost/refused")),
    subject.handle(new Request("http://localhost/sold-out")),
    subject.handle(new Request("http://localhost/nowhere")),
    subject.handle(
      new Request("http://localhost/echo", { method: "POST", body: "x", headers: { "content-type": "text/plain" } }),
    ),
  ]);
  expect(answers.map((res) => res.status)).toEqual([200, 403, 409, 404, 415]);
  for (const res of answers) expect(securityHeadersOf(res)).toEqual(SECURITY_HEADERS);
});

test("a route's own cache policy wins over no-store, whether set on the context or on its Response", async () => {
  const { app: subject } = app();
  const own = await subject.handle(new Request("http://localhost/own-cache"));
  const page = await subject.handle(new Request("http://localhost/page"));
  expect(own.headers.get("cache-control")).toBe("max-age=60");
  expect(page.headers.get("cache-control")).toBe("no-cache");
  expect(page.headers.get("x-frame-options")).toBe("DENY");
});

test("Strict-Transport-Security is sent only by a service that serves HTTPS, on problems too", async () => {
  const plain = await app().app.handle(new Request("http://localhost/v1/things"));
  expect(plain.headers.get("strict-transport-security")).toBeNull();
  const { app: tls } = app({ hsts: true });
  for (const path of ["/v1/things", "/refused", "/nowhere"]) {
    const res = await tls.handle(new Request(`http://localhost${path}`));
    expect(res.headers.get("strict-transport-security")).toBe("max-age=31536000");
  }
});

test("a chunked body past the limit is refused with 413 problem+json and never reaches the route", async () => {
  const { app: subject, received } = app();
  const res = await subject.handle(chunked(JSON.stringify({ text: "x".repeat(4096) })));
  expect(res.status).toBe(413);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  expect(await res.json()).toMatchObject({ code: "PAYLOAD_TOO_LARGE", status: 413 });
  expect(received).toEqual([]);
});

test("a chunked body within the limit is parsed as usual, and broken JSON in one is a 400", async () => {
  const { app: subject, received } = app();
  const ok = await subject.handle(chunked(JSON.stringify({ text: "y".repeat(900) })));
  expect(ok.status).toBe(200);
  expect(received).toEqual([{ text: "y".repeat(900) }]);
  const broken = await subject.handle(chunked('{"text": '));
  expect(broken.status).toBe(400);
  expect(await broken.json()).toMatchObject({ code: "MALFORMED_JSON" });
});

const echo = (type: string) =>
  new Request("http://localhost/echo", {
    method: "POST",
    headers: { "content-type": type },
    body: JSON.stringify({ text: type }),
  });

test("a JSON body is accepted as application/json or application/*+json, with parameters, in any case", async () => {
  const { app: subject, received } = app();
  const types = [
    "application/json",
    "Application/JSON; charset=UTF-8",
    "application/merge-patch+json",
    "APPLICATION/VND.API+JSON;v=1",
  ];
  for (const type of types) expect((await subject.handle(echo(type))).status, type).toBe(200);
  expect(received).toEqual(types.map((text) => ({ text })));
});

test("a media type that only starts like JSON is refused with 415 UNSUPPORTED_MEDIA_TYPE before the route sees it", async () => {
  const { app: subject, received } = app();
  for (const type of [
    "application/jsonfoo",
    "application/json-seq",
    "application/jsonx; charset=utf-8",
    "text/json",
    "application/+json",
  ]) {
    const res = await subject.handle(echo(type));
    expect(res.status, type).toBe(415);
    expect(await res.json()).toMatchObject({ code: "UNSUPPORTED_MEDIA_TYPE", status: 415 });
  }
  expect(received).toEqual([]);
});
