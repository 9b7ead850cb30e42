import type { ErrorCode, FieldIssue } from "./error-codes";

export type { ErrorCode, FieldIssue } from "./error-codes";

/** At run time a code must at least look like one of ours; which ones exist is the types' business. */
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

/** What a route's entry in a generated table (src/generated/) may name besides its answers. */
interface RouteShape {
  params?: Record<string, string>;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
  body?: unknown;
  responses: Record<number, unknown>;
}

type Sent = Omit<RouteShape, "responses">;

/** What a call to a route sends: exactly the parts the route has. */
export type RequestOf<R extends RouteShape> = Pick<R, Extract<keyof R, "params" | "query" | "headers" | "body">>;
/** The body of any of a route's 2xx answers. */
export type SuccessOf<R extends RouteShape> = R["responses"][keyof R["responses"]];

/** A JSON body as data, a stream (Server-Sent Events) as the stream, anything else as text. */
async function readBody(response: Response): Promise<unknown> {
  const type = response.headers.get("content-type") ?? "";
  if (type.startsWith("text/event-stream")) return response.body;
  const text = await response.text();
  if (!/^application\/(problem\+)?json/.test(type)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Per-call deadline and signal: the caller's signal and the deadline, whichever fires first. */
function signalFor(defaults: ClientOptions, call: CallOptions): AbortSignal | undefined {
  const timeoutMs = call.timeoutMs ?? defaults.timeoutMs;
  const signals = [
    defaults.fetch?.signal,
    call.signal,
    timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs),
  ].filter((s): s is AbortSignal => s instanceof AbortSignal);
  return signals.length <= 1 ? signals[0] : AbortSignal.any(signals);
}

/** `/v1/wallets/{phone}` with each parameter filled in, encoded, and the query's set values appended. */
function urlFor(baseUrl: string, path: string, params: Record<string, string> = {}, query: object = {}): string {
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ""));
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) search.append(name, String(value));
  const rest = search.size === 0 ? "" : `?${search}`;
  return `${baseUrl.replace(/\/$/, "")}${filled}${rest}`;
}

async function headersFor(options: ClientOptions, request: { headers?: Record<string, string>; body?: unknown }) {
  const headers: Record<string, string> = { ...request.headers };
  if (request.body !== undefined) headers["content-type"] = "application/json";
  const { token } = options;
  if (token !== undefined) headers.authorization = `Bearer ${typeof token === "string" ? token : await token()}`;
  return headers;
}

/**
 * A caller for one service's route table: `call("POST /v1/redeem", { body }, options)` sends the
 * request its types describe and resolves to a result value. Nothing here throws.
 */
export function routeCaller<Routes extends { [K in keyof Routes]: RouteShape }>(options: ClientOptions) {
  return async <K extends keyof Routes & string>(
    route: K,
    request: RequestOf<Routes[K]>,
    call: CallOptions = {},
  ): Promise<ApiResult<SuccessOf<Routes[K]>>> => {
    const [method, path] = route.split(" ") as [string, string];
    const { params, query, body } = request as Sent;
    let response: Response;
    try {
      response = await fetch(urlFor(options.baseUrl, path, params, query), {
        ...(options.fetch as RequestInit),
        method,
        headers: await headersFor(options, request as Sent),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signalFor(options, call),
      });
    } catch (cause) {
      // No answer, or the token provider threw: still a value, never an exception for the caller.
      return { ok: false, error: noAnswer(cause) };
    }
    let data: unknown;
    try {
      data = await readBody(response);
    } catch (cause) {
      return { ok: false, error: noAnswer(cause) };
    }
    if (response.status < 200 || response.status > 299) return { ok: false, error: refusal(response, data) };
    return { ok: true, status: response.status, data: data as SuccessOf<Routes[K]>, headers: response.headers };
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
