import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Per-request facts that must exist before Elysia parses the body, so the error
 * handler can still name the request id when parsing fails. Keyed by the Request.
 */
export interface RequestState {
  id: string;
  startedAt: number;
  status?: number;
  /** An expected answer at volume (e.g. sold out): counted in metrics, logged only at debug. */
  quiet?: boolean;
}

const states = new WeakMap<Request, RequestState>();

/** The request being served by the current async flow: lets every log line carry its id. */
const current = new AsyncLocalStorage<RequestState>();

export function setRequestState(request: Request, state: RequestState): void {
  states.set(request, state);
  current.enterWith(state);
}

export function currentRequestId(): string | undefined {
  return current.getStore()?.id;
}

export function requestStateOf(request: Request): RequestState | undefined {
  return states.get(request);
}

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Honours a sane incoming X-Request-Id so a trace spans services; makes one otherwise. */
export function requestIdFrom(header: string | null): string {
  return header && INCOMING_ID.test(header) ? header : crypto.randomUUID();
}
