/**
 * Soak: a steady mix of the everyday traffic for a long time (default 10 minutes),
 * to see latency, errors and memory stay flat.
 *
 *   k6 run -e JWT_SECRET="$(cat data/jwt-secret)" load/k6/soak.js
 *   k6 run -e ADMIN_TOKEN=... -e SERVICE_TOKEN=... -e RATE=200 -e DURATION=1h load/k6/soak.js
 *
 * RATE requests a second (constant-arrival-rate), each one of, by MIX weight:
 *   balance  GET /v1/wallets/:phone (and, one time in four, its transactions)
 *   credit   POST /v1/wallets/:phone/credits with a unique Idempotency-Key; REPLAY_PERCENT
 *            of them sent twice, the second must be the stored entry (Idempotent-Replayed)
 *   redeem   POST /v1/redeem on a big campaign made in setup(): 201 for a new phone,
 *            200 for one that already won
 *   report   GET /v1/campaigns/:code/report (admin)
 *   soldout  POST /v1/redeem on a campaign of cap 1 won in setup(): 409 CAMPAIGN_EXHAUSTED
 *   coupon   POST /generate-coupon (admin), then POST /redeem-coupon of it: 201, then 200
 * Phones come from a pool of USERS. teardown() checks the campaign's ranks and a sample
 * of its winners' wallets, as match-burst.js does.
 *
 * The default MIX leaves out soldout and coupon; `bun run soak` adds them.
 *
 * Rate limits: at the default mix, ~30% of RATE are redeems from one address; raise
 * RATE_LIMIT_IP_PER_MINUTE above 60 × that (the default 600/min is 10 a second), and
 * RATE_LIMIT_COUPON_IP_PER_MINUTE (default 5) when the mix has coupons.
 */
import { sleep } from "k6";
import exec from "k6/execution";
import http from "k6/http";
import { Counter, Rate } from "k6/metrics";
import { createCampaign, createSoldOutCampaign, waitUntilSettled } from "./campaigns.js";
import { finishVerification, logFailures, verify } from "./checks.js";
import { baseOptions, DISCOUNT_URL, env, envDuration, envInt, envNumber, p99Ms, WALLET_URL } from "./config.js";
import { describe, header, isProblemWith, jsonOf, params } from "./http.js";
import { campaignCode, canonicalPhone, phoneAt, phoneOffset, runId } from "./ids.js";
import { parseMix, pick } from "./mix.js";
import { summaryWriter } from "./summary.js";
import { resolveTokens } from "./tokens.js";
import { sample, verifyWallets, verifyWinners } from "./verification.js";

const RATE = envInt("RATE", 50, 1);
const DURATION = envDuration("DURATION", "10m");
const USERS = envInt("USERS", 50000, 1, 10000000);
const CAP = envInt("CAP", 10000000, 1, 10000000);
const AMOUNT = envInt("AMOUNT", 1000, 1);
const CREDIT_AMOUNT = envInt("CREDIT_AMOUNT", 1000, 1);
const REPLAY_PERCENT = envInt("REPLAY_PERCENT", 5, 0, 100);
const P99_MS = p99Ms(250);
const ERROR_RATE = envNumber("ERROR_RATE", 0.001);
const SETTLE_SECONDS = envInt("SETTLE_SECONDS", 60, 0);
const WALLET_SAMPLE = envInt("WALLET_SAMPLE", 100, 0);

const ACTIONS = ["balance", "credit", "redeem", "report", "soldout", "coupon"];
const MIX = parseMix("MIX", env("MIX", "balance:40,credit:20,redeem:30,report:10"), ACTIONS);

/** Per request: whether the answer was one the API does not promise for it (5xx, network, wrong status). */
const unexpected = new Rate("unexpected");
const rateLimited = new Counter("rate_limited");

http.setResponseCallback(http.expectedStatuses(200, 201));

const thresholds = {
  unexpected: [
    `rate<=${ERROR_RATE}`,
    // Stop early instead of soaking a broken system for the whole DURATION.
    { threshold: "rate<0.5", abortOnFail: true, delayAbortEval: "30s" },
  ],
  http_req_failed: [`rate<=${ERROR_RATE}`],
  rate_limited: ["count==0"],
  checks: [`rate>=${1 - ERROR_RATE}`],
  "checks{phase:verify}": ["rate==1"],
};
const endpoints = {
  balance: ["balance", "transactions"],
  credit: ["credit"],
  redeem: ["redeem"],
  report: ["report"],
  soldout: ["redeem"],
  coupon: ["generate-coupon", "redeem-coupon"],
};
for (const m of MIX) {
  for (const endpoint of endpoints[m.name]) thresholds[`http_req_duration{endpoint:${endpoint}}`] = [`p(99)<${P99_MS}`];
}

