/**
 * Single-use coupons under contention: every coupon is submitted at about the same
 * moment by CLAIMANTS different phones, and exactly one of them may get it.
 *
 *   k6 run -e JWT_SECRET="$(cat data/jwt-secret)" load/k6/coupons.js
 *   k6 run -e ADMIN_TOKEN=... -e SERVICE_TOKEN=... -e COUPONS=5000 -e CLAIMANTS=3 -e VUS=100 load/k6/coupons.js
 *
 * setup() makes COUPONS coupons: one batch through POST /v1/coupon-batches, its codes read
 * page by page from GET /v1/coupon-batches/:id/coupons (GENERATE=single calls
 * POST /generate-coupon once per coupon instead). VUs then share COUPONS × CLAIMANTS
 * iterations: iteration i submits coupon ⌊i / CLAIMANTS⌋ for a phone of its own, so the
 * claimants of one coupon race each other. Odd claimants type the code in lower case
 * with a dash, which must not matter. teardown() checks every coupon is marked used,
 * COUPON-STATUS of a sample, and the wallets of a sample of owners.
 *
 * Rate limits: every attempt counts against RATE_LIMIT_COUPON_IP_PER_MINUTE (default 5!)
 * and each winning attempt also against RATE_LIMIT_IP_PER_MINUTE (default 600), all from
 * this one address: raise both on the discount service for this test.
 */
import { sleep } from "k6";
import exec from "k6/execution";
import http from "k6/http";
import { Counter } from "k6/metrics";
import { reportPage } from "./campaigns.js";
import { finishVerification, logFailures, verify } from "./checks.js";
import { baseOptions, DISCOUNT_URL, env, envDuration, envInt, p99Ms } from "./config.js";
import { describe, getJson, jsonOf, must, params, postJson, problemCode } from "./http.js";
import { canonicalPhone, phoneAt, phoneOffset, runId } from "./ids.js";
import { summaryWriter } from "./summary.js";
import { resolveTokens } from "./tokens.js";
import { sample, verifyWallets } from "./verification.js";

const COUPONS = envInt("COUPONS", 1000, 1, 1000000);
const CLAIMANTS = envInt("CLAIMANTS", 3, 1, 100);
const AMOUNT = envInt("AMOUNT", 10000, 1);
const GENERATE = env("GENERATE", "batch");
if (GENERATE !== "batch" && GENERATE !== "single") throw new Error(`GENERATE must be batch or single, got ${GENERATE}`);
const P99_MS = p99Ms(200);
const STATUS_SAMPLE = envInt("STATUS_SAMPLE", 100, 0);
const WALLET_SAMPLE = envInt("WALLET_SAMPLE", 50, 0);
const SETTLE_SECONDS = envInt("SETTLE_SECONDS", 60, 0);

const redeemed = new Counter("redeemed"); // 200 "Coupon redeemed successfully": this phone got the coupon
const alreadyUsed = new Counter("already_used"); // 409 COUPON_ALREADY_USED: another phone got it
const rateLimited = new Counter("rate_limited"); // 429: the limits were not raised for this test
const errors = new Counter("errors"); // anything else

http.setResponseCallback(http.expectedStatuses(200, 201, 409));

export const options = Object.assign(baseOptions(), {
  scenarios: {
    coupons: {
      executor: "shared-iterations",
      vus: envInt("VUS", 50, 1),
      iterations: COUPONS * CLAIMANTS,
      maxDuration: envDuration("MAX_DURATION", "10m"),
    },
  },
  thresholds: {
    // Each coupon exactly once: one winner per coupon, every other claimant refused.
    redeemed: [`count==${COUPONS}`],
    already_used: [`count==${COUPONS * (CLAIMANTS - 1)}`],
    errors: ["count==0"],
    rate_limited: ["count==0"],
    http_req_failed: ["rate==0"],
    "http_req_duration{endpoint:redeem-coupon}": [`p(99)<${P99_MS}`],
    checks: ["rate==1"],
    "checks{phase:verify}": ["rate==1"],
  },
  setupTimeout: envDuration("SETUP_TIMEOUT", "5m"),
  teardownTimeout: envDuration("TEARDOWN_TIMEOUT", "10m"),
});

/** The summary on stdout and, as text and JSON, in load/results/ (summary.js). */
export const handleSummary = summaryWriter("coupons");

/** The codes of one batch made through the API, read page by page (cursor = nextCursor). */
function batchCodes(admin, id) {
  const codes = [];
  let cursor = "";
  for (;;) {
    const query = cursor ? `limit=1000&cursor=${cursor}` : "limit=1000";
    const res = getJson(`${DISCOUNT_URL}/v1/coupon-batches/${id}/coupons?${query}`, admin, {
      tags: { endpoint: "batch-coupons" },
    });
    const page = must(res, 200, `reading batch ${id}`);
    for (const item of page.items) {
      if (item.used) throw new Error(`coupon ${item.code} of a new batch is already used`);
      codes.push(item.code);
    }
    if (page.nextCursor === null) return codes;
    cursor = page.nextCursor;
  }
}

function generateSingly(admin, count) {
  const codes = [];
  while (codes.length < count) {
    const n = Math.min(20, count - codes.length);
    const requests = [];
    for (let i = 0; i < n; i++) {
      requests.push({
        method: "POST",
        url: `${DISCOUNT_URL}/generate-coupon`,
        body: JSON.stringify({ amount: AMOUNT }),
        params: params(admin, { json: true, tags: { endpoint: "generate-coupon" } }),
      });
    }
    for (const res of http.batch(requests)) codes.push(must(res, 201, "generating a coupon").code);
  }
  return codes;
}

