/**
 * Smoke: one VU, one pass over every endpoint with checks on the exact answers.
 *
 *   k6 run -e ADMIN_TOKEN=... -e SERVICE_TOKEN=... load/k6/smoke.js
 *   k6 run -e JWT_SECRET="$(cat data/jwt-secret)" load/k6/smoke.js
 *
 * Passes only if every check passes and nothing answers 5xx. It makes 3 /redeem-coupon
 * attempts: with the default RATE_LIMIT_COUPON_IP_PER_MINUTE=5, a second run within the
 * same minute is refused with 429 (and fails); wait a minute or raise the limit.
 */
import { sleep } from "k6";
import http from "k6/http";
import { Counter } from "k6/metrics";
import { step, verify } from "./checks.js";
import { baseOptions, DISCOUNT_URL, envInt, WALLET_URL } from "./config.js";
import { getJson, header, isProblemWith, jsonOf, postJson } from "./http.js";
import { canonicalPhone, phoneAt, phoneOffset, runId } from "./ids.js";
import { summaryWriter } from "./summary.js";
import { resolveTokens } from "./tokens.js";

/** 5xx answers and network errors: a smoke run must have none. */
const serverErrors = new Counter("server_errors");

// Requests whose right answer is a 4xx say so, so http_req_failed stays meaningful.
const EXPECT_400 = http.expectedStatuses(400);
const EXPECT_401 = http.expectedStatuses(401);
const EXPECT_404 = http.expectedStatuses(404);
const EXPECT_409 = http.expectedStatuses(409);

const AMOUNT = envInt("AMOUNT", 1000, 1);
const CODE_ALPHABET = /^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{8}$/;

export const options = Object.assign(baseOptions(), {
  scenarios: { smoke: { executor: "per-vu-iterations", vus: 1, iterations: 1, maxDuration: "2m" } },
  thresholds: {
    checks: ["rate==1"],
    server_errors: ["count==0"],
    http_req_failed: ["rate==0"],
  },
});

/** The summary on stdout and, as text and JSON, in load/results/ (summary.js). */
export const handleSummary = summaryWriter("smoke");

function track(res) {
  if (res.status === 0 || res.status >= 500) {
    serverErrors.add(1, { url: res.request ? res.request.url : "" });
    console.error(`server error: ${res.status} ${res.error || ""} ${res.body || ""}`);
  }
  return res;
}

const get = (url, token, opts) => track(getJson(url, token, opts));
const post = (url, body, token, opts) => track(postJson(url, body, token, opts));

/** Polls a wallet until its balance reaches `atLeast` (the outbox relay may still be delivering). */
function balanceReaches(token, phone, atLeast, seconds) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const body = jsonOf(get(`${WALLET_URL}/v1/wallets/${phone}`, token));
    if (body && body.balance >= atLeast) return body.balance;
    if (Date.now() >= deadline) return body ? body.balance : -1;
    sleep(0.5);
  }
}

export function setup() {
  return { tokens: resolveTokens(), run: runId(), offset: phoneOffset() };
}

