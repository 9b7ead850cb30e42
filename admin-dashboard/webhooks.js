// The webhooks panel: each endpoint (URL, events, enabled or why not) with its last delivery's outcome.

import { api, isAuthError } from "./api.js";
import { dateTime, num } from "./format.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const GONE = Symbol("removed meanwhile");

/** One line on the newest delivery: what was sent and how it went, or that nothing was sent yet. */
export function deliveryText(delivery) {
  if (!delivery) return t("noDeliveries");
  const attempts = t("attempts", num(delivery.attempts), delivery.attempts);
  // The receiver's status when it answered at all, else why no answer came (timeout, refused address…).
  const last = delivery.lastStatus === null ? delivery.lastError : `HTTP ${delivery.lastStatus}`;
  switch (delivery.status) {
    case "delivered":
      return t("delivered", delivery.type, dateTime(delivery.deliveredAt), attempts, last);
    case "failed":
      return t("deliveryFailed", delivery.type, attempts, last);
    default:
      return t("deliveryPending", delivery.type, attempts, last, dateTime(delivery.nextAttemptAt));
  }
}

function stateText(endpoint) {
  if (endpoint.enabled) return t("enabled");
  return t("disabled", dateTime(endpoint.disabledAt), endpoint.disabledReason);
}

function line(className, text) {
  const p = document.createElement("p");
  p.className = className;
  p.textContent = text;
  return p;
}

/** An endpoint as the list shows it. The list API never returns secrets, and none is shown. */
function itemFor(endpoint, delivery) {
  const li = document.createElement("li");
  li.dataset.webhookId = String(endpoint.id);
  li.dataset.enabled = String(endpoint.enabled);
  li.dataset.delivery = delivery?.status ?? "none";
  const url = document.createElement("code");
  url.className = "webhook-url";
  url.dir = "ltr";
  url.textContent = endpoint.url;
  li.append(
    url,
    line("hint webhook-events", endpoint.events.join(", ")),
    line(`webhook-state state-${endpoint.enabled ? "on" : "off"}`, stateText(endpoint)),
    line(`webhook-delivery delivery-${delivery?.status ?? "none"}`, deliveryText(delivery)),
  );
  return li;
}

/** Wires the panel. onAuthError(err) signs out. Returns { load(), reset() }. */
export function setUpWebhooks({ onAuthError }) {
  const list = $("webhooks-list");
  const empty = $("webhooks-empty");
  const error = $("webhooks-error");
  const reload = $("reload-webhooks");

  function showError(text) {
    error.textContent = text;
    error.hidden = text === "";
  }

  async function load() {
    reload.disabled = true;
    showError("");
    try {
      const { items } = await api.listWebhooks();
      // An endpoint's last delivery is its own call; a few endpoints at most, asked together.
      // One removed in between answers 404 and is left out.
      const deliveries = await Promise.all(
        items.map((endpoint) =>
          api.lastDelivery(endpoint.id).catch((err) => (err.status === 404 ? GONE : Promise.reject(err))),
        ),
      );
      const shown = items.filter((_, i) => deliveries[i] !== GONE);
      list.replaceChildren(...shown.map((endpoint) => itemFor(endpoint, deliveries[items.indexOf(endpoint)])));
      empty.hidden = shown.length > 0;
    } catch (err) {
      if (isAuthError(err) && err.status === 401) onAuthError(err);
      else showError(t("webhooksFailed", err.message));
    } finally {
      reload.disabled = false;
    }
  }

  reload.addEventListener("click", load);

  return {
    load,
    reset() {
      list.replaceChildren();
      empty.hidden = true;
      showError("");
    },
  };
}
