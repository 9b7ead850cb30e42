/**
 * Shared helpers for the k6 scripts in this folder: configuration from __ENV, tokens,
 * request parameters, phone numbers, problem+json codes, and the end-of-run checks of
 * a campaign (ranks, winners, wallet credits). Only k6 built-in modules: no remote
 * imports, no npm packages.
 */
import { check, group, sleep } from "k6";
import crypto from "k6/crypto";
import encoding from "k6/encoding";
import http from "k6/http";

// ---------------------------------------------------------------- configuration

/** One environment variable (k6 -e NAME=value, or the process environment), trimmed; undefined when empty. */
export function env(name, fallback) {
  const raw = __ENV[name];
  if (raw === undefined || raw === null) return fallback;
  const value = String(raw).trim();
  return value === "" ? fallback : value;
}

export function envInt(name, fallback, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
  const raw = env(name);
  if (raw === undefined) return fallback;
  const value = Number(raw.replace(/_/g, ""));
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer in ${min}..${max}, got "${raw}"`);
  }
  return value;
}

export function envNumber(name, fallback) {
  const raw = env(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got "${raw}"`);
  return value;
}

export function envBool(name, fallback) {
  const raw = env(name);
  if (raw === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const DURATION_WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|h|m|s))+$/;
const UNIT_SECONDS = { h: 3600, m: 60, s: 1, ms: 0.001 };

/** A k6 duration string ("30s", "1m30s", "500ms", "2h") in seconds. */
export function durationSeconds(text) {
  if (!DURATION_WHOLE.test(text)) throw new Error(`not a duration: "${text}" (use e.g. 30s, 5m, 1m30s)`);
  let seconds = 0;
  DURATION_PART.lastIndex = 0;
  for (let match = DURATION_PART.exec(text); match !== null; match = DURATION_PART.exec(text)) {
    seconds += Number(match[1]) * UNIT_SECONDS[match[2]];
  }
  return seconds;
}

/** A duration from the environment, validated, as the k6 string. */
export function envDuration(name, fallback) {
  const value = env(name, fallback);
  durationSeconds(value);
  return value;
}

const stripSlash = (url) => url.replace(/\/+$/, "");

export const DISCOUNT_URL = stripSlash(env("DISCOUNT_URL", "http://127.0.0.1:3002"));
export const WALLET_URL = stripSlash(env("WALLET_URL", "http://127.0.0.1:3001"));

/** Options every script shares; TLS verification can be skipped for a development CA (INSECURE_TLS=true). */
export function baseOptions() {
  return {
    insecureSkipTLSVerify: envBool("INSECURE_TLS", false),
    // Nothing of ours is a redirect: a 3xx would be a misrouted request, and should be seen as one.
    maxRedirects: 0,
    summaryTrendStats: ["avg", "min", "med", "p(90)", "p(95)", "p(99)", "max"],
  };
}

// ---------------------------------------------------------------- tokens

const b64url = (text) => encoding.b64encode(text, "rawurl");

/**
 * An HS256 JWT as the services expect it (packages/shared/src/auth.ts): header
 * {alg:"HS256",typ:"JWT"}, claims {role, sub, iat, exp}, key = the secret's UTF-8 bytes.
 */
export function mintToken(secret, role, subject, ttlSeconds) {
  const iat = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const claims = b64url(JSON.stringify({ role, sub: subject, iat, exp: iat + ttlSeconds }));
  const signature = crypto.hmac("sha256", secret, `${header}.${claims}`, "base64rawurl");
  return `${header}.${claims}.${signature}`;
}

/**
 * The admin and service tokens: ADMIN_TOKEN and SERVICE_TOKEN when given (minted with
 * `bun run --silent token --role admin|service`), else minted here from JWT_SECRET.
 * Call it in setup() and hand the result to the VUs through setup's data.
 */
export function resolveTokens() {
  const secret = env("JWT_SECRET");
  const ttl = envInt("TOKEN_TTL", 4 * 3600, 60, 30 * 86400);
  const admin = env("ADMIN_TOKEN") || (secret && mintToken(secret, "admin", "k6-admin", ttl));
  const service = env("SERVICE_TOKEN") || (secret && mintToken(secret, "service", "k6-load", ttl));
  if (!admin || !service) {
    throw new Error(
      "no tokens: pass -e ADMIN_TOKEN=$(bun run --silent token --role admin) " +
        "-e SERVICE_TOKEN=$(bun run --silent token --role service --sub k6), or -e JWT_SECRET=... to mint them here",
    );
  }
  return { admin, service };
}