export function setup() {
  const tokens = resolveTokens();
  const id = runId();
  let codes;
  let batchId = null;
  if (GENERATE === "batch") {
    const res = postJson(
      `${DISCOUNT_URL}/v1/coupon-batches`,
      { count: COUPONS, name: `k6 coupons ${id}`, amount: AMOUNT },
      tokens.admin,
      {
        tags: { endpoint: "coupon-batches" },
        timeout: "5m",
      },
    );
    const batch = must(res, 201, "creating the coupon batch");
    if (batch.count !== COUPONS || batch.amount !== AMOUNT) throw new Error(`the batch is not as asked: ${res.body}`);
    batchId = batch.id;
    codes = batchCodes(tokens.admin, batch.id);
  } else {
    codes = generateSingly(tokens.admin, COUPONS);
  }
  if (codes.length !== COUPONS || new Set(codes).size !== COUPONS) {
    throw new Error(`expected ${COUPONS} distinct codes, got ${codes.length} (${new Set(codes).size} distinct)`);
  }
  console.log(`${COUPONS} coupons (${GENERATE}${batchId ? ` ${batchId}` : ""}), ${CLAIMANTS} claimants each`);
  return { tokens, codes, batchId, offset: phoneOffset() };
}

let redeemParams;
let logged = 0;

function unexpected(res, what) {
  errors.add(1, { status: String(res.status) });
  if (logged < 5) {
    logged++;
    console.error(`unexpected answer for ${what}: ${describe(res)}`);
  }
}

export default function (data) {
  if (!redeemParams) redeemParams = params(data.tokens.service, { json: true, tags: { endpoint: "redeem-coupon" } });
  const i = exec.scenario.iterationInTest;
  const code = data.codes[Math.floor(i / CLAIMANTS)];
  if (code === undefined) return;
  const claimant = i % CLAIMANTS;
  const phone = phoneAt(i, data.offset); // one phone per attempt: no phone tries twice
  const typed = claimant % 2 === 1 ? `${code.slice(0, 4).toLowerCase()}-${code.slice(4)}` : code;
  const res = http.post(`${DISCOUNT_URL}/redeem-coupon`, JSON.stringify({ code: typed, phone }), redeemParams);

  if (res.status === 200) {
    redeemed.add(1);
    verify(res, {
      "200: Coupon redeemed successfully, for this coupon and phone": (r) => {
        const b = jsonOf(r);
        return (
          b.message === "Coupon redeemed successfully" &&
          b.code === code &&
          b.phone === canonicalPhone(phone) &&
          b.amount === AMOUNT
        );
      },
    });
  } else if (res.status === 409 && problemCode(res) === "COUPON_ALREADY_USED") {
    alreadyUsed.add(1);
  } else if (res.status === 429) {
    rateLimited.add(1);
  } else {
    unexpected(res, `${code} / ${phone}`);
  }
}

/** The winner of one coupon from its report (a coupon is a campaign of cap 1), once its credit settled. */
function ownerOf(admin, code) {
  const deadline = Date.now() + SETTLE_SECONDS * 1000;
  for (;;) {
    const body = jsonOf(reportPage(admin, code, 0, 1));
    if (body && body.winners.length === 1 && (body.pending === 0 || Date.now() >= deadline)) {
      return body.winners[0].phone;
    }
    if (Date.now() >= deadline) return null;
    sleep(0.5);
  }
}

export function teardown(data) {
  const { admin, service } = data.tokens;
  const tags = { phase: "verify" };

  if (data.batchId !== null) {
    const unused = [];
    let cursor = "";
    let seen = 0;
    for (;;) {
      const query = cursor ? `limit=1000&cursor=${cursor}` : "limit=1000";
      const page = jsonOf(getJson(`${DISCOUNT_URL}/v1/coupon-batches/${data.batchId}/coupons?${query}`, admin));
      if (!page) break;
      seen += page.items.length;
      for (const item of page.items) if (!item.used) unused.push(item.code);
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    verify(null, { "batch: every coupon used": () => seen === COUPONS && unused.length === 0 }, tags);
    logFailures("unused coupons", unused);
  }

  const statusFailures = [];
  for (const code of sample(data.codes, STATUS_SAMPLE)) {
    const res = getJson(`${DISCOUNT_URL}/coupon-status?code=${code}`, admin, { tags: { endpoint: "coupon-status" } });
    const body = jsonOf(res) || {};
    if (body.status !== "USED") statusFailures.push(`${code}: ${describe(res)}`);
  }
  verify(null, { "coupon-status: USED": () => statusFailures.length === 0 }, tags);
  logFailures("coupon-status", statusFailures);

  const owners = [];
  const walletFailures = [];
  for (const code of sample(data.codes, WALLET_SAMPLE)) {
    const owner = ownerOf(admin, code);
    if (owner === null) {
      verify(null, { "coupon report: one winner": () => false }, tags);
      continue;
    }
    owners.push(owner);
    for (const failure of verifyWallets(service, [owner], AMOUNT, `gift:${code}`, tags)) walletFailures.push(failure);
  }
  logFailures("wallets", walletFailures);
  console.log(
    `${data.codes.length} coupons; ${statusFailures.length} not USED of ${Math.min(STATUS_SAMPLE, data.codes.length)} ` +
      `read; ${owners.length} owners' wallets read, ${walletFailures.length} wrong`,
  );
  finishVerification("coupons");
}
