import type { Clock } from "@matchday/shared/clock";
import { Webhook } from "standardwebhooks";
import type { DueDelivery } from "./deliveries";
import { checkDestination, type DestinationPolicy, type Resolver, resolveAll } from "./destination";

export interface SendOptions {
  policy: DestinationPolicy;
  timeoutMs: number;
  clock: Clock;
  resolve?: Resolver;
}

export type Attempt = { ok: boolean; status: number | null; error: string | null };

/** The Standard Webhooks body: the same bytes on every attempt of one message. */
export const payloadOf = (delivery: DueDelivery) =>
  JSON.stringify({
    type: delivery.type,
    timestamp: new Date(delivery.eventAt).toISOString(),
    data: JSON.parse(delivery.data),
  });

/**
 * One signed attempt (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature
 * `v1,<base64 HMAC-SHA256>`, by its maintained library). The destination is checked again
 * first, since its name may resolve elsewhere now; a redirect is not followed (it could
 * lead anywhere) and counts as a failure, as does anything but 2xx within the timeout.
 */
export async function sendDelivery(delivery: DueDelivery, options: SendOptions): Promise<Attempt> {
  const destination = await checkDestination(delivery.url, options.policy, options.resolve ?? resolveAll);
  if (!destination.ok) return { ok: false, status: null, error: `destination refused: ${destination.reason}` };
  const payload = payloadOf(delivery);
  const sentAt = new Date(options.clock());
  try {
    const res = await fetch(destination.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "matchday-webhooks/1",
        "webhook-id": delivery.messageId,
        "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
        "webhook-signature": new Webhook(delivery.secret).sign(delivery.messageId, sentAt, payload),
      },
      body: payload,
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    await res.body?.cancel();
    const ok = res.status >= 200 && res.status < 300;
    return { ok, status: res.status, error: ok ? null : `answered HTTP ${res.status}` };
  } catch (error) {
    const name = (error as Error)?.name;
    const timedOut = name === "TimeoutError" || name === "AbortError";
    return {
      ok: false,
      status: null,
      error: timedOut ? `no answer within ${options.timeoutMs} ms` : "could not connect",
    };
  }
}