export const options = Object.assign(baseOptions(), {
  scenarios: {
    soak: {
      executor: "constant-arrival-rate",
      rate: RATE,
      timeUnit: "1s",
      duration: DURATION,
      preAllocatedVUs: envInt("PRE_VUS", 50, 1),
      maxVUs: envInt("MAX_VUS", 500, 1),
    },
  },
  thresholds,
  teardownTimeout: envDuration("TEARDOWN_TIMEOUT", "10m"),
});

/** The summary on stdout and, as text and JSON, in load/results/ (summary.js). */
export const handleSummary = summaryWriter("soak");

export function setup() {
  const tokens = resolveTokens();
  const run = runId();
  const campaign = createCampaign(tokens.admin, {
    name: `k6 soak ${run}`,
    code: campaignCode("K6SOAK", run),
    amount: AMOUNT,
    maxRedemptions: CAP,
  });
  console.log(`soak: ${RATE}/s for ${DURATION}, mix ${env("MIX", "default")}, campaign ${campaign.code}`);
  // Won by a phone of another prefix than the pool's (PHONE_PREFIX, 0912), so the pool only ever hears 409.
  const soldOut = MIX.some((m) => m.name === "soldout")
    ? createSoldOutCampaign(
        tokens,
        { name: `k6 soak sold out ${run}`, code: campaignCode("K6SOLD", run), amount: AMOUNT },
        "09990000000",
      ).code
    : null;
  return { tokens, run, code: campaign.code, offset: phoneOffset(), soldOut };
}

let logged = 0;

/** Records one answer: `ok` says whether it is what the API promises; 429s are also counted apart. */
function record(res, ok, what) {
  if (res.status === 429) rateLimited.add(1);
  unexpected.add(!ok);
  if (!ok && logged < 10) {
    logged++;
    console.error(`${what}: ${describe(res)}`);
  }
}

/** One `name` tag for every phone's URL: a tag per phone would make k6 keep a time series per phone. */
const WALLET_PATH = `${WALLET_URL}/v1/wallets/:phone`;

function balance(data, phone) {
  const url = `${WALLET_URL}/v1/wallets/${phone}`;
  const res = http.get(url, params(data.tokens.service, { tags: { endpoint: "balance", name: WALLET_PATH } }));
  const ok = verify(res, {
    "balance: 200 {phone, balance >= 0, IRT}": (r) => {
      const b = jsonOf(r);
      return r.status === 200 && b.phone === canonicalPhone(phone) && b.balance >= 0 && b.currency === "IRT";
    },
  });
  record(res, ok, `balance ${phone}`);
  if (Math.random() >= 0.25) return;
  const page = http.get(
    `${url}/transactions?limit=10`,
    params(data.tokens.service, { tags: { endpoint: "transactions", name: `${WALLET_PATH}/transactions` } }),
  );
  const pageOk = verify(page, {
    "transactions: 200, newest first": (r) => {
      const items = jsonOf(r).items;
      return r.status === 200 && items.every((e, i) => i === 0 || e.id < items[i - 1].id);
    },
  });
  record(page, pageOk, `transactions ${phone}`);
}

function credit(data, phone) {
  const key = `k6-soak-${data.run}-${exec.scenario.iterationInTest}`;
  const body = JSON.stringify({ amount: CREDIT_AMOUNT, reference: `k6-soak:${data.run}` });
  const p = params(data.tokens.service, {
    json: true,
    idempotencyKey: key,
    tags: { endpoint: "credit", name: `${WALLET_PATH}/credits` },
  });
  const url = `${WALLET_URL}/v1/wallets/${phone}/credits`;
  const res = http.post(url, body, p);
  const entry = jsonOf(res);
  const ok = verify(res, {
    "credit: 201 entry": (r) =>
      r.status === 201 &&
      entry.kind === "credit" &&
      entry.amount === CREDIT_AMOUNT &&
      entry.balanceAfter >= CREDIT_AMOUNT,
  });
  record(res, ok, `credit ${phone}`);
  if (!ok || Math.random() * 100 >= REPLAY_PERCENT) return;
  const again = http.post(url, body, p);
  const replayOk = verify(again, {
    "credit replay: 201, Idempotent-Replayed, the same entry": (r) =>
      r.status === 201 && header(r, "Idempotent-Replayed") === "true" && jsonOf(r).id === entry.id,
  });
  record(again, replayOk, `credit replay ${key}`);
}