// ---------------------------------------------------------------- checks

/**
 * k6's check(), except that a check function that throws (e.g. reading a field of a
 * body that is not JSON) counts as a failed check instead of ending the iteration,
 * where it would skip every later check and leave the `checks` threshold green.
 */
let verifyFailures = 0;

export function verify(value, sets, tags) {
  const safe = {};
  for (const name of Object.keys(sets)) {
    const fn = sets[name];
    safe[name] = (v) => {
      try {
        return Boolean(fn(v));
      } catch (_error) {
        return false;
      }
    };
  }
  const passed = check(value, safe, tags);
  if (!passed && tags && tags.phase === "verify") verifyFailures++;
  return passed;
}

/**
 * Ends a teardown(). Its checks (tagged phase:verify) already count toward the `checks`
 * thresholds, so a failed verification fails the run with exit code 99; with
 * VERIFY_THROW=true it also throws, which makes k6 exit with 107 even where a k6
 * version would not count teardown checks.
 */
export function finishVerification(what) {
  if (verifyFailures > 0 && envBool("VERIFY_THROW", false)) {
    throw new Error(`${what}: ${verifyFailures} verification check(s) failed`);
  }
}

/** A group whose exception is recorded as a failed check (and logged) rather than ending the iteration. */
export function step(name, fn) {
  group(name, () => {
    try {
      fn();
    } catch (error) {
      console.error(`${name}: ${error}`);
      check(null, { [`${name}: ran to the end`]: () => false });
    }
  });
}

// ---------------------------------------------------------------- requests

/**
 * k6 request parameters: bearer token, JSON headers, an optional Idempotency-Key, tags
 * (e.g. { endpoint: "redeem" } for per-endpoint thresholds), and an optional
 * responseCallback (http.expectedStatuses) for requests whose expected answer is a 4xx.
 */
export function params(token, options = {}) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.json) headers["Content-Type"] = "application/json";
  if (options.idempotencyKey) headers["Idempotency-Key"] = options.idempotencyKey;
  const result = { headers, tags: options.tags || {} };
  if (options.expect) result.responseCallback = options.expect;
  if (options.timeout) result.timeout = options.timeout;
  return result;
}

export function getJson(url, token, options = {}) {
  return http.get(url, params(token, options));
}

export function postJson(url, body, token, options = {}) {
  return http.post(url, JSON.stringify(body), params(token, Object.assign({}, options, { json: true })));
}

/** The parsed JSON body, or null when there is none or it is not JSON. */
export function jsonOf(res) {
  if (!res || typeof res.body !== "string" || res.body === "") return null;
  try {
    return JSON.parse(res.body);
  } catch (_error) {
    return null;
  }
}

export function header(res, name) {
  // k6 canonicalizes header names (Content-Type, Idempotent-Replayed); compare without case anyway.
  const headers = res ? res.headers : undefined;
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === wanted) return headers[key];
  return undefined;
}

export const isProblem = (res) => /^application\/problem\+json/i.test(header(res, "Content-Type") || "");

/** The stable machine `code` of an application/problem+json answer (DESIGN §6), or null. */
export function problemCode(res) {
  if (!isProblem(res)) return null;
  const body = jsonOf(res);
  return body && typeof body.code === "string" ? body.code : null;
}

/** A refusal as the API promises it: problem+json with the status, this code and a requestId. */
export function isProblemWith(res, status, code) {
  const body = jsonOf(res);
  return (
    res.status === status &&
    isProblem(res) &&
    body !== null &&
    body.code === code &&
    body.status === status &&
    typeof body.requestId === "string"
  );
}

/** A short line for logs: status, problem code, the start of the body. */
export function describe(res) {
  if (!res) return "no response";
  if (res.status === 0) return `network error: ${res.error || res.error_code}`;
  const body = typeof res.body === "string" ? res.body.slice(0, 300) : "";
  return `HTTP ${res.status} ${problemCode(res) || ""} ${body}`.trim();
}

