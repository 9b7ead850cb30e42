import { lookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";

/** Which destinations an admin may point a webhook at (WEBHOOK_ALLOW_HTTP, WEBHOOK_ALLOW_PRIVATE). */
export interface DestinationPolicy {
  allowHttp: boolean;
  allowPrivate: boolean;
}

export type Destination = { ok: true; url: URL } | { ok: false; reason: string };

/** Every address a host name resolves to, as the fetch that follows would see them. */
export type Resolver = (host: string) => Promise<string[]>;

const RESOLVE_TIMEOUT_MS = 2_000;

export const resolveAll: Resolver = async (host) => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), RESOLVE_TIMEOUT_MS);
  });
  try {
    const answers = await Promise.race([lookup(host, { all: true, verbatim: true }), timeout]);
    return answers.map((a) => a.address);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * Whether a webhook may be sent to `raw`: https (http only when allowed), no credentials in
 * the URL, and (unless private destinations are allowed) every address the host resolves to
 * public. Anything else ipaddr.js names (loopback, private, link-local such as the cloud
 * metadata address 169.254.169.254, unique-local, carrier NAT, reserved...) could reach
 * this service's own network on an admin's say-so. Checked at registration and again
 * before every attempt, since a name can resolve elsewhere later.
 */
export async function checkDestination(
  raw: string,
  policy: DestinationPolicy,
  resolve: Resolver = resolveAll,
): Promise<Destination> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "url is not an absolute URL" };
  }
  const protocols = policy.allowHttp ? ["https:", "http:"] : ["https:"];
  if (!protocols.includes(url.protocol)) return { ok: false, reason: `url must use ${protocols.join(" or ")}` };
  if (url.username || url.password) return { ok: false, reason: "url must not carry credentials" };
  if (policy.allowPrivate) return { ok: true, url };

  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  let addresses: string[];
  try {
    addresses = ipaddr.isValid(host) ? [host] : await resolve(host);
  } catch {
    return { ok: false, reason: `${host} does not resolve` };
  }
  if (addresses.length === 0) return { ok: false, reason: `${host} does not resolve` };
  for (const address of addresses) {
    const range = ipaddr.process(address).range();
    if (range !== "unicast") return { ok: false, reason: `${host} resolves to a ${range} address, which is refused` };
  }
  return { ok: true, url };
}