function redeem(data, phone) {
  const res = http.post(
    `${DISCOUNT_URL}/v1/redeem`,
    JSON.stringify({ code: data.code, phone }),
    params(data.tokens.service, { json: true, tags: { endpoint: "redeem" } }),
  );
  const ok = verify(res, {
    "redeem: 201 won or 200 repeat, this phone": (r) => {
      const b = jsonOf(r);
      return (
        (r.status === 201 || r.status === 200) &&
        b.phone === canonicalPhone(phone) &&
        b.rank >= 1 &&
        b.rank <= CAP &&
        b.amount === AMOUNT
      );
    },
  });
  record(res, ok, `redeem ${phone}`);
}

const EXPECT_SOLD_OUT = http.expectedStatuses(409);

function soldOut(data, phone) {
  const res = http.post(
    `${DISCOUNT_URL}/v1/redeem`,
    JSON.stringify({ code: data.soldOut, phone }),
    params(data.tokens.service, { json: true, tags: { endpoint: "redeem" }, expect: EXPECT_SOLD_OUT }),
  );
  const ok = verify(res, {
    "redeem sold out: 409 CAMPAIGN_EXHAUSTED": (r) => isProblemWith(r, 409, "CAMPAIGN_EXHAUSTED"),
  });
  record(res, ok, `redeem sold out ${phone}`);
}

function coupon(data, phone) {
  const generated = http.post(
    `${DISCOUNT_URL}/generate-coupon`,
    JSON.stringify({ amount: AMOUNT }),
    params(data.tokens.admin, { json: true, tags: { endpoint: "generate-coupon" } }),
  );
  const generatedOk = verify(generated, {
    "generate-coupon: 201 with a code": (r) => r.status === 201 && typeof jsonOf(r).code === "string",
  });
  record(generated, generatedOk, "generate-coupon");
  if (!generatedOk) return;
  const code = jsonOf(generated).code;
  const res = http.post(
    `${DISCOUNT_URL}/redeem-coupon`,
    JSON.stringify({ code, phone }),
    params(data.tokens.service, { json: true, tags: { endpoint: "redeem-coupon" } }),
  );
  const ok = verify(res, {
    "redeem-coupon: 200, this coupon, this phone": (r) => {
      const b = jsonOf(r);
      return r.status === 200 && b.code === code && b.phone === canonicalPhone(phone) && b.amount === AMOUNT;
    },
  });
  record(res, ok, `redeem-coupon ${code}`);
}

function report(data) {
  const res = http.get(
    `${DISCOUNT_URL}/v1/campaigns/${data.code}/report?limit=20`,
    params(data.tokens.admin, { tags: { endpoint: "report" } }),
  );
  const ok = verify(res, {
    "report: 200, the cap, winners in rank order": (r) => {
      const b = jsonOf(r);
      return (
        r.status === 200 &&
        b.cap === CAP &&
        b.redeemed <= CAP &&
        b.winners.every((w, i) => w.rank === (i === 0 ? w.rank : b.winners[i - 1].rank + 1))
      );
    },
  });
  record(res, ok, "report");
}

export default function (data) {
  const phone = phoneAt(Math.floor(Math.random() * USERS), data.offset);
  const action = pick(MIX);
  if (action === "balance") balance(data, phone);
  else if (action === "credit") credit(data, phone);
  else if (action === "redeem") redeem(data, phone);
  else if (action === "soldout") soldOut(data, phone);
  else if (action === "coupon") coupon(data, phone);
  else report(data);
}

export function teardown(data) {
  const { admin, service } = data.tokens;
  const tags = { phase: "verify" };
  sleep(1);
  const summary = waitUntilSettled(admin, data.code, SETTLE_SECONDS);
  verify(
    summary,
    {
      "report: never more winners than the cap": (s) => s.redeemed <= CAP,
      "report: every credit delivered (none pending or failed)": (s) =>
        s.pending === 0 && s.failed === 0 && s.credited === s.redeemed,
    },
    tags,
  );
  const winners = verifyWinners(admin, data.code, summary, tags);
  const phones = sample(winners, WALLET_SAMPLE).map((w) => w.phone);
  const walletFailures = verifyWallets(service, phones, AMOUNT, `gift:${data.code}`, tags);
  logFailures("wallets", walletFailures);
  console.log(
    `soak campaign ${data.code}: ${winners.length} winners; ${phones.length} wallets read, ${walletFailures.length} wrong`,
  );
  finishVerification("soak");
}
