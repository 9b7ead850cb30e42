// Same-origin calls to the discount service with the admin token, and its problem+json errors.

import { t } from "./i18n.js";

const TOKEN_KEY = "matchday.admin.token";
const TIMEOUT_MS = 10_000;

/** The token lives in this tab's sessionStorage only, never localStorage. */
export const tokenStore = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (token) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** A refused or failed call: HTTP status (0 when the service could not be reached) and the problem's fields. */
export class ApiError extends Error {
  constructor(status, problem = {}) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = problem.code || (status === 0 ? "NETWORK" : `HTTP_${status}`);
    this.title = problem.title || "";
    this.detail = problem.detail || "";
    this.requestId = problem.requestId || "";
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
  }
}

/** Errors that no retry will fix: the token is gone, expired, invalid or not an admin's. */
export const isAuthError = (err) => err instanceof ApiError && (err.status === 401 || err.status === 403);

/** Strips a pasted "Bearer " prefix and any whitespace or line breaks. */
export function cleanToken(raw) {
  return String(raw ?? "")
    .replace(/^\s*bearer\s+/i, "")
    .replace(/\s+/g, "");
}

/**
 * The token's claims, read without verifying it (the server does that), or null when it is not
 * shaped like a JWT. Used only to refuse early, never to let anyone in.
 */
export function unverifiedClaims(token) {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts.every((p) => /^[A-Za-z0-9_-]+$/.test(p))) return null;
  try {
    const base64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "=")));
    return claims && typeof claims === "object" ? claims : null;
  } catch {
    return null;
  }
}

function withTimeout(signal) {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException("The request timed out", "TimeoutError")),
    TIMEOUT_MS,
  );
  if (signal) {
    if (signal.aborted) controller.abort(signal.reason);
    else signal.addEventListener("abort", () => controller.abort(signal.reason), { once: true });
  }
  return { signal: controller.signal, done: () => clearTimeout(timer) };
}

async function problemOf(res) {
  try {
    const body = await res.json();
    return body && typeof body === "object" ? body : {};
  } catch {
    return {};
  }
}

/** Calls the API; resolves to the Response when it is 2xx, else throws an ApiError. */
async function send(path, { method = "GET", body, signal, token = tokenStore.get(), extraHeaders = {} } = {}) {
  const headers = { Accept: "application/json, application/problem+json", ...extraHeaders };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const t = withTimeout(signal);
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: t.signal,
    });
  } catch (err) {
    t.done();
    if (signal?.aborted) throw err;
    throw new ApiError(0, { detail: t("noService") });
  }
  t.done();
  if (!res.ok) throw new ApiError(res.status, await problemOf(res));
  return res;
}

async function json(path, options) {
  const res = await send(path, options);
  return res.json();
}

const enc = encodeURIComponent;

/**
 * A fresh Idempotency-Key. getRandomValues, not randomUUID: the page may be opened over plain
 * http on a LAN address, which is not a secure context.
 */
export function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `dashboard-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Campaigns per page of the picker; "Load more" follows the API's nextCursor. */
export const CAMPAIGN_PAGE = 50;

export const api = {
  /** Also the sign-in check: 401 without a good token, 403 for a non-admin one. */
  listCampaigns: ({ q = "", cursor = null, token } = {}) => {
    const query = new URLSearchParams({ limit: String(CAMPAIGN_PAGE) });
    if (q) query.set("q", q);
    if (cursor) query.set("cursor", cursor);
    return json(`/v1/campaigns?${query}`, token ? { token } : {});
  },
  createCampaign: (body) => json("/v1/campaigns", { method: "POST", body }),
  report: (code, { cursor = 0, limit = 1000 } = {}, signal) =>
    json(`/v1/campaigns/${enc(code)}/report?cursor=${enc(String(cursor))}&limit=${limit}`, { signal }),
  generateCoupon: (body) => json("/generate-coupon", { method: "POST", body }),
  listWebhooks: () => json("/v1/webhooks"),
  lastDelivery: async (id) => (await json(`/v1/webhooks/${enc(String(id))}/deliveries?limit=1`)).items[0] ?? null,

  /**
   * Voids a gift winner. Resolves to { done, reversal }: done is false for a 202, where the wallet has
   * not confirmed the debit yet. The same key always names the same void, so a retry cannot void twice.
   */
  async voidWinner(code, phone, { reason, idempotencyKey }) {
    const res = await send(`/v1/campaigns/${enc(code)}/redemptions/${enc(phone)}/void`, {
      method: "POST",
      body: { reason },
      extraHeaders: { "Idempotency-Key": idempotencyKey },
    });
    return { done: res.status !== 202, reversal: await res.json() };
  },

  /** The CSV needs the Authorization header, so it is fetched and saved through a temporary object URL. */
  async downloadCsv(code) {
    const res = await send(`/v1/campaigns/${enc(code)}/report?format=csv`);
    const blob = await res.blob();
    const match = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "");
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = match ? match[1] : `${code}-winners.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  },
};

/** Human text for a sign-in failure, by the problem's stable code. */
export function signInMessage(err) {
  if (!(err instanceof ApiError)) return t("signInUnexpected");
  switch (err.code) {
    case "UNAUTHENTICATED":
      return t("tokenMissing");
    case "TOKEN_EXPIRED":
      return t("tokenExpired");
    case "INVALID_TOKEN":
      return t("tokenInvalid");
    case "FORBIDDEN":
      return t("tokenNotAdmin");
    case "NETWORK":
      return t("serviceUnreachable");
    default:
      return err.status === 403
        ? t("tokenNotAdmin")
        : t("signInFailed", `${err.message}${err.requestId ? ` (request ${err.requestId})` : ""}`);
  }
}
