// Redemptions per second over the last 60 s, drawn on a <canvas> from the winners' redeemedAt.

import { clock, num } from "./format.js";
import { t } from "./i18n.js";

const WINDOW_S = 60;

export function createRateChart(canvas, caption) {
  /** second (epoch) → winners redeemed in it */
  let bins = new Map();
  let latest = null;
  let lastLabel = "";

  function add(winners) {
    for (const w of winners) {
      const sec = Math.floor(Date.parse(w.redeemedAt) / 1000);
      if (!Number.isFinite(sec)) continue;
      bins.set(sec, (bins.get(sec) ?? 0) + 1);
      if (latest === null || sec > latest) latest = sec;
    }
  }

  function reset() {
    bins = new Map();
    latest = null;
    draw();
  }

  /** The window ends now while winners are recent; for a quiet campaign it ends at its last winner. */
  function windowEnd() {
    const now = Math.floor(Date.now() / 1000);
    if (latest !== null && (latest > now || now - latest >= WINDOW_S)) return { end: latest, live: latest > now };
    return { end: now, live: true };
  }

  function colors() {
    const css = getComputedStyle(canvas);
    const pick = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
    return {
      bar: pick("--chart-bar", "#1d6fd6"),
      grid: pick("--chart-grid", "#c8ccd2"),
      text: pick("--chart-text", "#333"),
    };
  }

  function draw() {
    const { end, live } = windowEnd();
    const start = end - WINDOW_S + 1;
    for (const sec of bins.keys()) if (sec < start - 5) bins.delete(sec);
    const counts = Array.from({ length: WINDOW_S }, (_, i) => bins.get(start + i) ?? 0);
    const peak = Math.max(0, ...counts);
    const total = counts.reduce((a, b) => a + b, 0);

    const dpr = window.devicePixelRatio || 1;
    const cssWidth = canvas.clientWidth || 600;
    const cssHeight = canvas.clientHeight || 140;
    const w = Math.round(cssWidth * dpr);
    const h = Math.round(cssHeight * dpr);
    if (canvas.width !== w) canvas.width = w;
    if (canvas.height !== h) canvas.height = h;
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssWidth, cssHeight);

    const c = colors();
    const top = 16;
    const bottom = cssHeight - 16;
    const plotH = bottom - top;
    const scale = Math.max(1, peak);
    const barW = cssWidth / WINDOW_S;

    ctx.strokeStyle = c.grid;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(0, bottom + 0.5);
    ctx.lineTo(cssWidth, bottom + 0.5);
    ctx.moveTo(0, top + 0.5);
    ctx.lineTo(cssWidth, top + 0.5);
    ctx.stroke();

    ctx.fillStyle = c.bar;
    counts.forEach((n, i) => {
      if (n === 0) return;
      const barH = Math.max(1, (n / scale) * plotH);
      ctx.fillRect(i * barW + 1, bottom - barH, Math.max(1, barW - 2), barH);
    });

    ctx.fillStyle = c.text;
    ctx.font = "12px system-ui, sans-serif";
    ctx.textBaseline = "bottom";
    ctx.textAlign = "left";
    ctx.fillText(t("chartPeak", num(peak)), 2, top - 2);
    ctx.textBaseline = "top";
    ctx.fillText(t("chartWindow"), 2, bottom + 2);
    ctx.textAlign = "right";
    ctx.fillText(live ? t("chartNow") : clock(new Date(end * 1000)), cssWidth - 2, bottom + 2);

    const label = t("chartLabel", live, num(counts[WINDOW_S - 1]), num(peak), num(total));
    if (label !== lastLabel) {
      lastLabel = label;
      canvas.setAttribute("aria-label", label);
      caption.textContent = live ? t("chartCaption") : t("chartCaptionUpTo", clock(new Date(end * 1000)));
    }
  }

  return { add, reset, draw };
}
