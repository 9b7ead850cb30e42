import { createHash } from "node:crypto";
import type { Client } from "@libsql/client";
import { isErrorCode as isDiscountCode } from "@matchday/discount/errors";
import { isErrorCode as isWalletCode } from "@matchday/wallet/errors";
import fc from "fast-check";
import { rawRequestText, sendRaw } from "../http/raw-http";
import type { BadRequest } from "./bad-input";
import { type RouteSpec, validRequestFor } from "./bad-routes";

const PROBLEM_KEYS = new Set(["type", "title", "status", "detail", "code", "requestId", "errors"]);
/** The RFC 9457 extension members a refusal documents for its code, and only those. */
const EXTENSION_MEMBERS: Record<string, string[]> = {
  CODE_SPACE_TOO_SMALL: ["spaceBits", "maxCodes", "issuedCodes"],
};
/** What must never reach a client: stack frames, source paths, SQL engine and library names. */
const LEAKS = /\.(ts|js):\d+|node_modules|\/work\/|\/tmp\/|SQLITE_|libsql|drizzle|\bstack\b|TypeError|ReferenceError/i;

/** Sends one generated request; the body text is sent as is (content type from the request's headers). */
export function sendBad(baseUrl: string, request: BadRequest): Promise<Response> {
  return fetch(`${baseUrl}${request.path}`, { method: request.method, headers: request.headers, body: request.body });
}

/** One line per request: a 20,000-character body would bury the reason. */
export function summarize(request: BadRequest): string {
  const body = request.body === undefined ? "" : ` body(${request.body.length})=${request.body.slice(0, 200)}`;
  const headers = Object.entries(request.headers).map(([k, v]) => `${k}: ${v.slice(0, 60)}`);
  return `${request.method} ${request.path.slice(0, 200)} [${headers.join("; ")}]${body} (${request.why})`;
}

/**
 * Throws unless the answer is a refusal as the API promises it: a 4xx, problem+json,
 * a code from the closed set whose status matches, and nothing internal in the body.
 */
export async function expectRefusal(res: Response, request: BadRequest): Promise<void> {
  const text = await res.text();
  const where = `${summarize(request)} -> ${res.status} ${text.slice(0, 300)}`;
  if (res.status < 400 || res.status >= 500) throw new Error(`not a 4xx: ${where}`);
  if (!res.headers.get("content-type")?.startsWith("application/problem+json")) {
    throw new Error(`not problem+json (${res.headers.get("content-type")}): ${where}`);
  }
  const problem = JSON.parse(text) as Record<string, unknown>;
  if (!isDiscountCode(problem.code) && !isWalletCode(problem.code))
    throw new Error(`code outside the closed set: ${where}`);
  if (problem.status !== res.status) throw new Error(`body status differs from HTTP status: ${where}`);
  const members = EXTENSION_MEMBERS[String(problem.code)] ?? [];
  const extra = Object.keys(problem).filter((k) => !PROBLEM_KEYS.has(k) && !members.includes(k));
  if (extra.length > 0) throw new Error(`unexpected problem fields ${extra.join(",")}: ${where}`);
  // Generated inputs never contain these words, so an echo of the input cannot trip this.
  if (LEAKS.test(text)) throw new Error(`internal detail leaked: ${where}`);
}

/** A fingerprint of every table's rows: equal before and after means nothing was written. */
export async function sqliteFingerprint(client: Client): Promise<Record<string, string>> {
  const { rows: tables } = await client.execute(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  );
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const { rows } = await client.execute(`SELECT * FROM "${String(name)}"`);
    // Sorted as text so the fingerprint does not depend on the table having a rowid.
    const lines = rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? String(v) : v))).sort();
    out[String(name)] = `${rows.length}:${createHash("sha256").update(lines.join("\n")).digest("hex")}`;
  }
  return out;
}

/** The fast-check seed: fixed so a run is repeatable, FC_SEED to replay another. */
export function propertySeed(label: string): number {
  const seed = Number(process.env.FC_SEED ?? 20261123);
  console.log(`[${label}] fast-check seed ${seed} (replay with FC_SEED=${seed})`);
  return seed;
}

