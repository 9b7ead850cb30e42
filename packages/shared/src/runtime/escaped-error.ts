import { AppError } from "../errors";
import { problemResponse } from "../http/problem";
import { requestIdFrom } from "../http/request-state";
import type { Logger } from "../logger";

/**
 * The listener's answer to an error that escaped the app (thrown outside Elysia's hooks,
 * e.g. in a route the listener serves itself): the same generic problem+json 500 the
 * kernel gives, logged with its stack, instead of the runtime's own page. Bun's
 * development page shows the working directory, source lines and stack; its production
 * answer is a plain-text 500 that nobody logs. The listener gives no Request here, so
 * the id is a new one, written to both the log line and the answer.
 */
export function escapedErrorAnswer(logger: Logger): (error: unknown) => Response {
  return (error) => {
    const requestId = requestIdFrom(null);
    logger.error({ requestId, err: error }, "unhandled error outside the app");
    return problemResponse(new AppError("INTERNAL"), requestId);
  };
}

/** Options for every Bun listener of a service: never the development error page, whatever NODE_ENV says. */
export function bunListenerOptions(logger: Logger) {
  return { development: false, error: escapedErrorAnswer(logger) } as const;
}