export default function (data) {
  const { admin, service } = data.tokens;
  const phone = (i) => phoneAt(i, data.offset);

  step("system endpoints", () => {
    for (const [name, base] of [
      ["wallet", WALLET_URL],
      ["discount", DISCOUNT_URL],
    ]) {
      const health = get(`${base}/health`);
      verify(health, {
        [`${name} /health is 200 ok`]: (r) => r.status === 200 && jsonOf(r).status === "ok",
        [`${name} /health names the service`]: (r) => jsonOf(r).service === name,
      });
      const ready = get(`${base}/ready`);
      verify(ready, { [`${name} /ready is 200 ready`]: (r) => r.status === 200 && jsonOf(r).status === "ready" });
      const docs = get(`${base}/docs/json`);
      verify(docs, {
        [`${name} /docs/json is an OpenAPI document`]: (r) => r.status === 200 && "openapi" in jsonOf(r),
      });
    }
  });

  step("wallet", () => {
    const who = phone(0);
    const url = `${WALLET_URL}/v1/wallets/${who}`;
    const key = `k6-smoke-${data.run}-credit`;
    const body = { amount: AMOUNT, reference: `k6:${data.run}`, description: "k6 smoke" };

    const anonymous = get(url, null, { expect: EXPECT_401 });
    verify(anonymous, {
      "wallet without a token: 401 UNAUTHENTICATED": (r) => isProblemWith(r, 401, "UNAUTHENTICATED"),
    });

    const noKey = post(`${url}/credits`, body, service, { expect: EXPECT_400 });
    verify(noKey, {
      "credit without Idempotency-Key: 400 IDEMPOTENCY_KEY_REQUIRED": (r) =>
        isProblemWith(r, 400, "IDEMPOTENCY_KEY_REQUIRED"),
    });

    const credit = post(`${url}/credits`, body, service, { idempotencyKey: key });
    const entry = jsonOf(credit) || {};
    verify(credit, {
      "credit: 201": (r) => r.status === 201,
      "credit: a credit entry of the amount": () =>
        entry.kind === "credit" && entry.amount === AMOUNT && entry.balanceAfter >= AMOUNT,
      "credit: phone in canonical form": () => entry.phone === canonicalPhone(who),
      "credit: not a replay": (r) => header(r, "Idempotent-Replayed") === undefined,
    });

    const replay = post(`${url}/credits`, body, service, { idempotencyKey: key });
    verify(replay, {
      "same key, same request: 201 replayed": (r) => r.status === 201 && header(r, "Idempotent-Replayed") === "true",
      "same key, same request: the same entry": (r) => jsonOf(r).id === entry.id,
    });

    const reused = post(`${url}/credits`, { amount: AMOUNT + 1 }, service, { idempotencyKey: key, expect: EXPECT_409 });
    verify(reused, {
      "same key, other request: 409 IDEMPOTENCY_KEY_REUSED": (r) => isProblemWith(r, 409, "IDEMPOTENCY_KEY_REUSED"),
    });

    const balance = get(url, service);
    verify(balance, {
      "balance: 200 in IRT": (r) => r.status === 200 && jsonOf(r).currency === "IRT",
      "balance: equals the credit's balanceAfter": (r) => jsonOf(r).balance === entry.balanceAfter,
    });

    const transactions = get(`${url}/transactions?limit=10`, service);
    verify(transactions, {
      "transactions: 200, newest first, holds the credit once": (r) => {
        const page = jsonOf(r);
        return (
          r.status === 200 &&
          Array.isArray(page.items) &&
          page.items.length > 0 &&
          page.items[0].id === entry.id &&
          page.items.filter((e) => e.id === entry.id).length === 1
        );
      },
    });
  });

  step("gift campaign", () => {
    const code = `K6SMOKE${data.run}`.slice(0, 32);
    const created = post(
      `${DISCOUNT_URL}/v1/campaigns`,
      { name: `k6 smoke ${data.run}`, code, amount: AMOUNT, maxRedemptions: 1 },
      admin,
    );
    verify(created, {
      "create campaign: 201": (r) => r.status === 201,
      "create campaign: as asked": (r) => {
        const c = jsonOf(r);
        return c.code === code && c.kind === "gift" && c.amount === AMOUNT && c.maxRedemptions === 1;
      },
    });

    const readBack = get(`${DISCOUNT_URL}/v1/campaigns/${code}`, admin);
    verify(readBack, { "read campaign: 200, same code": (r) => r.status === 200 && jsonOf(r).code === code });
    const list = get(`${DISCOUNT_URL}/v1/campaigns?limit=5`, admin);
    verify(list, { "list campaigns: 200 with items": (r) => r.status === 200 && Array.isArray(jsonOf(r).items) });
    const asService = get(`${DISCOUNT_URL}/v1/campaigns/${code}`, service, { expect: http.expectedStatuses(403) });
    verify(asService, { "campaigns with a service token: 403 FORBIDDEN": (r) => isProblemWith(r, 403, "FORBIDDEN") });

    const winner = phone(1);
    const redeem = (who, expect) =>
      post(`${DISCOUNT_URL}/v1/redeem`, { code: code.toLowerCase(), phone: who }, service, { expect });
    const won = redeem(winner);
    const result = jsonOf(won) || {};
    verify(won, {
      "redeem: 201 rank 1": (r) => r.status === 201 && result.rank === 1,
      "redeem: credited or pending, amount, canonical phone": () =>
        (result.status === "credited" || result.status === "pending") &&
        result.amount === AMOUNT &&
        result.phone === canonicalPhone(winner) &&
        result.code === code,
    });

    const again = redeem(winner);
    verify(again, {
      "repeat redeem: 200 with the same rank": (r) => r.status === 200 && jsonOf(r).rank === result.rank,
      "repeat redeem: the original result": (r) => jsonOf(r).redeemedAt === result.redeemedAt,
    });

    const late = redeem(phone(2), EXPECT_409);
    verify(late, {
      "redeem after the cap: 409 CAMPAIGN_EXHAUSTED": (r) => isProblemWith(r, 409, "CAMPAIGN_EXHAUSTED"),
    });

    const unknown = post(`${DISCOUNT_URL}/v1/redeem`, { code: `NOPE${data.run}`, phone: winner }, service, {
      expect: EXPECT_404,
    });
    verify(unknown, { "unknown code: 404 CODE_NOT_FOUND": (r) => isProblemWith(r, 404, "CODE_NOT_FOUND") });

    verify(null, {
      "the winner's wallet is credited": () =>
        balanceReaches(service, winner, AMOUNT, envInt("SETTLE_SECONDS", 15, 0)) >= AMOUNT,
    });

    const report = get(`${DISCOUNT_URL}/v1/campaigns/${code}/report?limit=10`, admin);
    verify(report, {
      "report: 200 cap 1, redeemed 1, remaining 0": (r) => {
        const b = jsonOf(r);
        return r.status === 200 && b.cap === 1 && b.redeemed === 1 && b.remaining === 0 && b.soldOutAt !== null;
      },
      "report: the winner at rank 1": (r) => {
        const w = jsonOf(r).winners;
        return w.length === 1 && w[0].rank === 1 && w[0].phone === canonicalPhone(winner);
      },
      "report: last page": (r) => jsonOf(r).hasMore === false && jsonOf(r).nextCursor === "1",
    });

    const csv = get(`${DISCOUNT_URL}/v1/campaigns/${code}/report?format=csv`, admin);
    verify(csv, {
      "report CSV: 200 text/csv": (r) => r.status === 200 && /^text\/csv/.test(header(r, "Content-Type") || ""),
      "report CSV: header and the winner's row": (r) => {
        const lines = r.body.split("\r\n").filter((l) => l !== "");
        return (
          lines.length === 2 &&
          lines[0] === "rank,phone,redeemed_at,status,credited_at,failure,voided_at,voided_by,void_reason" &&
          lines[1].indexOf(`1,${canonicalPhone(winner)},`) === 0
        );
      },
    });
  });

  step("coupons", () => {
    const generated = post(`${DISCOUNT_URL}/generate-coupon`, { amount: AMOUNT }, admin);
    const coupon = jsonOf(generated) || {};
    verify(generated, {
      "generate-coupon: 201": (r) => r.status === 201,
      "generate-coupon: 8 characters, no I O 0 1": () => CODE_ALPHABET.test(coupon.code || ""),
      "generate-coupon: the amount asked": () => coupon.amount === AMOUNT,
    });

    const status = (code) => get(`${DISCOUNT_URL}/coupon-status?code=${encodeURIComponent(code)}`, admin);
    verify(status(coupon.code), { "coupon-status: UNUSED": (r) => r.status === 200 && jsonOf(r).status === "UNUSED" });

    const owner = phone(3);
    // Case, spaces and dashes do not matter: "ab2c-4xyz" is "AB2C4XYZ".
    const typed = `${coupon.code.slice(0, 4).toLowerCase()}-${coupon.code.slice(4)}`;
    const redeemCoupon = (who, code, expect) =>
      post(`${DISCOUNT_URL}/redeem-coupon`, { code, phone: who }, service, { expect });

    const first = redeemCoupon(owner, typed);
    verify(first, {
      "redeem-coupon: 200 Coupon redeemed successfully": (r) =>
        r.status === 200 && jsonOf(r).message === "Coupon redeemed successfully",
      "redeem-coupon: this coupon, this phone": (r) =>
        jsonOf(r).code === coupon.code && jsonOf(r).phone === canonicalPhone(owner) && jsonOf(r).amount === AMOUNT,
      "redeem-coupon: RateLimit headers": (r) => header(r, "RateLimit-Limit") !== undefined,
    });
    const repeat = redeemCoupon(owner, coupon.code);
    verify(repeat, {
      "redeem-coupon again, same phone: 200 the same answer": (r) =>
        r.status === 200 && jsonOf(r).redeemedAt === jsonOf(first).redeemedAt,
    });
    const other = redeemCoupon(phone(4), coupon.code, EXPECT_409);
    verify(other, {
      "redeem-coupon, another phone: 409 COUPON_ALREADY_USED": (r) => isProblemWith(r, 409, "COUPON_ALREADY_USED"),
    });

    verify(status(coupon.code), { "coupon-status: USED": (r) => r.status === 200 && jsonOf(r).status === "USED" });
    verify(status("ZZZZ2345"), {
      "coupon-status of an unknown code: NOT_FOUND": (r) => r.status === 200 && jsonOf(r).status === "NOT_FOUND",
    });
  });

  step("metrics", () => {
    for (const [name, base] of [
      ["wallet", WALLET_URL],
      ["discount", DISCOUNT_URL],
    ]) {
      // Not public (labels name campaigns): a service token reads it, as Prometheus reads it with METRICS_TOKEN.
      const metrics = get(`${base}/metrics`, service);
      verify(metrics, {
        [`${name} /metrics: Prometheus text`]: (r) =>
          r.status === 200 && /^text\/plain/.test(header(r, "Content-Type") || "") && r.body.indexOf("# TYPE ") !== -1,
        [`${name} /metrics: counts HTTP requests`]: (r) => r.body.indexOf("http_requests_total") !== -1,
      });
    }
  });
}
