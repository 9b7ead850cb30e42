/**
 * A webhook receiver as a real process: verifies each delivery's Standard Webhooks signature
 * with the library receivers use, and appends what it got to RECEIVER_LOG (JSON lines).
 * How it answers is read from RECEIVER_CONFIG on every request, so a test can change it
 * (and it survives a restart): `{ secret, mode: "ok" | "fail" | "slow", delayMs }`.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";

const logPath = process.env.RECEIVER_LOG as string;
const configPath = process.env.RECEIVER_CONFIG as string;

export interface ReceiverConfig {
  secret: string;
  mode: "ok" | "fail" | "slow";
  delayMs?: number;
}

/** One request as the receiver saw it. */
export interface Received {
  /** The path and query it was sent to: tests give each endpoint its own. */
  path: string;
  id: string | null;
  verified: boolean;
  answered: number;
  type?: string;
  data?: Record<string, unknown>;
  at: number;
}

const config = (): ReceiverConfig => JSON.parse(readFileSync(configPath, "utf8"));

const server = Bun.serve({
  port: Number(process.env.RECEIVER_PORT),
  hostname: "127.0.0.1",
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    const { secret, mode, delayMs = 0 } = config();
    const body = await request.text();
    let event: { type?: string; data?: Record<string, unknown> } | undefined;
    try {
      event = new Webhook(secret).verify(body, Object.fromEntries(request.headers)) as typeof event;
    } catch {
      event = undefined;
    }
    if (mode === "slow") await Bun.sleep(delayMs);
    const answered = !event ? 400 : mode === "fail" ? 500 : 200;
    const record: Received = {
      path: url.pathname + url.search,
      id: request.headers.get("webhook-id"),
      verified: event !== undefined,
      answered,
      type: event?.type,
      data: event?.data,
      at: Date.now(),
    };
    appendFileSync(logPath, `${JSON.stringify(record)}\n`);
    return new Response(null, { status: answered });
  },
});

process.on("SIGTERM", () => {
  server.stop(true);
  process.exit(0);
});
