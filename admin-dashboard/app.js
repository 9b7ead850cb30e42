// The admin dashboard: sign-in with a pasted admin token, campaign picker, live view, admin actions.

import { ApiError, api, cleanToken, signInMessage, tokenStore, unverifiedClaims } from "./api.js";
import { setUpForms } from "./forms.js";
import { lang, switchLang, t, translatePage, zone } from "./i18n.js";
import { watchCampaign } from "./live.js";
import { createCampaignView } from "./view.js";
import { setUpVoids } from "./voids.js";
import { setUpWebhooks } from "./webhooks.js";

const $ = (id) => document.getElementById(id);

translatePage();

const el = {
  signInSection: $("sign-in-section"),
  signInForm: $("sign-in-form"),
  tokenInput: $("token-input"),
  signInButton: $("sign-in"),
  signInError: $("sign-in-error"),
  signOut: $("sign-out"),
  dashboard: $("dashboard"),
  select: $("campaign-select"),
  search: $("campaign-search"),
  more: $("more-campaigns"),
  reload: $("reload-campaigns"),
  empty: $("campaigns-empty"),
  liveStatus: $("live-status"),
  liveError: $("live-error"),
  download: $("download-csv"),
  downloadError: $("download-csv-error"),
};

const view = createCampaignView({ onVoid: (winner, button) => voids.open(winner, button) });
let watcher = null;
/** code → campaign, from the list */
let campaigns = new Map();
/** The API's cursor for the list's next page, or null when the picker holds the last one. */
let nextCursor = null;

$("time-zone").textContent = t("timesIn", zone);
$("switch-lang").addEventListener("click", () => switchLang(lang === "fa" ? "en" : "fa"));

// ---- sign-in / sign-out ------------------------------------------------------------------------

function showSignIn(message = "") {
  el.dashboard.hidden = true;
  el.signOut.hidden = true;
  el.signInSection.hidden = false;
  el.signInError.textContent = message;
  el.signInError.hidden = message === "";
  el.tokenInput.setAttribute("aria-invalid", message ? "true" : "false");
}

function showDashboard() {
  el.signInSection.hidden = true;
  el.signInError.hidden = true;
  el.tokenInput.value = "";
  el.dashboard.hidden = false;
  el.signOut.hidden = false;
}

/** Forgets the token and everything shown; with a message when the token stopped working. */
function signOut(message = "") {
  stopWatching();
  tokenStore.clear();
  voids.close();
  view.close();
  forms.reset();
  webhooks.reset();
  campaigns = new Map();
  nextCursor = null;
  el.select.replaceChildren();
  el.search.value = "";
  el.more.hidden = true;
  showSignIn(message);
  el.tokenInput.focus();
}

/** Verifies a token by listing the campaigns with it; keeps it only if that works. */
async function signIn(token) {
  if (!token) {
    showSignIn(signInMessage(new ApiError(401, { code: "UNAUTHENTICATED" })));
    return;
  }
  // Refuse at once what the server would refuse anyway; anything else is checked by the server.
  const claims = unverifiedClaims(token);
  if (!claims) {
    showSignIn(signInMessage(new ApiError(401, { code: "INVALID_TOKEN" })));
    return;
  }
  if (typeof claims.role === "string" && claims.role !== "admin") {
    showSignIn(signInMessage(new ApiError(403, { code: "FORBIDDEN" })));
    return;
  }
  el.signInButton.disabled = true;
  try {
    const list = await api.listCampaigns({ token });
    tokenStore.set(token);
    showDashboard();
    fillPicker(list);
    webhooks.load();
  } catch (err) {
    tokenStore.clear();
    showSignIn(signInMessage(err));
  } finally {
    el.signInButton.disabled = false;
  }
}

el.signInForm.addEventListener("submit", (event) => {
  event.preventDefault();
  signIn(cleanToken(el.tokenInput.value));
});
el.signOut.addEventListener("click", () => signOut());

// ---- campaign picker -----------------------------------------------------------------------------

function optionFor(campaign) {
  const option = document.createElement("option");
  option.value = campaign.code;
  option.dir = "auto";
  option.textContent = `${campaign.name} (${campaign.code})`;
  return option;
}

/**
 * Fills the picker with a page of the list (newest first), or adds the page to it, and watches the
 * chosen campaign, else the first one listed.
 */
