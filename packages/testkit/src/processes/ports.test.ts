import { expect, test } from "bun:test";
import { freePort } from "./ports";

test("freePort never hands out the same port twice in one process, so the nodes of one set cannot collide", () => {
  // The kernel picks port 0 at random and repeats itself: 5 calls in a row shared a port in
  // ~0.2% of tries, enough to start a Sentinel's replica on its master's port now and then.
  const ports = Array.from({ length: 2_000 }, freePort);
  expect(new Set(ports).size).toBe(ports.length);
});

test("a port from freePort can be listened on at once", () => {
  const port = freePort();
  const server = Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } });
  expect(server.port).toBe(port);
  server.stop(true);
});
