import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type DiscountStack, type DiscountUnderTest, startDiscountStack } from "@matchday/testkit/discount";
import { bearer, TEST_METRICS_TOKEN } from "@matchday/testkit/http";

let stack: DiscountStack;
let discount: DiscountUnderTest;
let admin: Record<string, string>;
let service: Record<string, string>;
let soldOutCode: string;
/** What Prometheus sends: /metrics is not public. */
const prometheus = { authorization: `Bearer ${TEST_METRICS_TOKEN}` };

beforeAll(async () => {
  stack = await startDiscountStack();
  ({ discount } = stack);
  admin = await bearer("admin");
  service = await bearer("service");
  soldOutCode = await fullCampaign();
});
afterAll(() => stack?.dispose());

async function newCampaign(maxRedemptions: number): Promise<string> {
  const res = await fetch(`${discount.url}/v1/campaigns`, {
    method: "POST",
    headers: { ...admin, "content-type": "application/json" },
    body: JSON.stringify({ name: "fast path", amount: 1_000, maxRedemptions }),
  });
  return ((await res.json()) as { code: string }).code;
}

function redeemRequest(body: unknown, headers: Record<string, string> = service): Request {
  return new Request(`${discount.url}/v1/redeem`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** Over the socket: the listener's routes, so the fast path sees it first. */
const overHttp = (request: Request) => fetch(request);
/** Straight into the app: Elysia's router and hooks only, never the listener's fast path. */
const routed = (request: Request) => discount.app.handle(request);

/** A cap-1 campaign with its winner, whose sold-out state this instance has learnt. */
async function fullCampaign(): Promise<string> {
  const code = await newCampaign(1);
  expect((await overHttp(redeemRequest({ code, phone: "09121230000" }))).status).toBe(201);
  expect((await overHttp(redeemRequest({ code, phone: "09121230001" }))).status).toBe(409);
  await Bun.sleep(50); // the sold-out book loads the winners from the gate
  return code;
}

async function metric(line: string): Promise<number> {
  const text = await (await fetch(`${discount.url}/metrics`, { headers: prometheus })).text();
  const found = text.split("\n").find((l) => l.startsWith(line));
  return found ? Number(found.slice(line.length).trim()) : 0;
}

const SOLD_OUT_REQUESTS = 'http_requests_total{method="POST",route="/v1/redeem",status="409"}';

/** What a client can see of an answer, minus what differs per request. */
async function visible(response: Response) {
  const headers = Object.fromEntries(
    [...response.headers].filter(([name]) => !["date", "content-length", "x-request-id"].includes(name)),
  );
  const body = (await response.json()) as Record<string, unknown>;
  if (!("requestId" in body)) return { status: response.status, headers, body };
  expect(body.requestId).toBe(response.headers.get("x-request-id") as string);
  return { status: response.status, headers, body: { ...body, requestId: "<id>" } };
}

describe("no winner oracle (DESIGN §3.7)", () => {
  const WINNER = "09121230000";
  const garbage = { authorization: "Bearer x" };
  /** A syntactically valid token whose signature is wrong: its claims name the phone but prove nothing. */
  const forged = async (phone: string) => {
    const [header, , signature] = (await bearer("user", phone)).authorization.split(" ")[1]?.split(".") ?? [];
    const claims = Buffer.from(JSON.stringify({ sub: phone, role: "user", exp: 4_000_000_000 })).toString("base64url");
    return { authorization: `Bearer ${header}.${claims}.${signature}` };
  };

  test("an unverified caller hears the same answer for a winner's phone as for a loser's, over the socket and routed", async () => {
    // Each caller proves nothing: the phone is in the body under a garbage token, or in a forged token's claims.
    const callers: Record<string, (phone: string) => Promise<Request>> = {
      "a garbage token": async (phone) => redeemRequest({ code: soldOutCode, phone }, garbage),
      "a forged user token": async (phone) => redeemRequest({ code: soldOutCode }, await forged(phone)),
    };
    for (const [name, request] of Object.entries(callers)) {
      for (const send of [overHttp, routed]) {
        const answers = [];
        for (const phone of [WINNER, "09121230099"]) {
          const res = await send(await request(phone));
          answers.push({ name, status: res.status, code: ((await res.json()) as { code?: string }).code });
        }
        expect(answers[0]).toEqual(answers[1] as (typeof answers)[number]);
        expect(answers[0]?.status).toBe(401);
      }
    }
  });

  test("a verified caller still hears sold out from the fast path, and the winner their result", async () => {
    const loser = await overHttp(redeemRequest({ code: soldOutCode }, await bearer("user", "09121230098")));
    expect(loser.status).toBe(409);
    const winner = await overHttp(redeemRequest({ code: soldOutCode }, await bearer("user", WINNER)));
    expect(winner.status).toBe(200);
    expect(((await winner.json()) as { rank: number }).rank).toBe(1);
  });
});

describe("the sold-out fast path", () => {
  test("a loser's answer over the socket is the routed answer: status, headers, body and metrics", async () => {
    const before = await metric(SOLD_OUT_REQUESTS);
    const fast = await visible(await overHttp(redeemRequest({ code: soldOutCode, phone: "09121230002" })));
    const viaRouter = await visible(await routed(redeemRequest({ code: soldOutCode, phone: "09121230003" })));

    expect(fast).toEqual(viaRouter);
    expect(fast.status).toBe(409);
    expect(fast.body.code).toBe("CAMPAIGN_EXHAUSTED");
    expect(fast.headers["content-type"]).toBe("application/problem+json");
    expect(fast.headers["x-content-type-options"]).toBe("nosniff");
    expect(await metric(SOLD_OUT_REQUESTS)).toBe(before + 2);
  });

  test("an incoming X-Request-Id is honoured in the header and the body", async () => {
    const res = await overHttp(
      redeemRequest({ code: soldOutCode, phone: "09121230004" }, { ...service, "x-request-id": "trace-42" }),
    );
    expect(res.headers.get("x-request-id")).toBe("trace-42");
    expect(((await res.json()) as { requestId: string }).requestId).toBe("trace-42");
  });

  test("everything it does not answer reaches the route unchanged, with the same answers as routed", async () => {
    const open = await newCampaign(100);
    const cases: [string, Request, Request][] = [];
    const both = (name: string, make: () => Request) => cases.push([name, make(), make()]);
    both("the winner's repeat", () => redeemRequest({ code: soldOutCode, phone: "09121230000" }));
    both("an open campaign", () => redeemRequest({ code: open, phone: "09121230010" }));
    both("an unknown code", () => redeemRequest({ code: "NOSUCH23", phone: "09121230011" }));
    both("an extra field", () => redeemRequest({ code: soldOutCode, phone: "09121230012", extra: 1 }));
    both("a bad phone", () => redeemRequest({ code: soldOutCode, phone: "12" }));
    both("no token", () => redeemRequest({ code: soldOutCode, phone: "09121230013" }, {}));
    both("malformed JSON", () => redeemRequest('{"code":'));
    for (const [name, overSocket, viaRouter] of cases) {
      const a = await visible(await overHttp(overSocket)).catch((e) => ({ error: String(e) }));
      const b = await visible(await routed(viaRouter)).catch((e) => ({ error: String(e) }));
      // The open campaign's second request is that phone's repeat: same rank, 200 instead of 201.
      if (name === "an open campaign") {
        expect([a, b].map((r) => ("status" in r ? r.status : 0))).toEqual([201, 200]);
        continue;
      }
      expect({ name, ...a }).toEqual({ name, ...b });
    }
  });

  test("a request it hands on keeps its client address for the per-address rate limit", async () => {
    const open = await newCampaign(100);
    // Routed requests in other tests have no socket ("unknown"): start from no limiter keys.
    const old = await discount.redis.keys("rl:redeem:ip:*");
    if (old.length > 0) await discount.redis.del(...old);
    expect((await overHttp(redeemRequest({ code: open, phone: "09121230020" }))).status).toBe(201);
    const keys = await discount.redis.keys("rl:redeem:ip:*");
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((key) => key.includes("127.0.0.1"))).toBe(true);
  });
});
