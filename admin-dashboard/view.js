// Renders one campaign: live numbers, progress, sold-out banner and the winners table (newest first).

import { createRateChart } from "./chart.js";
import { clock, dateTime, digits, num, soldOutText, tomans } from "./format.js";
import { t } from "./i18n.js";

/** At most this many winner rows stay in the table; older ones are dropped from the bottom. */
export const MAX_ROWS = 1000;
/**
 * A burst brings a thousand winners at once; built in one go they would hold the page for a long
 * task, so they go in by slices, one per animation frame. Laying a slice out costs the browser
 * several times what building it costs here, so a slice ends once building it took this long: when
 * the machine is busy (a burst on the same box, a slow laptop) the slices shrink and frames stay short.
 */
const BUILD_MS_PER_FRAME = 3;
const MAX_ROWS_PER_FRAME = 50;

const $ = (id) => document.getElementById(id);

/** Sets text only when it changed, so aria-live regions do not re-announce the same numbers. */
function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/**
 * The winners' "Void" cell: a button for a winner still standing, else who voided it, when and why.
 * `voided` is the report's { at, by, reason }, "pending" while the wallet has not confirmed the
 * debit, or null.
 */
function fillVoidCell(td, winner, voided, onVoid) {
  td.className = "void-cell";
  if (voided === "pending") {
    td.replaceChildren(t("voidPending"));
    return;
  }
  if (voided) {
    const what = document.createElement("strong");
    what.textContent = t("voided");
    const when = document.createElement("time");
    when.dateTime = voided.at;
    when.textContent = clock(voided.at);
    const reason = document.createElement("q");
    reason.dir = "auto";
    reason.textContent = voided.reason;
    td.replaceChildren(what, t("voidedAt"), when, t("voidedBy", voided.by), reason);
    return;
  }
  const button = document.createElement("button");
  button.type = "button";
  button.className = "danger small";
  button.textContent = t("voidButton");
  button.setAttribute("aria-label", t("voidWinnerLabel", winner.phone, digits(winner.rank)));
  button.addEventListener("click", () => onVoid(winner, button));
  td.replaceChildren(button);
}

