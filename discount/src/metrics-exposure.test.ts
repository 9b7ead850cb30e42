import { afterAll, beforeAll, expect, test } from "bun:test";
import { createLogger } from "@matchday/shared/logger";
import { bearer, type RedisAndWallet, startRedisAndWallet, TEST_METRICS_TOKEN } from "@matchday/shared/test-support";
import { type DiscountUnderTest, startDiscountInProcess } from "./testing";

// A gift code is the secret the TV announcement reveals, and a coupon code is a voucher: neither may
// be readable by whoever reaches /metrics or the logs before it is announced (DESIGN §3.7).
const FUTURE_CODE = "GOALSECRET2026";
const MINUTE = 60_000;

let base: RedisAndWallet;
let discount: DiscountUnderTest;
let now = Date.now();
/** Every line logged at info and above while the test runs. */
const logged: string[] = [];

beforeAll(async () => {
  base = await startRedisAndWallet();
  const logger = createLogger({ level: "info", service: "discount", destination: { write: (l) => logged.push(l) } });
  discount = await startDiscountInProcess(
    { redisUrl: base.redis.url, walletUrl: base.wallet.url },
    { clock: () => now, logger },
  );
});
afterAll(async () => {
  await discount?.dispose();
  await base?.dispose();
});

const json = (headers: Record<string, string>) => ({ ...headers, "content-type": "application/json" });
const scrape = (headers: Record<string, string> = {}) => fetch(`${discount.url}/metrics`, { headers });
const asText = (res: Response) => `${[...res.headers].map(([k, v]) => `${k}: ${v}`).join("\n")}\n`;

async function post(path: string, auth: Record<string, string>, body: object) {
  const res = await fetch(`${discount.url}${path}`, {
    method: "POST",
    headers: json(auth),
    body: JSON.stringify(body),
  });
  return { res, text: await res.text() };
}

test("a campaign that has not started is not readable in /metrics, the logs or its refusal, and /metrics needs a token", async () => {
  const admin = await bearer("admin");
  const created = await post("/v1/campaigns", admin, {
    name: "half time",
    code: FUTURE_CODE,
    amount: 1_000,
    maxRedemptions: 5,
    startsAt: new Date(now + 10 * MINUTE).toISOString(),
  });
  expect(created.res.status).toBe(201);

  const attempt = await post("/v1/redeem", await bearer("user", "09121110001"), { code: FUTURE_CODE });
  expect(attempt.res.status).toBe(403);
  expect(JSON.parse(attempt.text).code).toBe("CAMPAIGN_NOT_STARTED");
  expect(asText(attempt.res) + attempt.text).not.toContain(FUTURE_CODE);

  const anonymous = await scrape();
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers.get("content-type")).toContain("application/problem+json");
  expect(((await anonymous.json()) as { code: string }).code).toBe("UNAUTHENTICATED");

  const garbage = await scrape({ authorization: `Bearer ${TEST_METRICS_TOKEN}x` });
  expect(garbage.status).toBe(401);
  expect(((await garbage.json()) as { code: string }).code).toBe("INVALID_TOKEN");

  const prometheus = await scrape({ authorization: `Bearer ${TEST_METRICS_TOKEN}` });
  expect(prometheus.status).toBe(200);
  const text = await prometheus.text();
  const { rows } = await discount.store.client.execute({
    sql: "SELECT id FROM campaigns WHERE code = ?",
    args: [FUTURE_CODE],
  });
  expect(text).toContain(`discount_claims_total{campaign="id:${rows[0]?.id}",outcome="not-started"} 1`);
  expect(text).not.toContain(FUTURE_CODE);

  const asAdmin = await scrape(admin);
  expect(asAdmin.status).toBe(200);
  expect(await asAdmin.text()).not.toContain(FUTURE_CODE);

  expect(logged.length).toBeGreaterThan(0);
  expect(logged.join("")).not.toContain(FUTURE_CODE);
});

test("once the campaign has started, its code is public and labels its series", async () => {
  now += 11 * MINUTE;
  const won = await post("/v1/redeem", await bearer("service"), { code: FUTURE_CODE, phone: "09121110002" });
  expect(won.res.status).toBe(201);
  const text = await (await scrape({ authorization: `Bearer ${TEST_METRICS_TOKEN}` })).text();
  expect(text).toContain(`discount_claims_total{campaign="${FUTURE_CODE}",outcome="won"} 1`);
  expect(text).toContain(`discount_winners_total{campaign="${FUTURE_CODE}"} 1`);
});

test("a coupon code never reaches /metrics or the logs, whether it is redeemed or tried again", async () => {
  const admin = await bearer("admin");
  const generated = await post("/generate-coupon", admin, {});
  const { code } = JSON.parse(generated.text) as { code: string };
  const service = await bearer("service");
  expect((await post("/redeem-coupon", service, { code, phone: "09121110003" })).res.status).toBe(200);
  const again = await post("/redeem-coupon", service, { code, phone: "09121110004" });
  expect(again.res.status).toBe(409);
  expect(asText(again.res) + again.text).not.toContain(code);

  const text = await (await scrape({ authorization: `Bearer ${TEST_METRICS_TOKEN}` })).text();
  expect(text).toContain('discount_winners_total{campaign="coupon"} 1');
  expect(text).not.toContain(code);
  expect(logged.join("")).not.toContain(code);
});
