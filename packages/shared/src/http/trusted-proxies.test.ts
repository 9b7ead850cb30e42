import { expect, test } from "bun:test";
import { clientAddress, NO_PROXY, parseTrustProxy, type TrustProxy } from "./trusted-proxies";

function parsed(value: string): TrustProxy {
  const trust = parseTrustProxy(value);
  if ("problem" in trust) throw new Error(trust.problem);
  return trust;
}

const SOCKET = "10.0.0.5";

test("without trusted proxies X-Forwarded-For is ignored: the client is the socket's address", () => {
  expect(clientAddress(SOCKET, "203.0.113.9", NO_PROXY)).toBe(SOCKET);
});

test("behind one proxy the client is the entry that proxy appended, whatever the client wrote before it", () => {
  const one = parsed("on");
  expect(clientAddress(SOCKET, "198.51.100.7", one)).toBe("198.51.100.7");
  expect(clientAddress(SOCKET, "203.0.113.1, 198.51.100.7", one)).toBe("198.51.100.7");
  expect(clientAddress(SOCKET, "1.1.1.1, 2.2.2.2 ,203.0.113.1,198.51.100.7", one)).toBe("198.51.100.7");
});

test("behind two proxies the client is the second entry from the right", () => {
  const two = parsed("2");
  // The client spoofed 203.0.113.1; the first proxy saw 198.51.100.7; the second saw the first (10.0.0.4).
  expect(clientAddress(SOCKET, "203.0.113.1, 198.51.100.7, 10.0.0.4", two)).toBe("198.51.100.7");
});

test("with fewer entries than trusted hops the client is the leftmost entry present, as Express does", () => {
  expect(clientAddress(SOCKET, "198.51.100.7", parsed("3"))).toBe("198.51.100.7");
  expect(clientAddress(SOCKET, null, parsed("3"))).toBe(SOCKET);
  expect(clientAddress(SOCKET, " , ", parsed("1"))).toBe(SOCKET);
});

test("several X-Forwarded-For headers count as one list in their order", () => {
  const headers = new Headers([
    ["x-forwarded-for", "203.0.113.1"],
    ["x-forwarded-for", "198.51.100.7, 10.0.0.4"],
  ]);
  expect(clientAddress(SOCKET, headers.get("x-forwarded-for"), parsed("2"))).toBe("198.51.100.7");
});

test("with proxy CIDRs the client is the first address from the right, starting at the socket, outside them (IPv4 and IPv6)", () => {
  const cidrs = parsed("10.0.0.0/8, fd00::/8");
  expect(clientAddress(SOCKET, "203.0.113.1, 198.51.100.7, 10.1.2.3", cidrs)).toBe("198.51.100.7");
  expect(clientAddress("fd00::1", "203.0.113.1, 2001:db8::7, fd12::2", cidrs)).toBe("2001:db8::7");
  expect(clientAddress("::ffff:10.0.0.5", "198.51.100.7", cidrs)).toBe("198.51.100.7");
  // A socket that is not a trusted proxy is the client, whatever its header says.
  expect(clientAddress("198.51.100.9", "203.0.113.1", cidrs)).toBe("198.51.100.9");
  // Every hop a trusted proxy: the leftmost entry present.
  expect(clientAddress(SOCKET, "10.9.9.9, 10.8.8.8", cidrs)).toBe("10.9.9.9");
  // An entry that is not an address is never a proxy: the walk stops there.
  expect(clientAddress(SOCKET, "198.51.100.7, garbage", cidrs)).toBe("garbage");
});
