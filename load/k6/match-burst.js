/**
 * The match burst (DESIGN §1, §4): a gift code announced on air, tens of thousands of
 * redeem requests within seconds, exactly CAP winners.
 *
 *   k6 run -e JWT_SECRET="$(cat data/jwt-secret)" load/k6/match-burst.js
 *   k6 run -e ADMIN_TOKEN=... -e SERVICE_TOKEN=... -e RATE=2000 -e DURATION=30s load/k6/match-burst.js
 *
 * setup() creates a fresh campaign (CAP winners of AMOUNT Tomans) through the admin API.
 * The scenario POSTs /v1/redeem with the service token and a phone in the body: USERS
 * distinct phones, and with DUPLICATES on (default) every block of 10 requests carries 7
 * phones, one of them sent 3 times and one twice, a few milliseconds apart.
 * teardown() waits for the credits to settle, reads the whole report (cursor paging) and
 * checks ranks 1..N without gap or duplicate, distinct phones, and the winners' wallets.
 *
 * All the traffic comes from one address: raise RATE_LIMIT_IP_PER_MINUTE on the discount
 * service (default 600/min), or the 429s are counted in `rate_limited` and fewer than CAP win.
 */
import exec from "k6/execution";
import http from "k6/http";
import { Counter, Trend } from "k6/metrics";
import { createCampaign, waitUntilSettled } from "./campaigns.js";
import { finishVerification, logFailures, verify } from "./checks.js";
import {
  baseOptions,
  DISCOUNT_URL,
  durationSeconds,
  env,
  envBool,
  envDuration,
  envInt,
  p99Ms,
  soldOutP99Ms,
} from "./config.js";
import { describe, jsonOf, params, problemCode } from "./http.js";
import { campaignCode, canonicalPhone, phoneAt, phoneOffset, runId } from "./ids.js";
import { summaryWriter } from "./summary.js";
import { resolveTokens } from "./tokens.js";
import { sample, verifyWallets, verifyWinners } from "./verification.js";

// ---------------------------------------------------------------- configuration

const CAP = envInt("CAP", 1000, 1, 10000000);
const AMOUNT = envInt("AMOUNT", 1000000, 1);
const USERS = envInt("USERS", 30000, 1, 10000000);
const RATE = envInt("RATE", 1000, 1);
const START_RATE = envInt("START_RATE", Math.max(1, Math.floor(RATE / 10)), 0);
const RAMP = envDuration("RAMP", "5s");
const DURATION = envDuration("DURATION", "40s");
const DUPLICATES = envBool("DUPLICATES", true);
const P99_MS = p99Ms(200);
const SOLD_OUT_P99_MS = soldOutP99Ms();
const SETTLE_SECONDS = envInt("SETTLE_SECONDS", 60, 0);
const WALLET_SAMPLE = env("WALLET_SAMPLE", "all");
const WALLET_BATCH = envInt("WALLET_BATCH", 20, 1, 500);

// Per block of 10 requests: 7 distinct phones (positions 0-6); positions 7, 8, 9 send
// again the phones of positions 1, 4 and 1, so one phone sends 3 times and one twice.
const BLOCK = 10;
const FRESH_PER_BLOCK = 7;
const REPEAT_OF = [1, 4, 1];

/** Which of the USERS phones the i-th request of the test is for. */
function phoneIndex(i) {
  if (!DUPLICATES) return i % USERS;
  const position = i % BLOCK;
  const slot = position < FRESH_PER_BLOCK ? position : REPEAT_OF[position - FRESH_PER_BLOCK];
  return (Math.floor(i / BLOCK) * FRESH_PER_BLOCK + slot) % USERS;
}

/** How many distinct phones the first n requests carry. */
function distinctPhones(n) {
  if (!DUPLICATES) return Math.min(USERS, n);
  return Math.min(USERS, Math.floor(n / BLOCK) * FRESH_PER_BLOCK + Math.min(n % BLOCK, FRESH_PER_BLOCK));
}

const rampSeconds = durationSeconds(RAMP);
const startRate = rampSeconds > 0 ? START_RATE : RATE;
const stages =
  rampSeconds > 0
    ? [
        { target: RATE, duration: RAMP },
        { target: RATE, duration: DURATION },
      ]
    : [{ target: RATE, duration: DURATION }];
/** Requests the scenario offers if k6 keeps up (see dropped_iterations in the summary). */
const PLANNED_REQUESTS = Math.floor(((startRate + RATE) / 2) * rampSeconds + RATE * durationSeconds(DURATION));
const PLANNED_PHONES = distinctPhones(PLANNED_REQUESTS);

// Exactly CAP winners is the expectation only when the run offers at least CAP distinct
// phones; EXPECT_SOLD_OUT=true|false overrides the estimate.
const expectMode = env("EXPECT_SOLD_OUT", "auto");
const EXPECT_SOLD_OUT = expectMode === "auto" ? PLANNED_PHONES >= CAP : envBool("EXPECT_SOLD_OUT", false);

// ---------------------------------------------------------------- metrics

const won = new Counter("won"); // 201: this request took a prize
const repeat = new Counter("repeat"); // 200: this phone had won before; the original result again
const soldOut = new Counter("sold_out"); // 409 CAMPAIGN_EXHAUSTED
const rateLimited = new Counter("rate_limited"); // 429 RATE_LIMITED
const errors = new Counter("errors"); // anything else: 5xx, network errors, unexpected answers
const soldOutLatency = new Trend("sold_out_latency", true); // how fast late arrivals hear "sold out"

// 409 and 429 are answers, not failures: http_req_failed then counts only the rest.
http.setResponseCallback(http.expectedStatuses(200, 201, 409, 429));

