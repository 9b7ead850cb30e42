export interface DelayProxy {
  url: string;
  /** How long each answer is held back; 0 passes answers straight through. */
  delayMs: number;
  stop(): void;
}

/**
 * A tiny HTTP proxy in front of a service that holds back its answers: a real slowness
 * the caller's client sees (its timeouts fire, its sockets stay busy). The request is
 * forwarded at once and the answer delayed, so the service has already acted when its
 * caller gives up: the case an idempotent retry must settle.
 */
export function startDelayProxy(target: string): DelayProxy {
  const proxy: DelayProxy = {
    url: "",
    delayMs: 0,
    stop: () => server.stop(true),
  };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    // Longer than any delay a test sets: Bun's default (10 s) would cut a held answer.
    idleTimeout: 120,
    async fetch(request) {
      const { pathname, search } = new URL(request.url);
      const headers = new Headers(request.headers);
      headers.delete("host");
      let upstream: Response;
      try {
        upstream = await fetch(`${target}${pathname}${search}`, {
          method: request.method,
          headers,
          body: request.body ? await request.arrayBuffer() : undefined,
          redirect: "manual",
        });
      } catch {
        // The service is down: answered as a gateway would, not thrown into the test process.
        return new Response("upstream unreachable", { status: 502 });
      }
      const body = await upstream.arrayBuffer();
      if (proxy.delayMs > 0) await Bun.sleep(proxy.delayMs);
      const answerHeaders = new Headers(upstream.headers);
      // fetch has already decoded the body: these would describe bytes that are no longer there.
      answerHeaders.delete("content-encoding");
      answerHeaders.delete("content-length");
      return new Response(body, { status: upstream.status, headers: answerHeaders });
    },
  });
  proxy.url = `http://127.0.0.1:${server.port}`;
  return proxy;
}
