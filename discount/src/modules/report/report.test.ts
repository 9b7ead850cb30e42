import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type DiscountStack, type DiscountUnderTest, startDiscountStack } from "@matchday/testkit/discount";
import { bearer } from "@matchday/testkit/http";
import { type ServiceProcess, waitFor } from "@matchday/testkit/processes";
import type { Report } from "./model";

let wallet: ServiceProcess;
let stack: DiscountStack;
let discount: DiscountUnderTest;
let admin: Record<string, string>;
let service: Record<string, string>;

beforeAll(async () => {
  stack = await startDiscountStack();
  ({ discount, wallet } = stack);
  admin = await bearer("admin");
  service = await bearer("service");
});
afterAll(() => stack?.dispose());

let phones = 0;
const nextPhone = () => `0912300${String(++phones).padStart(4, "0")}`;

async function newCampaign(maxRedemptions: number): Promise<string> {
  const res = await fetch(`${discount.url}/v1/campaigns`, {
    method: "POST",
    headers: { ...admin, "content-type": "application/json" },
    body: JSON.stringify({ name: "گزارش", amount: 1_000_000, maxRedemptions }),
  });
  return ((await res.json()) as { code: string }).code;
}

async function redeem(code: string, phone = nextPhone()) {
  const res = await fetch(`${discount.url}/v1/redeem`, {
    method: "POST",
    headers: { ...service, "content-type": "application/json" },
    body: JSON.stringify({ code, phone }),
  });
  return { status: res.status, body: (await res.json()) as { rank?: number; phone?: string } };
}

async function report(code: string, query = "") {
  const res = await fetch(`${discount.url}/v1/campaigns/${code}/report${query}`, { headers: admin });
  return { res, body: (await res.json()) as Report & { code: string } };
}

describe("report", () => {
  test("a campaign nobody redeemed yet reports its cap as remaining and no winners", async () => {
    const code = await newCampaign(5);
    const { res, body } = await report(code.toLowerCase());
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ code, cap: 5, redeemed: 0, remaining: 5, credited: 0, pending: 0, failed: 0 });
    expect(body).toMatchObject({
      soldOutAt: null,
      firstRedeemedAt: null,
      winners: [],
      nextCursor: "0",
      hasMore: false,
    });
  });

  test("winners come in rank order with their credit status, and sold-out time is the last winner's", async () => {
    const code = await newCampaign(3);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await redeem(code));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 409]);

    // The wallet's answer is noted after the winner hears it (ride-along settle): within moments.
    await waitFor("every winner noted credited", async () => (await report(code)).body.credited === 3, 2_000);
    const { body } = await report(code);
    expect(body).toMatchObject({ redeemed: 3, remaining: 0, credited: 3, pending: 0, failed: 0, hasMore: false });
    const told = answers.slice(0, 3).map((a) => [a.body.rank, a.body.phone, "credited"]);
    expect(body.winners.map((w): unknown[] => [w.rank, w.phone, w.status])).toEqual(told);
    expect(body.soldOutAt).toBe(body.winners[2]?.redeemedAt as string);
    expect(body.firstRedeemedAt).toBe(body.winners[0]?.redeemedAt as string);
  });

  test("the cursor pages through winners and then fetches only the ones that arrived since", async () => {
    const code = await newCampaign(10);
    for (let i = 0; i < 3; i++) await redeem(code);
    const first = (await report(code, "?limit=2")).body;
    expect(first.winners.map((w) => w.rank)).toEqual([1, 2]);
    expect(first).toMatchObject({ nextCursor: "2", hasMore: true, redeemed: 3 });

    const second = (await report(code, `?limit=2&cursor=${first.nextCursor}`)).body;
    expect(second.winners.map((w) => w.rank)).toEqual([3]);
    expect(second).toMatchObject({ nextCursor: "3", hasMore: false });

    const idle = (await report(code, `?cursor=${second.nextCursor}`)).body;
    expect(idle).toMatchObject({ winners: [], nextCursor: "3", hasMore: false });
    await redeem(code);
    const news = (await report(code, `?cursor=${idle.nextCursor}`)).body;
    expect(news.winners.map((w) => w.rank)).toEqual([4]);
  });

  test("a credit the wallet refuses for good is counted as failed and shows why", async () => {
    const code = await newCampaign(2);
    const phone = "09123009999";
    // Someone already used this winner's idempotency key for another amount: the wallet answers 409.
    await fetch(`${wallet.url}/v1/wallets/${phone}/credits`, {
      method: "POST",
      headers: { ...service, "content-type": "application/json", "idempotency-key": `gift:${code}:+989123009999` },
      body: JSON.stringify({ amount: 5 }),
    });
    expect((await redeem(code, phone)).status).toBe(201);
    await Bun.sleep(50); // the wallet's answer is recorded just after the client's
    const { body } = await report(code);
    expect(body).toMatchObject({ redeemed: 1, failed: 1, credited: 0 });
    expect(body.winners[0]?.failure).toContain("IDEMPOTENCY_KEY_REUSED");
  });

  test("?format=csv streams every winner with a header row, the same as the JSON", async () => {
    const code = await newCampaign(3);
    for (let i = 0; i < 3; i++) await redeem(code);
    const res = await fetch(`${discount.url}/v1/campaigns/${code}/report?format=csv&limit=1`, { headers: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/csv");
    expect(res.headers.get("content-disposition")).toContain(`${code}-winners.csv`);
    const lines = (await res.text()).trimEnd().split("\r\n");
    expect(lines[0]).toBe("rank,phone,redeemed_at,status,credited_at,failure,voided_at,voided_by,void_reason");
    const { body } = await report(code);
    expect(lines.slice(1)).toEqual(
      body.winners.map((w) => [w.rank, w.phone, w.redeemedAt, w.status, w.creditedAt, "", "", "", ""].join(",")),
    );
  });

  test("bad queries, unknown codes and non-admins are refused with problem+json", async () => {
    const code = await newCampaign(1);
    const cases: [string, Record<string, string>, number, string][] = [
      [`/${code}/report?cursor=-1`, admin, 422, "VALIDATION_FAILED"],
      [`/${code}/report?limit=0`, admin, 422, "VALIDATION_FAILED"],
      [`/${code}/report?format=xml`, admin, 422, "VALIDATION_FAILED"],
      ["/NOSUCHCODE/report", admin, 404, "CAMPAIGN_NOT_FOUND"],
      ["/no!such/events", admin, 404, "CAMPAIGN_NOT_FOUND"],
      [`/${code}/report`, await bearer("user", "09120000000"), 403, "FORBIDDEN"],
      [`/${code}/events`, service, 403, "FORBIDDEN"],
      [`/${code}/report`, {}, 401, "UNAUTHENTICATED"],
    ];
    for (const [path, headers, status, problem] of cases) {
      const res = await fetch(`${discount.url}/v1/campaigns${path}`, { headers });
      expect([path, res.status, res.headers.get("content-type")]).toEqual([path, status, "application/problem+json"]);
      expect(((await res.json()) as { code: string }).code).toBe(problem);
    }
  });
});

