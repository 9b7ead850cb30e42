import pino from "pino";
import type { LogLevel } from "./env";
import { currentRequestId } from "./http/request-state";

export type Logger = pino.Logger;

/**
 * JSON logs. Every line written while a request is being served carries its
 * request id, without threading a logger through every call. Secrets never reach
 * a log line: tokens, keys and a failed Redis command's arguments are redacted by
 * path in case a caller logs a whole object by mistake.
 */
export function createLogger(options: {
  level: LogLevel;
  service: string;
  destination?: pino.DestinationStream;
}): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin(line: object) {
        const requestId = currentRequestId();
        return requestId && !("requestId" in line) ? { requestId } : {};
      },
      redact: {
        // ioredis errors carry their command's arguments: AUTH's password, keys and values with phones.
        paths: [
          "authorization",
          "headers.authorization",
          "token",
          "secret",
          "jwtSecret",
          "*.jwtSecret",
          "err.command.args",
        ],
        censor: "[redacted]",
      },
    },
    options.destination,
  );
}

/**
 * The same logger without the redaction pass, for a line whose fields are fixed and can
 * hold no secret (the access log: request id, method, route pattern, status, ms). On a
 * cheap request that pass costs more than the rest of the line; the lines are identical.
 */
export function unredacted(logger: Logger): Logger {
  return logger.child({}, { redact: [] });
}