/** For setup(): the answer must have this status, else the test stops with a readable error. */
export function must(res, status, what) {
  if (res.status !== status) throw new Error(`${what}: expected HTTP ${status}, got ${describe(res)}`);
  const body = jsonOf(res);
  if (body === null) throw new Error(`${what}: the body is not JSON: ${describe(res)}`);
  return body;
}

/** A short id for this run: campaign codes, idempotency keys and names carry it. */
export function runId() {
  const time = Date.now().toString(36).toUpperCase();
  const random = Math.floor(Math.random() * 1679616)
    .toString(36)
    .toUpperCase()
    .padStart(4, "0");
  return `${time}${random}`;
}

/** A campaign code (4-32 letters/digits) unique to this run. */
export const campaignCode = (prefix, id) =>
  `${prefix}${id}`
    .replace(/[^A-Z0-9]/gi, "")
    .toUpperCase()
    .slice(0, 32);

// ---------------------------------------------------------------- phones

const PHONE_SPACE = 10000000; // the seven digits after the operator prefix
// Coprime with 10^7 (odd, not a multiple of 5): i -> offset + i * STRIDE mod 10^7 is a bijection,
// so distinct indexes give distinct numbers, spread over the whole range rather than in a row.
const PHONE_STRIDE = 3141593;
const PHONE_PREFIX = env("PHONE_PREFIX", "0912");
if (!/^09\d{2}$/.test(PHONE_PREFIX)) throw new Error(`PHONE_PREFIX must look like 0912, got "${PHONE_PREFIX}"`);

/** Where this run's phone numbers start: PHONE_OFFSET, or random (call it in setup()). */
export function phoneOffset() {
  return envInt("PHONE_OFFSET", Math.floor(Math.random() * PHONE_SPACE), 0, PHONE_SPACE - 1);
}

/** The index-th phone of a run, an Iranian mobile as people type it: 0912xxxxxxx. At most 10^7 distinct. */
export function phoneAt(index, offset) {
  const n = (offset + (index % PHONE_SPACE) * PHONE_STRIDE) % PHONE_SPACE;
  return `${PHONE_PREFIX}${String(n).padStart(7, "0")}`;
}

/** The canonical form the services store and answer with: 09121234567 -> +989121234567. */
export const canonicalPhone = (local) => `+98${local.slice(1)}`;

/** A canonical +98 phone back in the local form, safe in a URL path: +989121234567 -> 09121234567. */
export const localPhone = (canonical) => `0${canonical.slice(3)}`;

// ---------------------------------------------------------------- campaigns and verification

/** Creates a gift campaign through the admin API; throws (ending setup) unless it answers 201. */
export function createCampaign(adminToken, campaign) {
  const res = postJson(`${DISCOUNT_URL}/v1/campaigns`, campaign, adminToken, { tags: { endpoint: "campaigns" } });
  const body = must(res, 201, `creating campaign ${campaign.code || campaign.name}`);
  if (body.maxRedemptions !== campaign.maxRedemptions || body.amount !== campaign.amount) {
    throw new Error(`the created campaign does not match the request: ${res.body}`);
  }
  return body;
}

export function reportPage(adminToken, code, cursor, limit) {
  const url = `${DISCOUNT_URL}/v1/campaigns/${encodeURIComponent(code)}/report?limit=${limit}&cursor=${cursor}`;
  return getJson(url, adminToken, { tags: { endpoint: "report" } });
}

/** Polls the report until no credit is pending (the outbox relay has delivered them) or the time is up. */
export function waitUntilSettled(adminToken, code, seconds) {
  const deadline = Date.now() + seconds * 1000;
  let summary = null;
  for (;;) {
    const res = reportPage(adminToken, code, 0, 1);
    summary = res.status === 200 ? jsonOf(res) : null;
    if (summary && summary.pending === 0) return summary;
    if (Date.now() >= deadline) return summary;
    sleep(1);
  }
}

/** Every winner of a campaign, page by page (cursor = last rank) until hasMore is false. */
export function allWinners(adminToken, code) {
  const winners = [];
  let cursor = "0";
  for (let page = 0; page < 100000; page++) {
    const res = reportPage(adminToken, code, cursor, 1000);
    if (res.status !== 200) throw new Error(`reading the report of ${code}: ${describe(res)}`);
    const body = jsonOf(res);
    for (const winner of body.winners) winners.push(winner);
    if (!body.hasMore) return winners;
    if (body.nextCursor === cursor) throw new Error(`the report cursor did not move past ${cursor}`);
    cursor = body.nextCursor;
  }
  throw new Error("the report did not end");
}