function fillPicker(list, choose = el.select.value, { append = false } = {}) {
  const items = append ? [...campaigns.values(), ...list.items] : list.items;
  campaigns = new Map(items.map((c) => [c.code, c]));
  nextCursor = list.nextCursor;
  el.more.hidden = nextCursor === null;
  if (append) el.select.append(...list.items.map(optionFor));
  else el.select.replaceChildren(...items.map(optionFor));
  el.select.disabled = items.length === 0;
  el.empty.textContent = el.search.value.trim() ? t("campaignsNoMatch") : t("campaignsEmpty");
  el.empty.hidden = items.length > 0;
  if (items.length === 0) {
    stopWatching();
    view.close();
    return;
  }
  el.select.value = campaigns.has(choose) ? choose : items[0].code;
  if (watcher?.code !== el.select.value) watch(el.select.value);
}

/** The list's first page for the search box's text, or, with `more`, the page after those shown. */
async function reloadCampaigns(choose, { more = false } = {}) {
  const q = el.search.value.trim();
  try {
    const list = await api.listCampaigns({ q, cursor: more ? nextCursor : null });
    // A later search replaced this one while it was on its way: its answer is not wanted.
    if (el.search.value.trim() !== q) return;
    fillPicker(list, choose, { append: more });
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) signOut(signInMessage(err));
    else showLiveError(t("campaignsFailed", err.message));
  }
}

el.select.addEventListener("change", () => watch(el.select.value));
el.reload.addEventListener("click", () => reloadCampaigns());
el.more.addEventListener("click", () => reloadCampaigns(el.select.value, { more: true }));
/** The server searches (name or code); the page asks once typing pauses. */
const SEARCH_PAUSE_MS = 250;
let searchTimer = 0;
el.search.addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => reloadCampaigns(), SEARCH_PAUSE_MS);
});

// ---- live view -----------------------------------------------------------------------------------

function showLiveError(text) {
  el.liveError.textContent = text;
  el.liveError.hidden = text === "";
}

function setLiveState(state, err) {
  const text = state === "live" ? t("live") : t("reconnecting");
  if (el.liveStatus.textContent !== text) el.liveStatus.textContent = text;
  el.liveStatus.dataset.state = state;
  el.liveStatus.hidden = false;
  showLiveError(err ? t("retrying", `${err.message}${err.code && err.status ? ` (${err.code})` : ""}`) : "");
}

function stopWatching() {
  watcher?.stop();
  watcher = null;
  el.liveStatus.hidden = true;
  el.liveStatus.textContent = "";
  showLiveError("");
}

function watch(code) {
  stopWatching();
  const campaign = campaigns.get(code);
  if (!campaign) return;
  voids.close();
  view.open(campaign);
  el.downloadError.hidden = true;
  const current = watchCampaign(code, {
    onReport: (report) => watcher === current && view.showReport(report),
    onStatus: (winner) => watcher === current && view.updateStatus(winner),
    onState: (state, err) => watcher === current && setLiveState(state, err),
    onAuthError: (err) => watcher === current && signOut(signInMessage(err)),
  });
  watcher = current;
}

el.download.addEventListener("click", async () => {
  if (!watcher) return;
  el.download.disabled = true;
  el.downloadError.hidden = true;
  try {
    await api.downloadCsv(watcher.code);
  } catch (err) {
    el.downloadError.textContent = t("downloadFailed", err.message);
    el.downloadError.hidden = false;
  } finally {
    el.download.disabled = false;
  }
});

window.addEventListener("resize", () => view.drawChart());

// ---- admin actions -------------------------------------------------------------------------------

const forms = setUpForms({
  onCreated: (campaign) => {
    if (!campaigns.has(campaign.code)) {
      fillPicker({ items: [campaign, ...campaigns.values()], nextCursor }, campaign.code);
    } else {
      el.select.value = campaign.code;
      watch(campaign.code);
    }
  },
  onAuthError: (err) => signOut(signInMessage(err)),
});

const voids = setUpVoids({
  view,
  getCampaign: () => (watcher ? campaigns.get(watcher.code) : undefined),
  onAuthError: (err) => signOut(signInMessage(err)),
});

const webhooks = setUpWebhooks({ onAuthError: (err) => signOut(signInMessage(err)) });

// ---- start -----------------------------------------------------------------------------------------

const saved = tokenStore.get();
if (saved) signIn(saved);
else showSignIn();
