import { Elysia } from "elysia";
import { isDatabaseUnreachable } from "../db/target";
import { AppError, type ProblemError, toProblem } from "../errors";
import { type Logger, unredacted } from "../logger";
import type { Registry } from "../metrics";
import { isJsonMediaType } from "./media-type";
import { problemResponse, toAppError } from "./problem";
import { type RequestState, requestIdFrom, requestStateOf, setRequestState } from "./request-state";
import { HSTS, SECURITY_HEADERS } from "./security-headers";

export interface KernelOptions {
  logger: Logger;
  metrics: Registry;
  maxBodyBytes: number;
  /** The service itself serves HTTPS: browsers are told to use nothing else (Strict-Transport-Security). */
  hsts?: boolean;
}

const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

/**
 * Cheap checks on headers alone, before any body is read: the refusal onRequest throws, or
 * undefined. Exported for a handler served outside the router, which must accept no more.
 */
export function unreadableBody(request: Request, maxBodyBytes: number): AppError | undefined {
  if (!BODY_METHODS.has(request.method)) return undefined;
  const length = request.headers.get("content-length");
  if (length !== null && Number(length) > maxBodyBytes) {
    return new AppError("PAYLOAD_TOO_LARGE", `The body may be at most ${maxBodyBytes} bytes`);
  }
  if (length === "0") return undefined;
  if (!isJsonMediaType(request.headers.get("content-type"))) {
    return new AppError("UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json");
  }
  return undefined;
}

/**
 * A body that declares no length (chunked) is read here, counting, and refused once past
 * the limit: the listener's own limit answers a bare 413, or none at all under a runtime
 * without one. JSON is the only body onRequest lets through.
 */
async function readJsonWithin(body: ReadableStream<Uint8Array>, maxBodyBytes: number): Promise<unknown> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > maxBodyBytes) throw new AppError("PAYLOAD_TOO_LARGE", `The body may be at most ${maxBodyBytes} bytes`);
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

/** Each error's problem body up to its request id, and its headers, built once. */
const directTemplates = new WeakMap<ProblemError, { head: string; headers: Headers }>();

/**
 * problemResponse for the answers given at volume outside the router: the same body
 * and headers, from a template per error (a request id is [A-Za-z0-9._:-], safe in JSON).
 */
function directProblem(error: ProblemError, requestId: string, extra: Record<string, string>): Response {
  let template = directTemplates.get(error);
  if (!template) {
    if (error.extra.errors) return problemResponse(error, requestId, extra); // the id is not the body's last field
    const sample = problemResponse(error, "", extra);
    const body = JSON.stringify(toProblem(error, ""));
    template = { head: body.slice(0, body.lastIndexOf('""')), headers: sample.headers };
    directTemplates.set(error, template);
  }
  const headers = new Headers(template.headers);
  headers.set("x-request-id", requestId);
  return new Response(`${template.head}"${requestId}"}`, { status: error.status, headers });
}

interface Answered {
  method: string;
  route: string;
  status: number;
  seconds: number;
  requestId: string;
  quiet?: boolean;
}

/**
 * The cross-cutting HTTP behaviour of both services: request ids, security headers,
 * body limits, problem+json for every error, access logs and request metrics.
 * `plugin` is what the composition root `use`s first; `directRefusal` gives the same
 * answer, metrics and log line to a request served outside Elysia's router.
 */
