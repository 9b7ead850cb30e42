/** Every port freePort has handed out in this process: the kernel's pick for port 0 repeats itself. */
const handedOut = new Set<number>();

/**
 * A TCP port that was free a moment ago and that this process has not been given before:
 * bind to port 0 until the kernel picks a new one, read it, let them all go. Held while
 * it looks, a repeat cannot come back a second time.
 */
export function freePort(): number {
  const held: Bun.TCPSocketListener[] = [];
  try {
    for (;;) {
      const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
      held.push(server);
      if (!handedOut.has(server.port)) {
        handedOut.add(server.port);
        return server.port;
      }
    }
  } finally {
    for (const server of held) server.stop(true);
  }
}

export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await Bun.sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