/**
 * Runs the property "every generated request is refused" over `numRuns` requests
 * and returns how many were sent by status, for the report.
 */
export async function assertAllRefused(
  baseUrl: string,
  requests: fc.Arbitrary<BadRequest>,
  options: { numRuns: number; label: string },
): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  const printable = requests.map((r) => ({ ...r, [fc.toStringMethod]: () => summarize(r) }));
  await fc.assert(
    fc.asyncProperty(printable, async (request) => {
      const res = await sendBad(baseUrl, request);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      await expectRefusal(res, request);
    }),
    { seed: propertySeed(options.label), numRuns: options.numRuns },
  );
  return statuses;
}

/**
 * Sends the unbroken call of every spec and throws unless each is a 2xx: proof that
 * the refusals above come from the poisons, not from a base request that was bad
 * already. It writes, so it runs after the state comparison.
 */
export async function assertValidAccepted(baseUrl: string, specs: RouteSpec[]): Promise<void> {
  const rejected: string[] = [];
  for (const spec of specs) {
    const request = validRequestFor(spec);
    const res = await sendBad(baseUrl, request);
    // Not read to the end: an event stream never ends.
    await res.body?.cancel();
    if (res.status >= 300) rejected.push(`${summarize(request)} -> ${res.status}`);
  }
  if (rejected.length > 0) throw new Error(`valid calls were refused:\n${rejected.join("\n")}`);
}

/**
 * Host headers a server must refuse with a problem (400 INVALID_HOST): none at all over
 * HTTP/1.0 (HTTP/1.1 without Host is refused by Bun's parser before the app), empty,
 * or not a host. Sent over raw sockets, since fetch always writes a good one.
 */
export const BAD_HOSTS: { host: string | undefined; version?: string; why: string }[] = [
  { host: undefined, version: "HTTP/1.0", why: "no Host over HTTP/1.0" },
  { host: "", why: "empty Host" },
  { host: "a b", why: "Host with a space" },
  { host: "x/y", why: "Host with a slash" },
  { host: "[::1", why: "unclosed IPv6 Host" },
];

/** Hosts of three characters or fewer: valid, and once routed to the wrong path by Elysia. */
export const SHORT_HOSTS = ["x", "api", "bff"];

/** Sends every spec's valid call with each bad Host header and throws unless each is refused as a problem. */
export async function assertBadHostsRefused(
  baseUrl: string,
  specs: RouteSpec[],
  extra: BadRequest[] = [],
): Promise<void> {
  for (const request of [...specs.map(validRequestFor), ...extra]) {
    for (const { host, version, why } of BAD_HOSTS) {
      const bad = { ...request, why: `${request.why}, ${why}` };
      const res = await sendRaw(baseUrl, rawRequestText(bad, host, version));
      await expectRefusal(res.clone(), bad);
      const problem = (await res.json()) as { code: string; requestId: string };
      if (problem.code !== "INVALID_HOST" || res.headers.get("x-request-id") !== problem.requestId) {
        throw new Error(`not INVALID_HOST with its request id: ${summarize(bad)} -> ${JSON.stringify(problem)}`);
      }
    }
  }
}

/** Sends every spec's valid call with each short Host header and throws unless each is a 2xx. */
export async function assertShortHostsAccepted(baseUrl: string, specs: RouteSpec[]): Promise<void> {
  const rejected: string[] = [];
  for (const spec of specs) {
    for (const host of SHORT_HOSTS) {
      const request = { ...validRequestFor(spec), why: `Host: ${host}` };
      const res = await sendRaw(baseUrl, rawRequestText(request, host)).catch((e) => {
        throw new Error(`${summarize(request)}: ${e}`);
      });
      if (res.status >= 300)
        rejected.push(`${summarize(request)} -> ${res.status} ${(await res.text()).slice(0, 200)}`);
    }
  }
  if (rejected.length > 0) throw new Error(`valid calls with a short Host were refused:\n${rejected.join("\n")}`);
}
