import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ServiceProcess, startService } from "../processes/service-process";
import type { Received, ReceiverConfig } from "./receiver";

export type { Received, ReceiverConfig };

export interface WebhookReceiver {
  process: ServiceProcess;
  /** Where to register it; each endpoint under its own path (`${url}/name`) tells its deliveries apart. */
  url: string;
  /** Changes how it answers from the next request on (kept across restarts). */
  configure(config: ReceiverConfig): void;
  /** Every request it got so far, in order. */
  received(): Received[];
  dispose(): Promise<void>;
}

/** Starts the webhook receiver (./receiver.ts) as its own process on a free loopback port. */
export async function startWebhookReceiver(config: ReceiverConfig): Promise<WebhookReceiver> {
  const dir = mkdtempSync(join(tmpdir(), "webhook-receiver-"));
  const configPath = join(dir, "config.json");
  const logPath = join(dir, "received.jsonl");
  const configure = (next: ReceiverConfig) => writeFileSync(configPath, JSON.stringify(next));
  configure(config);
  const process = await startService({
    entry: "packages/testkit/src/webhooks/receiver.ts",
    portVar: "RECEIVER_PORT",
    env: { RECEIVER_CONFIG: configPath, RECEIVER_LOG: logPath },
  });
  return {
    process,
    url: `${process.url}/hook`,
    configure,
    received: () =>
      existsSync(logPath)
        ? readFileSync(logPath, "utf8")
            .split("\n")
            .filter(Boolean)
            .map((line) => JSON.parse(line) as Received)
        : [],
    async dispose() {
      await process.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