/** onVoid(winner, button): the admin asked to void a winner (the "Void" button in its row). */
export function createCampaignView({ onVoid }) {
  const el = {
    view: $("campaign-view"),
    name: $("campaign-name"),
    code: $("campaign-code"),
    amount: $("campaign-amount"),
    dates: $("campaign-dates"),
    cap: $("stat-cap"),
    redeemed: $("stat-redeemed"),
    remaining: $("stat-remaining"),
    pending: $("stat-pending"),
    extra: $("stat-extra"),
    progress: $("progress"),
    banner: $("sold-out-banner"),
    body: $("winners-body"),
    note: $("winners-note"),
  };
  const chart = createRateChart($("rate-chart"), $("rate-caption"));
  /** rank → its <tr>, for status updates */
  let rows = new Map();
  /** rank → winner not yet in the table, oldest first: they go in a slice per animation frame */
  let queued = new Map();
  let frame = 0;
  let chartTimer = 0;

  function statusCell(td, winner) {
    td.textContent = t("status", winner.status);
    td.className = `status status-${winner.status}`;
    if (winner.status === "failed" && winner.failure) td.title = winner.failure;
    else td.removeAttribute("title");
  }

  function rowFor(winner) {
    const tr = document.createElement("tr");
    tr.dataset.rank = String(winner.rank);
    tr.dataset.status = winner.status;
    const rank = document.createElement("td");
    rank.textContent = digits(winner.rank);
    rank.className = "num";
    const phone = document.createElement("td");
    phone.textContent = winner.phone;
    phone.dir = "ltr";
    phone.className = "phone";
    const timeCell = document.createElement("td");
    const time = document.createElement("time");
    time.dateTime = winner.redeemedAt;
    time.textContent = clock(winner.redeemedAt);
    timeCell.append(time);
    const status = document.createElement("td");
    statusCell(status, winner);
    const voidCell = document.createElement("td");
    tr.append(rank, phone, timeCell, status, voidCell);
    showVoid(tr, winner, winner.voided);
    return tr;
  }

  function showVoid(tr, winner, voided) {
    if (voided) tr.dataset.voided = voided === "pending" ? "pending" : "true";
    else delete tr.dataset.voided;
    fillVoidCell(tr.cells[4], winner, voided, onVoid);
  }

  /** Puts the oldest queued slice in the table, newest first, and asks for another frame while some wait. */
  function flush() {
    frame = 0;
    const started = performance.now();
    const fragment = document.createDocumentFragment();
    let built = 0;
    for (const w of queued.values()) {
      if (built === MAX_ROWS_PER_FRAME || (built > 0 && performance.now() - started >= BUILD_MS_PER_FRAME)) break;
      queued.delete(w.rank);
      const tr = rowFor(w);
      rows.set(w.rank, tr);
      // The queue is rank-ascending; the table is newest first, so each row goes above the one before.
      fragment.prepend(tr);
      built += 1;
    }
    el.body.prepend(fragment);
    while (el.body.rows.length > MAX_ROWS) {
      const last = el.body.lastElementChild;
      rows.delete(Number(last.dataset.rank));
      last.remove();
    }
    if (queued.size > 0) frame = requestAnimationFrame(flush);
  }

  function addWinners(winners) {
    if (winners.length === 0) return;
    chart.add(winners);
    for (const w of winners) if (!rows.has(w.rank)) queued.set(w.rank, w);
    // Winners that would be pushed out of the table at once are never built.
    for (const rank of queued.keys()) {
      if (queued.size <= MAX_ROWS) break;
      queued.delete(rank);
    }
    if (!frame && queued.size > 0) frame = requestAnimationFrame(flush);
  }

  /** A winner shown earlier whose credit settled or who was voided since. */
  function updateStatus(winner) {
    if (queued.has(winner.rank)) {
      queued.set(winner.rank, winner);
      return;
    }
    const tr = rows.get(winner.rank);
    if (!tr) return;
    tr.dataset.status = winner.status;
    statusCell(tr.cells[3], winner);
    showVoid(tr, winner, winner.voided);
  }

  /** The outcome of a void asked from this page: the report's { at, by, reason }, "pending", or null (refused). */
  function markVoid(winner, voided) {
    const waiting = queued.get(winner.rank);
    if (waiting) queued.set(winner.rank, { ...waiting, voided });
    const tr = rows.get(winner.rank);
    if (tr) showVoid(tr, winner, voided);
  }

  function showReport(report) {
    setText(el.name, report.name);
    setText(el.code, report.code);
    setText(el.amount, t("perWinner", tomans(report.amount)));
    setText(el.cap, num(report.cap));
    setText(el.redeemed, num(report.redeemed));
    setText(el.remaining, num(report.remaining));
    setText(el.pending, num(report.pending));
    setText(el.extra, t("statExtra", num(report.credited), num(report.failed), num(report.voided)));
    el.progress.max = Math.max(1, report.cap);
    el.progress.value = Math.min(report.redeemed, report.cap);
    const pct = report.cap > 0 ? Math.round((100 * report.redeemed) / report.cap) : 0;
    el.progress.textContent = `${num(pct)}%`;
    el.progress.setAttribute("aria-valuetext", t("progressText", num(report.redeemed), num(report.cap), num(pct)));

    const banner = soldOutText(report);
    setText(el.banner, banner);
    el.banner.hidden = banner === "";

    addWinners(report.winners);
    chart.draw();
    const shown = Math.min(MAX_ROWS, el.body.rows.length + queued.size);
    const hidden = report.redeemed - shown;
    setText(el.note, hidden > 0 ? t("winnersNote", num(shown)) : "");
    el.note.hidden = hidden <= 0;
    el.view.hidden = false;
  }

  /** Empties everything for a new campaign (or sign-out). */
  function clear() {
    rows = new Map();
    queued = new Map();
    cancelAnimationFrame(frame);
    frame = 0;
    el.body.replaceChildren();
    for (const node of [el.name, el.code, el.amount, el.dates, el.extra, el.banner, el.note]) node.textContent = "";
    for (const node of [el.cap, el.redeemed, el.remaining, el.pending]) node.textContent = "–";
    el.progress.max = 1;
    el.progress.value = 0;
    el.banner.hidden = true;
    el.note.hidden = true;
    chart.reset();
  }

  function open(campaign) {
    clear();
    setText(el.name, campaign.name);
    setText(el.code, campaign.code);
    setText(
      el.dates,
      t("campaignDates", dateTime(campaign.createdAt), dateTime(campaign.startsAt), dateTime(campaign.endsAt)),
    );
    el.view.hidden = false;
    clearInterval(chartTimer);
    // Redrawn every second so the window scrolls even while no winner arrives.
    chartTimer = setInterval(chart.draw, 1000);
  }

  function close() {
    clearInterval(chartTimer);
    clear();
    el.view.hidden = true;
  }

  return { open, close, showReport, updateStatus, markVoid, drawChart: chart.draw };
}