export function createHttpKernel({ logger, metrics, maxBodyBytes, hsts = false }: KernelOptions) {
  const requests = metrics.counter("http_requests_total", "HTTP requests by route, method and status");
  const latency = metrics.histogram("http_request_duration_seconds", "HTTP request latency by route and status");
  const headers = hsts ? { ...SECURITY_HEADERS, ...HSTS } : SECURITY_HEADERS;
  const debugLogged = logger.isLevelEnabled("debug");
  const accessLog = unredacted(logger);

  /** The access log line, the same whichever way the request was answered. */
  function logAnswer({ method, route, status, seconds, requestId, quiet }: Answered): void {
    if (quiet && !debugLogged) return; // a quiet answer's line would be dropped: skip building it
    accessLog[quiet ? "debug" : "info"](
      { requestId, method, route, status, ms: Math.round(seconds * 1000) },
      "request",
    );
  }

  const plugin = new Elysia({ name: "http-kernel" })
    .onRequest(({ request, set }) => {
      const id = requestIdFrom(request.headers.get("x-request-id"));
      setRequestState(request, { id, startedAt: performance.now() });
      Object.assign(set.headers, headers);
      set.headers["x-request-id"] = id;
      // Without a valid Host (none over HTTP/1.0, empty, "a b") Bun leaves the URL relative,
      // which no route or URL parser downstream expects.
      if (!URL.canParse(request.url)) throw new AppError("INVALID_HOST");
      const unreadable = unreadableBody(request, maxBodyBytes);
      if (unreadable) throw unreadable;
    })
    .onParse({ as: "global" }, ({ request }, contentType) => {
      // A declared length was held to the limit in onRequest; Elysia's own parser reads it, but
      // only under exactly "application/json": another JSON type onRequest let in is read here.
      if (!request.body || (request.headers.has("content-length") && contentType === "application/json")) return;
      return readJsonWithin(request.body, maxBodyBytes);
    })
    .onError({ as: "global" }, ({ code, error, request }) => {
      const state = requestStateOf(request);
      const requestId = state?.id ?? requestIdFrom(null);
      const appError = toAppError(code, error);
      if (appError.code === "INTERNAL") {
        logger.error({ requestId, err: error, elysiaCode: code }, "unhandled error");
      } else if (isDatabaseUnreachable(error)) {
        logger.warn({ requestId, err: error }, "database unreachable");
      }
      const response = problemResponse(appError, requestId);
      if (state) state.status = response.status;
      return response;
    })
    .onAfterResponse({ as: "global" }, ({ request, route, set }) => {
      const state = requestStateOf(request);
      if (!state) return;
      const status = Number(state.status ?? set.status ?? 200);
      const seconds = (performance.now() - state.startedAt) / 1000;
      const labels = { route: route || "unmatched", method: request.method, status: String(status) };
      requests.inc(labels);
      latency.observe(labels, seconds);
      logAnswer({ ...labels, status, seconds, requestId: state.id, quiet: state.quiet });
    });

  return {
    plugin,
    /**
     * An expected refusal for requests no Elysia hook saw, answered at volume (sold out):
     * its metric series are bound here, once, so each answer costs no label work. Logged
     * at debug, like a quiet refusal.
     */
    directRefusal(route: string, method: string, error: ProblemError): (request: Request) => Response {
      const labels = { route, method, status: String(error.status) };
      const counted = requests.series(labels);
      const timed = latency.series(labels);
      return (request) => {
        const startedAt = performance.now();
        const requestId = requestIdFrom(request.headers.get("x-request-id"));
        const response = directProblem(error, requestId, headers);
        const seconds = (performance.now() - startedAt) / 1000;
        counted.inc();
        timed.observe(seconds);
        logAnswer({ method, route, status: response.status, seconds, requestId, quiet: true });
        return response;
      };
    },
  };
}

export type HttpKernel = ReturnType<typeof createHttpKernel>;

/**
 * An expected refusal (sold out, rate limited, ...) as a value: the controller returns
 * it instead of throwing, which skips building an Error and the error hooks on a path
 * that may answer most of a burst. The access log and metrics still see its status.
 */
export function refusalResponse(
  request: Request,
  error: ProblemError,
  options: Pick<RequestState, "quiet"> = {},
): Response {
  const state = requestStateOf(request);
  const response = problemResponse(error, state?.id ?? requestIdFrom(null));
  if (state) {
    state.status = response.status;
    state.quiet = options.quiet;
  }
  return response;
}
