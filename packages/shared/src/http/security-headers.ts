/**
 * On every answer of both services. API bodies are data for programs: never sniffed into
 * HTML, framed, embedded by other sites or kept in a cache (they hold balances and
 * phones), and no URL (which may name a phone) leaks in a Referer. A route that sets one
 * of these itself keeps its own value (the dashboard's cache policy): Elysia fills in only
 * what is unset. A module of its own, without imports, so the benchmark's bare baseline
 * can send the same headers without loading the kernel.
 */
export const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store",
};

/** Added when the service itself terminates TLS. */
export const HSTS = { "strict-transport-security": "max-age=31536000" };
