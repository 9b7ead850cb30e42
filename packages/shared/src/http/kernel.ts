import { Elysia } from "elysia";
import { AppError } from "../errors";
import type { Logger } from "../logger";
import type { Registry } from "../metrics";
import { problemResponse, toAppError } from "./problem";
import { type RequestState, requestIdFrom, requestStateOf, setRequestState } from "./request-state";

export interface KernelOptions {
  logger: Logger;
  metrics: Registry;
  maxBodyBytes: number;
}

const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

/** Cheap checks on headers alone, before any body is read. */
function rejectUnreadableBody(request: Request, maxBodyBytes: number): void {
  if (!BODY_METHODS.has(request.method)) return;
  const length = request.headers.get("content-length");
  if (length !== null && Number(length) > maxBodyBytes) {
    throw new AppError("PAYLOAD_TOO_LARGE", `The body may be at most ${maxBodyBytes} bytes`);
  }
  if (length === "0") return;
  const type = request.headers.get("content-type");
  if (!type?.toLowerCase().startsWith("application/json")) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json");
  }
}

/**
 * The cross-cutting HTTP behaviour of both services: request ids, problem+json for
 * every error, access logs and request metrics. The composition root `use`s it first.
 */
export function httpKernel({ logger, metrics, maxBodyBytes }: KernelOptions) {
  const requests = metrics.counter("http_requests_total", "HTTP requests by route, method and status");
  const latency = metrics.histogram("http_request_duration_seconds", "HTTP request latency by route and status");

  return new Elysia({ name: "http-kernel" })
    .onRequest(({ request, set }) => {
      const id = requestIdFrom(request.headers.get("x-request-id"));
      setRequestState(request, { id, startedAt: performance.now() });
      set.headers["x-request-id"] = id;
      rejectUnreadableBody(request, maxBodyBytes);
    })
    .onError({ as: "global" }, ({ code, error, request }) => {
      const state = requestStateOf(request);
      const requestId = state?.id ?? requestIdFrom(null);
      const appError = toAppError(code, error);
      if (appError.code === "INTERNAL") {
        logger.error({ requestId, err: error, elysiaCode: code }, "unhandled error");
      }
      const response = problemResponse(appError, requestId);
      if (state) state.status = response.status;
      return response;
    })
    .onAfterResponse({ as: "global" }, ({ request, route, set }) => {
      const state = requestStateOf(request);
      if (!state) return;
      const status = String(state.status ?? set.status ?? 200);
      const seconds = (performance.now() - state.startedAt) / 1000;
      const labels = { route: route || "unmatched", method: request.method, status };
      requests.inc(labels);
      latency.observe(labels, seconds);
      logger[state.quiet ? "debug" : "info"](
        {
          requestId: state.id,
          method: request.method,
          route: labels.route,
          status: Number(status),
          ms: Math.round(seconds * 1000),
        },
        "request",
      );
    });
}

/**
 * An expected refusal (sold out, rate limited, ...) as a value: the controller returns
 * it instead of throwing, which skips building an Error and the error hooks on a path
 * that may answer most of a burst. The access log and metrics still see its status.
 */
export function refusalResponse(
  request: Request,
  error: AppError,
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
