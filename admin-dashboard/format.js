// Display formats shared by the page's modules.

const pad = (n, width = 2) => String(n).padStart(width, "0");

/** hh:mm:ss.mmm in the browser's local time zone. */
export function clock(date) {
  const d = date instanceof Date ? date : new Date(date);
  if (Number.isNaN(d.getTime())) return "";
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** Integers with thousands separators: 1000 → "1,000". */
export const num = (n) => (typeof n === "number" && Number.isFinite(n) ? n.toLocaleString("en-US") : "–");

/** "Sold out at hh:mm:ss.mmm, N s after start": start is startsAt when set, else the first redemption. */
export function soldOutText(report) {
  if (!report.soldOutAt) return "";
  const soldOut = Date.parse(report.soldOutAt);
  const start = Date.parse(report.startsAt ?? report.firstRedeemedAt ?? "");
  const at = `Sold out at ${clock(new Date(soldOut))}`;
  if (!Number.isFinite(start)) return at;
  return `${at}, ${Math.max(0, (soldOut - start) / 1000).toFixed(1)} s after start`;
}

/** A short local date and time for an ISO timestamp, or "" for none. */
export function dateTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : `${d.toLocaleDateString("en-CA")} ${clock(d).slice(0, 8)}`;
}
