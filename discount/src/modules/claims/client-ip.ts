import { clientAddress, recordedSocketAddress, type TrustProxy } from "@matchday/shared/http";

/**
 * The client's address: the socket's, or the X-Forwarded-For hop just before our trusted proxies.
 * Bun's server gives the socket's address to the route; under Deno the entry recorded it.
 */
export function clientIpOf(request: Request, socketIp: string | undefined, trust: TrustProxy): string {
  const socket = socketIp ?? recordedSocketAddress(request) ?? "unknown";
  return clientAddress(socket, request.headers.get("x-forwarded-for"), trust);
}
