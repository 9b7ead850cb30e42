import { BlockList, isIP } from "node:net";

/**
 * Which of a request's hops are our own proxies (TRUST_PROXY, DESIGN §7): a count of
 * hops in front of the service (0: none, the header is ignored), or the proxies'
 * addresses and CIDRs. Only the entries those proxies appended to X-Forwarded-For
 * are believed; whatever the client wrote itself is not.
 */
export type TrustProxy = { hops: number } | { proxies: BlockList };

export const NO_PROXY: TrustProxy = { hops: 0 };
const MAX_HOPS = 20;

/** TRUST_PROXY's value as a TrustProxy, or why it is not one. */
export function parseTrustProxy(value: string | undefined): TrustProxy | { problem: string } {
  const text = value?.trim().toLowerCase() ?? "";
  if (["", "off", "false", "no", "0"].includes(text)) return NO_PROXY;
  if (["on", "true", "yes"].includes(text)) return { hops: 1 };
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops <= MAX_HOPS) return { hops };
  } else {
    const proxies = new BlockList();
    const bad = text.split(",").filter((entry) => !addProxy(proxies, entry.trim()));
    if (bad.length === 0) return { proxies };
  }
  return {
    problem:
      `TRUST_PROXY must be off, on, a number of proxy hops (0-${MAX_HOPS}) or a comma list of ` +
      `proxy addresses or CIDRs (10.0.0.0/8, fd00::/8), got "${value}"`,
  };
}

function addProxy(proxies: BlockList, entry: string): boolean {
  const [address = "", prefix, ...rest] = entry.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  const type = family === 4 ? "ipv4" : "ipv6";
  if (prefix === undefined) {
    proxies.addAddress(address, type);
    return true;
  }
  const bits = Number(prefix);
  if (!/^\d+$/.test(prefix) || bits > (family === 4 ? 32 : 128)) return false;
  proxies.addSubnet(address, bits, type);
  return true;
}

/**
 * The client's address, counted from the right as Express' `trust proxy` and nginx'
 * `real_ip_recursive` do: the hops are the socket's address, then X-Forwarded-For from
 * its last entry back to its first (several headers arrive joined in order). With a hop
 * count, the client is the hop just past that many proxies; with proxy addresses, the
 * first hop that is not one. With fewer hops than proxies, the leftmost entry present.
 */
export function clientAddress(socket: string, forwardedFor: string | null, trust: TrustProxy): string {
  if (!forwardedFor || ("hops" in trust && trust.hops === 0)) return socket;
  const hops = [
    socket,
    ...forwardedFor
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean)
      .reverse(),
  ];
  const last = hops.length - 1;
  if ("hops" in trust) return hops[Math.min(trust.hops, last)] as string;
  let at = 0;
  while (at < last && isProxy(trust.proxies, hops[at] as string)) at++;
  return hops[at] as string;
}

function isProxy(proxies: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && proxies.check(address, family === 4 ? "ipv4" : "ipv6");
}
