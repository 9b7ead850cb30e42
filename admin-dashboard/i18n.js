// The page's language (Persian by default, English as a switch kept in localStorage) and time zone
// (Asia/Tehran unless ?tz= names another), and every text the page shows, in both languages.

import { en } from "./messages-en.js";
import { fa } from "./messages-fa.js";

const LANG_KEY = "matchday.admin.lang";
const MESSAGES = { fa, en };
export const DEFAULT_ZONE = "Asia/Tehran";

function storedLang() {
  try {
    return localStorage.getItem(LANG_KEY);
  } catch {
    return null; // storage may be blocked; the page then stays in Persian.
  }
}

/** ?lang=en|fa chooses and remembers; else the remembered choice; else Persian. */
function chooseLang() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (asked && asked in MESSAGES) {
    rememberLang(asked);
    return asked;
  }
  const stored = storedLang();
  return stored && stored in MESSAGES ? stored : "fa";
}

function rememberLang(code) {
  try {
    localStorage.setItem(LANG_KEY, code);
  } catch {
    // Not remembered: the switch still applies to this page.
  }
}

/** ?tz=<IANA zone> when the browser knows it, else Tehran: the match is played there. */
function chooseZone() {
  const asked = new URLSearchParams(location.search).get("tz");
  if (!asked) return DEFAULT_ZONE;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: asked }).resolvedOptions().timeZone;
  } catch {
    return DEFAULT_ZONE;
  }
}

export const lang = chooseLang();
export const zone = chooseZone();
const messages = MESSAGES[lang];

/** The text for `key`; a message that takes values is a function of them. */
export function t(key, ...values) {
  const message = messages[key] ?? en[key];
  return typeof message === "function" ? message(...values) : message;
}

/** Sets <html lang dir>, the title, and every element marked data-i18n (text) or data-i18n-label (aria-label). */
export function translatePage() {
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === "fa" ? "rtl" : "ltr";
  document.title = t("pageTitle");
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-label]")) {
    node.setAttribute("aria-label", t(node.dataset.i18nLabel));
  }
}

/** Switches language: remembered, and the page is loaded again in it (the token stays in this tab). */
export function switchLang(code) {
  rememberLang(code);
  const url = new URL(location.href);
  url.searchParams.delete("lang");
  location.replace(url);
}
