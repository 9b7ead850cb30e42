// Display formats shared by the page's modules: times in the chosen zone (Tehran by default), Jalali
// dates and Persian digits in Persian, Gregorian dates and Latin digits in English.

import { lang, t, zone } from "./i18n.js";

const PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹";

/** Latin digits as Persian ones in Persian mode; unchanged in English. */
export const digits = lang === "fa" ? (text) => String(text).replace(/[0-9]/g, (d) => PERSIAN_DIGITS[d]) : String;

// Formatters are made once: a burst formats a thousand times in one frame.
const timeParts = new Intl.DateTimeFormat("en-US", {
  timeZone: zone,
  hourCycle: "h23",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  fractionalSecondDigits: 3,
});
const dateFormat =
  lang === "fa"
    ? new Intl.DateTimeFormat("fa-IR-u-ca-persian", {
        timeZone: zone,
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
      })
    : new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" });
// Iranians group thousands with the Arabic thousands separator (٬) and write Persian digits.
const numberFormat = new Intl.NumberFormat(lang === "fa" ? "fa-IR" : "en-US", { maximumFractionDigits: 1 });

const toDate = (value) => (value instanceof Date ? value : new Date(value));

/** hh:mm:ss.mmm in the page's zone. */
export function clock(value) {
  const d = toDate(value);
  if (Number.isNaN(d.getTime())) return "";
  const part = {};
  for (const { type, value: v } of timeParts.formatToParts(d)) part[type] = v;
  return digits(`${part.hour}:${part.minute}:${part.second}.${part.fractionalSecond}`);
}

/** Integers with thousands separators: 1000 → "1,000" in English, "۱٬۰۰۰" in Persian. */
export const num = (n) => (typeof n === "number" && Number.isFinite(n) ? numberFormat.format(n) : "–");

/** An amount of money: "1,000,000 Tomans" / "۱٬۰۰۰٬۰۰۰ تومان". */
export const tomans = (n) => t("tomans", num(n));

/** "Sold out at hh:mm:ss.mmm, N.N s after start": start is startsAt when set, else the first redemption. */
export function soldOutText(report) {
  if (!report.soldOutAt) return "";
  const soldOut = Date.parse(report.soldOutAt);
  const start = Date.parse(report.startsAt ?? report.firstRedeemedAt ?? "");
  const at = clock(new Date(soldOut));
  if (!Number.isFinite(start)) return t("soldOutAt", at);
  return t("soldOutAfter", at, num(Math.round(Math.max(0, soldOut - start) / 100) / 10));
}

/** A date (Jalali in Persian) and hh:mm:ss in the page's zone for an ISO timestamp, or "" for none. */
export function dateTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : `${dateFormat.format(d)} ${clock(d).slice(0, 8)}`;
}
