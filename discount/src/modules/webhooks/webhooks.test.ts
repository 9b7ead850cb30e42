import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createLogger } from "@matchday/shared/logger";
import {
  type DiscountStack,
  type DiscountUnderTest,
  startDiscountInProcess,
  startDiscountStack,
} from "@matchday/testkit/discount";
import { bearer, TEST_METRICS_TOKEN } from "@matchday/testkit/http";
import { waitFor } from "@matchday/testkit/processes";
import { startWebhookReceiver, type WebhookReceiver } from "@matchday/testkit/webhooks";
import type { WebhookConfig } from "../../config";
import { openDiscountStore } from "../../db/store";
import { createDiscountMetrics } from "../../metrics";
import { createDeliveryLanes } from "./deliveries";
import { startWebhookLoop } from "./loop";
import type { Delivery, Webhook } from "./model";

/** Fast enough for a test: 300 ms per attempt, retries from 50 ms. */
const WEBHOOKS: WebhookConfig = {
  allowHttp: true,
  allowPrivate: true,
  timeoutMs: 300,
  intervalMs: 50,
  retryBaseMs: 50,
  retryWindowMs: 24 * 3_600_000,
};

let stack: DiscountStack;
let receiver: WebhookReceiver;
let admin: Record<string, string>;

beforeAll(async () => {
  stack = await startDiscountStack({ webhooks: WEBHOOKS });
  admin = { ...(await bearer("admin")), "content-type": "application/json" };
  receiver = await startWebhookReceiver({ secret: "whsec_AAAA", mode: "ok" });
});
afterAll(async () => {
  await receiver?.dispose();
  await stack?.dispose();
});

