import { treaty } from "@elysiajs/eden/treaty2";
import type { ErrorCode as DiscountErrorCode } from "@matchday/discount/errors";
import type { FieldIssue } from "@matchday/shared/errors";
import type { ErrorCode as WalletErrorCode } from "@matchday/wallet/errors";
import type { AnyElysia } from "elysia";

/** Every code either service answers with: each keeps its own closed set in its errors.ts. */
export type ErrorCode = DiscountErrorCode | WalletErrorCode;

/**
 * Which codes a service sends is known here from its types only, as its bodies are: the
 * client bundles no service code. At run time a code must at least look like one of ours.
 */
const isErrorCode = (value: unknown): value is ErrorCode =>
  typeof value === "string" && /^[A-Z][A-Z0-9_]*$/.test(value);

/** Codes for answers that never came or were not ours to read: no service sends these. */
export type ClientErrorCode = "NETWORK" | "TIMEOUT" | "BAD_RESPONSE";

/** A refusal as a value: the service's problem+json, or what stood for one when no answer came. */
export interface ApiError {
  /** The HTTP status; 0 when no answer came (network, TLS, timeout). */
  status: number;
  code: ErrorCode | ClientErrorCode;
  title: string;
  detail: string;
  requestId?: string;
  /** The fields a VALIDATION_FAILED names. */
  errors?: FieldIssue[];
  /** From Retry-After (429, 503): when asking again makes sense. */
  retryAfterSeconds?: number;
  /** For status 0: the fetch error itself, whose `code` names e.g. an untrusted certificate. */
  cause?: unknown;
}

export type ApiResult<T> = { ok: true; status: number; data: T; headers: Headers } | { ok: false; error: ApiError };

/** A fixed token, or a function asked before every request so it can hand out a refreshed one. */
export type TokenSource = string | (() => string | Promise<string>);

/** Extra RequestInit for every request: Bun's `tls`, Deno's `client` (an HttpClient), a signal. */
export type FetchOptions = Omit<RequestInit, "headers" | "method" | "body"> & {
  tls?: { ca?: string | string[]; rejectUnauthorized?: boolean };
  client?: unknown;
};

export interface ClientOptions {
  /** e.g. `https://wallet.internal:3001`, without a trailing path. */
  baseUrl: string;
  token?: TokenSource;
  fetch?: FetchOptions;
  /** A default deadline for each request; a call's own `timeoutMs` wins. */
  timeoutMs?: number;
}

export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Reads every answer ourselves instead of leaving it to Eden, which would turn date strings into
 * Dates the types do not mention and hand a chunked CSV over as parsed fragments. Server-Sent
 * Events are Eden's to read (it yields one parsed event at a time), so this copy is let go.
 */
async function readBody(response: Response): Promise<unknown> {
  const type = response.headers.get("content-type") ?? "";
  if (type.startsWith("text/event-stream")) {
    // Not awaited: a tee branch's cancel settles only once the other branch is done too.
    void response.body?.cancel();
    return null;
  }
  const text = await response.text();
  if (!/^application\/(problem\+)?json/.test(type)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Eden's typed proxy for one app, with the caller's token, fetch options and our reading of answers. */
export function connect<App extends AnyElysia>(options: ClientOptions) {
  const { token } = options;
  return treaty<App>(options.baseUrl, {
    fetch: options.fetch as RequestInit,
    parseDate: false,
    headers: async () =>
      token === undefined ? {} : { authorization: `Bearer ${typeof token === "string" ? token : await token()}` },
    onResponse: readBody,
  });
}

/** Per-call RequestInit: the caller's signal and the deadline, whichever fires first. */
export function callInit(defaults: ClientOptions, call: CallOptions = {}): { fetch: RequestInit } {
  const timeoutMs = call.timeoutMs ?? defaults.timeoutMs;
  const signals = [
    defaults.fetch?.signal,
    call.signal,
    timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs),
  ];
  const present = signals.filter((s): s is AbortSignal => s instanceof AbortSignal);
  return {
    fetch: present.length === 0 ? {} : { signal: present.length === 1 ? present[0] : AbortSignal.any(present) },
  };
}

function noAnswer(cause: unknown): ApiError {
  const { name, message } = (cause ?? {}) as { name?: string; message?: string };
  const timeout = name === "TimeoutError";
  return {
    status: 0,
    code: timeout ? "TIMEOUT" : "NETWORK",
    title: timeout ? "The service did not answer in time" : "The service could not be reached",
    detail: message ?? String(cause),
    cause,
  };
}

function retryAfter(headers: Headers): number | undefined {
  const value = Number(headers.get("retry-after") ?? Number.NaN);
  return Number.isFinite(value) ? value : undefined;
}

function refusal(response: Response, body: unknown): ApiError {
  const problem = (body ?? {}) as Partial<Record<"code" | "title" | "detail" | "requestId", unknown>> & {
    errors?: FieldIssue[];
  };
  const isProblem = response.headers.get("content-type")?.startsWith("application/problem+json");
  const requestId = response.headers.get("x-request-id") ?? undefined;
  const retryAfterSeconds = retryAfter(response.headers);
  if (!isProblem || !isErrorCode(problem.code)) {
    // A proxy's HTML page or a bare status: the status is all there is to go on.
    return {
      status: response.status,
      code: "BAD_RESPONSE",
      title: "The answer was not a problem+json document",
      detail: `HTTP ${response.status}`,
      requestId,
      retryAfterSeconds,
    };
  }
  return {
    status: response.status,
    code: problem.code,
    title: String(problem.title ?? ""),
    detail: String(problem.detail ?? ""),
    requestId: typeof problem.requestId === "string" ? problem.requestId : requestId,
    errors: problem.errors,
    retryAfterSeconds,
  };
}

type EdenAnswer = { data: unknown; error: unknown; response: Response; status: number };
/** The body type of an Eden answer's 2xx branch. */
export type SuccessOf<A extends EdenAnswer> = Extract<A, { error: null }>["data"];

/** Turns Eden's answer (or its failure to get one) into a result value: nothing here throws. */
export async function settle<A extends EdenAnswer>(pending: Promise<A>): Promise<ApiResult<SuccessOf<A>>> {
  let answer: A;
  try {
    answer = await pending;
  } catch (cause) {
    // e.g. the token provider threw: still a value, never an exception for the caller.
    return { ok: false, error: noAnswer(cause) };
  }
  // Eden answers a fetch that threw with no response and the thrown error as the value.
  const response = answer.response as Response | undefined;
  if (!response) return { ok: false, error: noAnswer((answer.error as { value?: unknown } | null)?.value) };
  if (response.status < 200 || response.status > 299) return { ok: false, error: refusal(response, answer.data) };
  return { ok: true, status: response.status, data: answer.data as SuccessOf<A>, headers: response.headers };
}