interface ServerEvent {
  id?: string;
  event: string;
  data: Record<string, unknown>;
}

/** Reads Server-Sent Events off a live response until `done` says enough. */
async function readEvents(res: Response, done: (events: ServerEvent[]) => boolean): Promise<ServerEvent[]> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: ServerEvent[] = [];
  let buffer = "";
  const deadline = setTimeout(() => reader.cancel(), 10_000);
  try {
    while (!done(events)) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = new Map(
          block.split("\n").map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2)]),
        );
        if (fields.has("event")) {
          events.push({
            id: fields.get("id"),
            event: fields.get("event") as string,
            data: JSON.parse(fields.get("data") ?? "{}"),
          });
        }
        end = buffer.indexOf("\n\n");
      }
    }
  } finally {
    clearTimeout(deadline);
    await reader.cancel();
  }
  return events;
}

describe("live events", () => {
  const openEvents = (code: string, headers: Record<string, string> = {}) =>
    fetch(`${discount.url}/v1/campaigns/${code}/events`, { headers: { ...admin, ...headers } });

  test("a watcher sees each new winner with its rank as the event id, the numbers, and sold-out once", async () => {
    const code = await newCampaign(2);
    const res = await openEvents(code);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/event-stream");
    const winners = [nextPhone(), nextPhone()];
    const watching = readEvents(res, (events) => events.some((e) => e.event === "sold-out"));
    for (const phone of winners) await redeem(code, phone);
    const events = await watching;

    const won = events.filter((e) => e.event === "winner");
    expect(won.map((e) => [e.id, e.data.rank, e.data.phone])).toEqual([
      ["1", 1, `+98${winners[0]?.slice(1)}`],
      ["2", 2, `+98${winners[1]?.slice(1)}`],
    ]);
    expect(events[0]).toMatchObject({ event: "summary", data: { cap: 2, redeemed: 0, remaining: 2 } });
    expect(events.filter((e) => e.event === "summary").at(-1)?.data).toMatchObject({ redeemed: 2, remaining: 0 });
    expect(events.filter((e) => e.event === "sold-out")).toHaveLength(1);
  });

  test("a watcher that reconnects with Last-Event-ID gets only the winners it missed", async () => {
    const code = await newCampaign(5);
    for (let i = 0; i < 3; i++) await redeem(code);
    const res = await openEvents(code, { "last-event-id": "1" });
    const events = await readEvents(res, (seen) => seen.some((e) => e.event === "summary"));
    expect(events.filter((e) => e.event === "winner").map((e) => e.id)).toEqual(["2", "3"]);
  });
});