async function call(discount: DiscountUnderTest, method: string, path: string, body?: unknown) {
  const res = await fetch(`${discount.url}${path}`, {
    method,
    headers: admin,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Registers `events` for this receiver under its own path; the receiver now verifies with its secret. */
async function register(name: string, events: string[], discount = stack.discount) {
  const { status, body } = await call(discount, "POST", "/v1/webhooks", { url: `${receiver.url}/${name}`, events });
  expect(status).toBe(201);
  receiver.configure({ secret: body.secret, mode: "ok" });
  return body as Webhook & { secret: string };
}

async function campaignWithWinners(cap: number, winners: number, prefix: string): Promise<string> {
  const { body } = await call(stack.discount, "POST", "/v1/campaigns", {
    name: prefix,
    amount: 1_000,
    maxRedemptions: cap,
  });
  for (let i = 0; i < winners; i++) {
    const phone = `0912${prefix}${String(i).padStart(4, "0")}`;
    const redeem = await call(stack.discount, "POST", "/v1/redeem", { code: body.code, phone });
    expect(redeem.status).toBe(201);
  }
  return body.code;
}

const deliveries = async (id: number, discount = stack.discount) =>
  (await call(discount, "GET", `/v1/webhooks/${id}/deliveries?limit=100`)).body.items as Delivery[];
const receivedAt = (name: string) => receiver.received().filter((r) => r.path === `/hook/${name}`);
const deliveredOk = (name: string) =>
  new Set(
    receivedAt(name)
      .filter((r) => r.answered === 200)
      .map((r) => r.id),
  );
/**
 * Until `n` deliveries are recorded as delivered: the receiver logs a request before its answer
 * reaches the sender, and a 200 it gave after the sender's timeout leaves that delivery pending.
 */
async function untilDelivered(id: number, n: number, timeoutMs = 15_000) {
  await waitFor(
    `${n} deliveries`,
    async () => {
      const listed = await deliveries(id);
      return listed.length === n && listed.every((d) => d.status === "delivered");
    },
    timeoutMs,
  );
}

describe("registration", () => {
  test("answers a whsec_ secret once; the list shows the endpoint, enabled, without it", async () => {
    const created = await register("listed", ["redemption.won"]);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created).toMatchObject({ enabled: true, events: ["redemption.won"], consecutiveFailures: 0 });
    const { body } = await call(stack.discount, "GET", "/v1/webhooks");
    const listed = body.items.find((w: Webhook) => w.id === created.id);
    expect(listed).toMatchObject({ url: `${receiver.url}/listed`, enabled: true, disabledAt: null });
    expect(JSON.stringify(body)).not.toContain("whsec_");
  });

  test("a deleted endpoint is gone: 204, then 404 WEBHOOK_NOT_FOUND for it", async () => {
    const created = await register("deleted", ["credit.failed"]);
    expect((await call(stack.discount, "DELETE", `/v1/webhooks/${created.id}`)).status).toBe(204);
    const again = await call(stack.discount, "DELETE", `/v1/webhooks/${created.id}`);
    expect(again).toMatchObject({ status: 404, body: { code: "WEBHOOK_NOT_FOUND" } });
    const list = await call(stack.discount, "GET", `/v1/webhooks/${created.id}/deliveries`);
    expect(list).toMatchObject({ status: 404, body: { code: "WEBHOOK_NOT_FOUND" } });
  });

  test("a service refusing private destinations answers 422 WEBHOOK_URL_REFUSED for loopback, metadata and http URLs", async () => {
    const strict = await startDiscountInProcess({
      redisUrl: stack.redis.url,
      walletUrl: stack.wallet.url,
      webhooks: { ...WEBHOOKS, allowHttp: false, allowPrivate: false },
    });
    try {
      for (const url of [
        receiver.url.replace("http:", "https:"),
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/",
        "http://93.184.215.14/",
      ]) {
        const { status, body } = await call(strict, "POST", "/v1/webhooks", { url, events: ["redemption.won"] });
        expect({ url, status, code: body.code }).toEqual({ url, status: 422, code: "WEBHOOK_URL_REFUSED" });
      }
      expect((await call(strict, "GET", "/v1/webhooks")).body.items).toEqual([]);
    } finally {
      await strict.dispose();
    }
  });
});

describe("delivery", () => {
  test("every win and the sell-out reach the receiver signed, each under the stable id its delivery shows", async () => {
    const endpoint = await register("wins", ["redemption.won", "campaign.sold_out"]);
    const code = await campaignWithWinners(2, 2, "100");
    await untilDelivered(endpoint.id, 3);
    const got = receivedAt("wins");
    expect(got.every((r) => r.verified)).toBe(true);
    expect(got.map((r) => r.type).sort()).toEqual(["campaign.sold_out", "redemption.won", "redemption.won"]);
    expect(got.find((r) => r.type === "campaign.sold_out")?.data).toMatchObject({ code, maxRedemptions: 2 });
    expect(got.filter((r) => r.type === "redemption.won").map((r) => r.data?.rank)).toEqual(
      expect.arrayContaining([1, 2]),
    );
    const listed = await deliveries(endpoint.id);
    expect(new Set<string | null>(listed.map((d) => d.messageId))).toEqual(deliveredOk("wins"));
    expect(listed.every((d) => d.status === "delivered" && d.attempts === 1 && d.lastStatus === 200)).toBe(true);
    const metrics = await fetch(`${stack.discount.url}/metrics`, {
      headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` },
    });
    expect(await metrics.text()).toMatch(/discount_webhook_attempts_total\{result="delivered"\} [1-9]/);
  }, 30_000);

  test("across the receiver's outage, its 500s and its timeouts, each event arrives verified once it answers again", async () => {
    const endpoint = await register("outage", ["redemption.won", "campaign.sold_out"]);
    const secret = endpoint.secret;
    await receiver.process.stop();
    // The redeem path never waits for a webhook: the winners are answered while the receiver is down.
    await campaignWithWinners(3, 3, "200");
    const lastErrors = async () => (await deliveries(endpoint.id)).map((d) => d.lastError);
    await waitFor("failed connections", async () => (await lastErrors()).includes("could not connect"));

    receiver.configure({ secret, mode: "fail" });
    await receiver.process.start();
    await waitFor("500 answers", async () => (await deliveries(endpoint.id)).some((d) => d.lastStatus === 500));

    receiver.configure({ secret, mode: "slow", delayMs: 1_000 });
    await waitFor("timeouts", async () => (await lastErrors()).includes("no answer within 300 ms"));

    receiver.configure({ secret, mode: "ok" });
    await untilDelivered(endpoint.id, 4, 30_000);
    const listed = await deliveries(endpoint.id);
    expect(listed.map((d) => d.status)).toEqual(["delivered", "delivered", "delivered", "delivered"]);
    expect(listed.every((d) => d.attempts > 1)).toBe(true);
    // A timed-out attempt may have reached it too: at least once, under the same id, every copy verified.
    expect(receivedAt("outage").every((r) => r.verified)).toBe(true);
    expect(new Set<string | null>(listed.map((d) => d.messageId))).toEqual(deliveredOk("outage"));
  }, 60_000);

  test("a credit the wallet refuses for good is announced as credit.failed, only to endpoints that asked for it", async () => {
    const failures = await register("failures", ["credit.failed"]);
    const { body } = await call(stack.discount, "POST", "/v1/campaigns", {
      name: "refused",
      amount: 1_000,
      maxRedemptions: 5,
    });
    // The winner's credit key already holds another amount in the wallet: it refuses the credit for good.
    const phone = "+989123000001";
    const wallet = await fetch(`${stack.wallet.url}/v1/wallets/${phone}/credits`, {
      method: "POST",
      headers: { ...admin, "idempotency-key": `gift:${body.code}:${phone}` },
      body: JSON.stringify({ amount: 1 }),
    });
    expect(wallet.status).toBe(201);
    const redeem = await call(stack.discount, "POST", "/v1/redeem", { code: body.code, phone });
    expect(redeem.body.status).toBe("failed");
    await untilDelivered(failures.id, 1);
    const [got] = receivedAt("failures");
    expect(got).toMatchObject({
      verified: true,
      type: "credit.failed",
      data: { code: body.code, phone, amount: 1_000 },
    });
    expect(String(got?.data?.reason)).toContain("IDEMPOTENCY_KEY_REUSED");
    expect((await deliveries(failures.id)).map((d) => d.type)).toEqual(["credit.failed"]);
  }, 30_000);

  test("two instances sending from one database never send the same delivery twice at once", async () => {
    const store = await openDiscountStore(stack.discount.database.url, { migrate: false });
    const second = startWebhookLoop({
      deliveries: createDeliveryLanes(store, Date.now, WEBHOOKS.retryWindowMs),
      config: WEBHOOKS,
      clock: Date.now,
      logger: createLogger({ level: "silent", service: "discount" }),
      metrics: createDiscountMetrics(),
      batchSize: 3,
    });
    try {
      const endpoint = await register("pair", ["redemption.won"]);
      receiver.configure({ secret: endpoint.secret, mode: "slow", delayMs: 100 });
      await campaignWithWinners(20, 20, "300");
      await untilDelivered(endpoint.id, 20, 30_000);
      const ids = receivedAt("pair").map((r) => r.id);
      expect(ids.length).toBe(20);
    } finally {
      await second.stop();
      await store.close();
    }
  }, 60_000);
});

describe("an endpoint that keeps failing", () => {
  test("is disabled once every attempt failed for the whole retry window, and admins see why", async () => {
    const short = await startDiscountInProcess({
      redisUrl: stack.redis.url,
      walletUrl: stack.wallet.url,
      webhooks: { ...WEBHOOKS, retryWindowMs: 500 },
    });
    try {
      const endpoint = await register("doomed", ["redemption.won"], short);
      receiver.configure({ secret: endpoint.secret, mode: "fail" });
      const { body } = await call(short, "POST", "/v1/campaigns", { name: "doomed", amount: 1_000, maxRedemptions: 5 });
      await call(short, "POST", "/v1/redeem", { code: body.code, phone: "09124000001" });
      await call(short, "POST", "/v1/redeem", { code: body.code, phone: "09124000002" });
      const listed = async () =>
        ((await call(short, "GET", "/v1/webhooks")).body.items as Webhook[]).find((w) => w.id === endpoint.id);
      await waitFor("the endpoint disabled", async () => (await listed())?.enabled === false);
      const disabled = await listed();
      expect(disabled?.disabledReason).toBe("every attempt failed for the whole retry window; last: answered HTTP 500");
      expect(disabled?.consecutiveFailures).toBeGreaterThan(1);
      // Whatever it was still owed is given up with it.
      expect((await deliveries(endpoint.id, short)).map((d) => d.status)).toEqual(["failed", "failed"]);
      // No new event goes to it, and nothing more is tried.
      await call(short, "POST", "/v1/redeem", { code: body.code, phone: "09124000003" });
      const before = receivedAt("doomed").length;
      await Bun.sleep(300);
      expect(receivedAt("doomed").length).toBe(before);
      expect((await deliveries(endpoint.id, short)).length).toBe(2);
    } finally {
      await short.dispose();
    }
  }, 30_000);
});