const thresholds = {
  errors: ["count==0"],
  http_req_failed: ["rate==0"],
  "http_req_duration{endpoint:redeem}": [`p(99)<${P99_MS}`],
  won: EXPECT_SOLD_OUT ? [`count==${CAP}`] : [`count<=${CAP}`],
  checks: ["rate==1"],
  // The end-of-run verification in teardown(), on its own line of the summary.
  "checks{phase:verify}": ["rate==1"],
};
if (SOLD_OUT_P99_MS !== undefined) thresholds.sold_out_latency = [`p(99)<${SOLD_OUT_P99_MS}`];
if (env("MAX_RATE_LIMITED")) thresholds.rate_limited = [`count<=${envInt("MAX_RATE_LIMITED", 0, 0)}`];

export const options = Object.assign(baseOptions(), {
  scenarios: {
    burst: {
      executor: "ramping-arrival-rate",
      startRate,
      timeUnit: "1s",
      stages,
      preAllocatedVUs: envInt("PRE_VUS", 200, 1),
      maxVUs: envInt("MAX_VUS", 2000, 1),
      gracefulStop: "30s",
    },
  },
  thresholds,
  setupTimeout: "2m",
  teardownTimeout: envDuration("TEARDOWN_TIMEOUT", "10m"),
});

/** The summary on stdout and, as text and JSON, in load/results/ (summary.js). */
export const handleSummary = summaryWriter("match-burst");

// ---------------------------------------------------------------- lifecycle

export function setup() {
  const tokens = resolveTokens();
  const id = runId();
  const campaign = createCampaign(tokens.admin, {
    name: `k6 match burst ${id}`,
    code: campaignCode("K6BURST", id),
    amount: AMOUNT,
    maxRedemptions: CAP,
  });
  console.log(
    `campaign ${campaign.code}: cap ${CAP}, amount ${AMOUNT}; planned ~${PLANNED_REQUESTS} requests over ` +
      `${PLANNED_PHONES} distinct phones (USERS=${USERS}, duplicates ${DUPLICATES ? "on" : "off"}); ` +
      `expecting ${EXPECT_SOLD_OUT ? `exactly ${CAP} winners` : `at most ${CAP} winners`}`,
  );
  return { tokens, code: campaign.code, offset: phoneOffset(), expectSoldOut: EXPECT_SOLD_OUT };
}

let redeemParams; // per VU: built once, reused by every request
let logged = 0;

function unexpected(res, phone) {
  errors.add(1, { status: String(res.status) });
  if (logged < 5) {
    logged++;
    console.error(`unexpected answer for ${phone}: ${describe(res)}`);
  }
}

export default function (data) {
  if (!redeemParams) redeemParams = params(data.tokens.service, { json: true, tags: { endpoint: "redeem" } });
  const phone = phoneAt(phoneIndex(exec.scenario.iterationInTest), data.offset);
  const res = http.post(`${DISCOUNT_URL}/v1/redeem`, JSON.stringify({ code: data.code, phone }), redeemParams);

  switch (res.status) {
    case 201:
      won.add(1);
      verify(res, {
        "201 won: rank within the cap, this phone, the amount": (r) => {
          const b = jsonOf(r);
          return (
            b.rank >= 1 &&
            b.rank <= CAP &&
            b.phone === canonicalPhone(phone) &&
            b.amount === AMOUNT &&
            (b.status === "credited" || b.status === "pending")
          );
        },
      });
      break;
    case 200:
      repeat.add(1);
      verify(res, {
        "200 repeat: the original win of this phone": (r) => {
          const b = jsonOf(r);
          return b.rank >= 1 && b.rank <= CAP && b.phone === canonicalPhone(phone) && b.amount === AMOUNT;
        },
      });
      break;
    case 409:
      if (problemCode(res) === "CAMPAIGN_EXHAUSTED") {
        soldOut.add(1);
        soldOutLatency.add(res.timings.duration);
      } else {
        unexpected(res, phone);
      }
      break;
    case 429:
      rateLimited.add(1);
      break;
    default:
      unexpected(res, phone);
  }
}

export function teardown(data) {
  const { admin, service } = data.tokens;
  const tags = { phase: "verify" };

  const summary = waitUntilSettled(admin, data.code, SETTLE_SECONDS);
  const summaryChecks = {
    "report: the cap is CAP": (s) => s.cap === CAP,
    "report: never more winners than the cap": (s) => s.redeemed <= CAP && s.remaining === CAP - s.redeemed,
    "report: every credit delivered (none pending or failed)": (s) =>
      s.pending === 0 && s.failed === 0 && s.credited === s.redeemed,
  };
  if (data.expectSoldOut) {
    summaryChecks["report: sold out with exactly CAP winners"] = (s) =>
      s.redeemed === CAP && s.remaining === 0 && s.soldOutAt !== null;
  }
  verify(summary, summaryChecks, tags);

  const winners = verifyWinners(admin, data.code, summary, tags);

  const size = WALLET_SAMPLE === "all" ? winners.length : Number(WALLET_SAMPLE);
  if (!Number.isInteger(size) || size < 0)
    throw new Error(`WALLET_SAMPLE must be "all" or a count, got ${WALLET_SAMPLE}`);
  const phones = sample(winners, size).map((w) => w.phone);
  const walletFailures = verifyWallets(service, phones, AMOUNT, `gift:${data.code}`, tags, WALLET_BATCH);
  logFailures("wallets", walletFailures);

  console.log(
    `campaign ${data.code}: ${winners.length} winners (cap ${CAP}); ` +
      (summary
        ? `credited ${summary.credited}, pending ${summary.pending}, failed ${summary.failed}; `
        : "report unreadable; ") +
      `${phones.length} wallets read, ${walletFailures.length} wrong`,
  );
  finishVerification("match burst");
}
