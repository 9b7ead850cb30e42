/**
 * The peer address of each request's socket, for servers that hand it over beside
 * the Request rather than through Elysia's `server` (Deno.serve passes it to the
 * handler). Bun's server answers `server.requestIP` itself and records nothing here.
 */
const addresses = new WeakMap<Request, string>();

export function recordSocketAddress(request: Request, address: string): void {
  addresses.set(request, address);
}

export function recordedSocketAddress(request: Request): string | undefined {
  return addresses.get(request);
}
