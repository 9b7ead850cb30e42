import { setTimeout as sleep } from "node:timers/promises";
import type { CampaignRow } from "../../db/schema";
import type { DiscountStore } from "../../db/store";
import type { Summary, Winner } from "./model";
import { summaryOf, toWinner, winnersAfter } from "./service";

const encoder = new TextEncoder();
const PAGE = 500;
const CSV_COLUMNS = [
  "rank",
  "phone",
  "redeemed_at",
  "status",
  "credited_at",
  "failure",
  "voided_at",
  "voided_by",
  "void_reason",
] as const;

/** RFC 4180 quoting, and a leading quote on text a spreadsheet would run as a formula. */
export function csvField(value: string | number | null): string {
  if (value === null) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text) && !/^\+\d+$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvRow(w: Winner): string {
  const fields = [w.rank, w.phone, w.redeemedAt, w.status, w.creditedAt, w.failure];
  fields.push(w.voided?.at ?? null, w.voided?.by ?? null, w.voided?.reason ?? null);
  return `${fields.map(csvField).join(",")}\r\n`;
}

/** Every winner in rank order, read a page at a time as the client takes it. */
export function winnersCsv(store: DiscountStore, campaign: CampaignRow): ReadableStream<Uint8Array> {
  let after = 0;
  let headerSent = false;
  return new ReadableStream({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(`${CSV_COLUMNS.join(",")}\r\n`));
      }
      const rows = await winnersAfter(store, campaign.id, after, PAGE);
      if (rows.length > 0) {
        after = (rows.at(-1) as (typeof rows)[number]).rank;
        controller.enqueue(encoder.encode(rows.map((r) => csvRow(toWinner(r))).join("")));
      }
      if (rows.length < PAGE) controller.close();
    },
  });
}

export interface EventOptions {
  /** Rank of the last winner the client has (Last-Event-ID on a reconnect). */
  after: number;
  pollMs: number;
  keepAliveMs: number;
}

const sseEvent = (event: string, data: unknown, id?: number) =>
  encoder.encode(`${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

const summaryKey = (s: Summary) => `${s.redeemed}/${s.credited}/${s.pending}/${s.failed}/${s.voided}`;

/**
 * Server-Sent Events for one campaign: `winner` (id = rank, so a reconnecting
 * EventSource resumes where it stopped), `summary` whenever the numbers change, and
 * `sold-out` once. It polls the DB, the authority, so every instance serves the same
 * stream whichever instance recorded the win.
 */
export function winnerEvents(
  store: DiscountStore,
  campaign: CampaignRow,
  options: EventOptions,
): ReadableStream<Uint8Array> {
  let after = options.after;
  let lastSummary = "";
  let soldOutSent = false;
  let started = false;
  let cancelled = false;
  let quietSince = Date.now();

  /** What happened since the last look, as SSE chunks (none when nothing did). */
  const changes = async (): Promise<Uint8Array[]> => {
    const chunks: Uint8Array[] = [];
    for (;;) {
      const rows = await winnersAfter(store, campaign.id, after, PAGE);
      for (const row of rows) chunks.push(sseEvent("winner", toWinner(row), row.rank));
      if (rows.length > 0) after = (rows.at(-1) as (typeof rows)[number]).rank;
      if (rows.length < PAGE) break;
    }
    const summary = await summaryOf(store, campaign);
    if (summaryKey(summary) !== lastSummary) {
      lastSummary = summaryKey(summary);
      chunks.push(sseEvent("summary", summary));
    }
    if (summary.soldOutAt && !soldOutSent) {
      soldOutSent = true;
      chunks.push(sseEvent("sold-out", { soldOutAt: summary.soldOutAt, redeemed: summary.redeemed }));
    }
    return chunks;
  };

  return new ReadableStream({
    async pull(controller) {
      if (!started) {
        started = true;
        // Tells EventSource how soon to reconnect after a dropped connection.
        controller.enqueue(encoder.encode(`retry: ${Math.max(options.pollMs, 1_000)}\n\n`));
      }
      // Each pull waits until it has something to send: news, or a keep-alive for proxies.
      while (!cancelled) {
        const chunks = await changes();
        if (chunks.length > 0) {
          for (const chunk of chunks) controller.enqueue(chunk);
          quietSince = Date.now();
          return;
        }
        if (Date.now() - quietSince >= options.keepAliveMs) {
          controller.enqueue(encoder.encode(": keep-alive\n\n"));
          quietSince = Date.now();
          return;
        }
        await sleep(options.pollMs);
      }
    },
    cancel() {
      cancelled = true;
    },
  });
}
