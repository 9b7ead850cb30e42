// Polls one campaign's report with the rank cursor: new winners only, backing off on errors.

import { api, isAuthError } from "./api.js";

export const POLL_MS = 1000;
export const MAX_BACKOFF_MS = 30_000;
const PAGE = 1000;
/** Pages fetched in one tick before yielding; a bigger backlog continues at once on the next tick. */
const MAX_PAGES_PER_TICK = 10;
/** Only the newest this many winners are fetched when a campaign is opened (the table keeps as many). */
export const KEEP = 1000;
/** Rows still pending are re-read at least this often, and sooner when the summary shows credits moved. */
const STATUS_REFRESH_MS = 10_000;

/** 1 s, 2 s, 4 s … capped at 30 s, after the n-th consecutive failure. */
export const backoffMs = (failures) => Math.min(MAX_BACKOFF_MS, POLL_MS * 2 ** Math.max(0, failures - 1));

/**
 * Watches a campaign until stop() is called. Handlers:
 * - onReport(report): the summary numbers and the page's new winners (rank ascending);
 * - onStatus(winner): a winner shown earlier whose credit status changed, or who was voided since;
 * - onState("live" | "reconnecting", error?): after each tick;
 * - onAuthError(error): the token stopped working (401/403); polling stops.
 */
export function watchCampaign(code, handlers) {
  let stopped = false;
  let timer = 0;
  let controller = null;
  let failures = 0;
  let cursor = null;
  let lastSettled = -1;
  let lastStatusRefresh = 0;
  let lastVoided = null;
  const pending = new Set();

  const schedule = (ms) => {
    if (!stopped) timer = setTimeout(tick, ms);
  };

  function take(report) {
    if (stopped) return;
    for (const w of report.winners) if (w.status === "pending") pending.add(w.rank);
    // Forget pending ranks the table no longer shows.
    const newest = Number(report.nextCursor);
    for (const rank of pending) if (rank <= newest - KEEP) pending.delete(rank);
    handlers.onReport(report);
  }

  async function refreshStatuses(report, signal) {
    const settled = report.credited + report.failed;
    const due = settled !== lastSettled || Date.now() - lastStatusRefresh >= STATUS_REFRESH_MS;
    if (pending.size === 0 || !due) return;
    const from = Math.min(...pending) - 1;
    const page = await api.report(code, { cursor: from, limit: PAGE }, signal);
    if (stopped) return;
    for (const w of page.winners) {
      if (pending.has(w.rank) && w.status !== "pending") {
        pending.delete(w.rank);
        handlers.onStatus(w);
      }
    }
    lastStatusRefresh = Date.now();
    // When pending rows span more than a page, look again next tick.
    const beyond = [...pending].some((rank) => rank > Number(page.nextCursor));
    if (!beyond) lastSettled = settled;
  }

  /**
   * A void changes a row already shown, so the shown window is read again when the report's voided
   * count moves (a void made elsewhere, or one that was pending), once per change.
   */
  async function refreshVoids(report, signal) {
    if (lastVoided !== null && report.voided !== lastVoided) {
      const from = Math.max(0, Number(report.nextCursor) - KEEP);
      const page = await api.report(code, { cursor: from, limit: PAGE }, signal);
      if (stopped) return;
      for (const w of page.winners) if (w.voided) handlers.onStatus(w);
    }
    lastVoided = report.voided;
  }

  async function poll(signal) {
    if (cursor === null) {
      // Open at the newest KEEP winners rather than paging through a long history.
      const head = await api.report(code, { cursor: 0, limit: 1 }, signal);
      cursor = Math.max(0, head.redeemed - KEEP);
    }
    let report;
    let pages = 0;
    do {
      report = await api.report(code, { cursor, limit: PAGE }, signal);
      if (stopped) return report;
      cursor = Number(report.nextCursor);
      take(report);
      pages += 1;
    } while (report.hasMore && pages < MAX_PAGES_PER_TICK);
    await refreshStatuses(report, signal);
    await refreshVoids(report, signal);
    return report;
  }

  async function tick() {
    controller = new AbortController();
    try {
      const report = await poll(controller.signal);
      if (stopped) return;
      failures = 0;
      handlers.onState("live");
      schedule(report.hasMore ? 0 : POLL_MS);
    } catch (err) {
      if (stopped) return;
      if (isAuthError(err)) {
        stopped = true;
        handlers.onAuthError(err);
        return;
      }
      failures += 1;
      handlers.onState("reconnecting", err);
      schedule(backoffMs(failures));
    }
  }

  tick();
  return {
    code,
    stop() {
      stopped = true;
      clearTimeout(timer);
      controller?.abort();
    },
  };
}
