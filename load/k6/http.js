/**
 * Requests and their answers: k6 parameters (token, JSON, Idempotency-Key, tags), the
 * JSON body, headers, problem+json codes, and a readable line for logs.
 */
import http from "k6/http";

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