/** Ranks exactly 1..n in order (no gap, no duplicate) and every phone distinct; the problems found, as text. */
export function rankProblems(winners) {
  const problems = [];
  const phones = new Set();
  for (let i = 0; i < winners.length; i++) {
    const w = winners[i];
    if (w.rank !== i + 1 && problems.length < 10) problems.push(`position ${i + 1} holds rank ${w.rank}`);
    if (phones.has(w.phone) && problems.length < 10) problems.push(`phone ${w.phone} won twice`);
    phones.add(w.phone);
  }
  return problems;
}

/** Up to n items spread evenly over the list (all of them when n >= length). */
export function sample(list, n) {
  if (n >= list.length) return list.slice();
  const picked = [];
  const step = list.length / n;
  for (let i = 0; i < n; i++) picked.push(list[Math.floor(i * step)]);
  return picked;
}

/**
 * Reads each phone's wallet: the balance must be at least `amount`, and the ledger must
 * hold exactly one entry with `reference` (gift:<CODE>): credited once, never twice.
 * Runs `batch` requests at a time with http.batch. Emits checks tagged `tags`; returns
 * the failures as text for the log.
 */
export function verifyWallets(serviceToken, canonicalPhones, amount, reference, tags, batch = 20) {
  const failures = [];
  for (let start = 0; start < canonicalPhones.length; start += batch) {
    const chunk = canonicalPhones.slice(start, start + batch);
    const requests = [];
    for (const phone of chunk) {
      const path = `${WALLET_URL}/v1/wallets/${localPhone(phone)}`;
      requests.push({ method: "GET", url: path, params: params(serviceToken, { tags: { endpoint: "balance" } }) });
      requests.push({
        method: "GET",
        url: `${path}/transactions?limit=100`,
        params: params(serviceToken, { tags: { endpoint: "transactions" } }),
      });
    }
    const responses = http.batch(requests);
    chunk.forEach((phone, i) => {
      const wallet = jsonOf(responses[2 * i]);
      const page = jsonOf(responses[2 * i + 1]);
      const balanceOk = wallet !== null && wallet.phone === phone && wallet.balance >= amount;
      const credits =
        page && Array.isArray(page.items)
          ? page.items.filter((e) => e.reference === reference && e.kind === "credit")
          : [];
      const onceOk = credits.length === 1 && credits[0].amount === amount;
      verify(null, { "winner's wallet balance >= amount": () => balanceOk }, tags);
      verify(null, { "winner credited exactly once (one ledger entry for the code)": () => onceOk }, tags);
      if (!balanceOk || !onceOk) {
        failures.push(
          `${phone}: balance ${wallet ? wallet.balance : describe(responses[2 * i])}, entries ${credits.length}`,
        );
      }
    });
  }
  return failures;
}

/** Logs what failed in teardown, so a failed `checks{phase:verify}` threshold has its reasons next to it. */
export function logFailures(title, failures) {
  if (failures.length === 0) return;
  console.error(`${title}: ${failures.length} problem(s); first ones:\n  ${failures.slice(0, 20).join("\n  ")}`);
}

/**
 * Reads every winner of a campaign and checks the ranks: as many rows as the report
 * counts, ranks exactly 1..N with distinct phones, phones in canonical form. Returns
 * the winners for further checks.
 */
export function verifyWinners(adminToken, code, summary, tags) {
  let winners = [];
  try {
    winners = allWinners(adminToken, code);
  } catch (error) {
    console.error(String(error));
    verify(null, { "report: every page readable": () => false }, tags);
  }
  const problems = rankProblems(winners);
  verify(
    null,
    {
      "winners: as many rows as the report counts": () => summary !== null && winners.length === summary.redeemed,
      "winners: ranks exactly 1..N, no gap, no duplicate, distinct phones": () => problems.length === 0,
      "winners: phones in canonical +98 form": () => winners.every((w) => /^\+989\d{9}$/.test(w.phone)),
    },
    tags,
  );
  logFailures("ranks", problems);
  return winners;
}
