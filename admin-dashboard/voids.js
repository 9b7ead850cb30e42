// Voiding a gift winner: a dialog that asks why and names what will happen, then one call to the API.

import { ApiError, api, isAuthError, newIdempotencyKey } from "./api.js";
import { digits, tomans } from "./format.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

/** The API's bounds for a reason (reversals/model.ts): 1-500 characters, no control characters but tab and newlines. */
const MAX_REASON = 500;
// Built from a string, as in shared/safe-text.ts: the same ranges, and no control character in the source.
const CONTROL_CHARACTERS = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f";
const CONTROL = new RegExp(`[${CONTROL_CHARACTERS}]`);

/** Why a reason cannot be sent, or "" when it can. */
export function reasonProblem(reason) {
  if (reason.trim() === "") return t("reasonMissing");
  if (reason.length > MAX_REASON) return t("reasonTooLong", digits(MAX_REASON));
  if (CONTROL.test(reason)) return t("reasonControl");
  return "";
}

/** What the admin reads after the API answered a void of `phone`. */
function refusalText(err, phone) {
  if (!(err instanceof ApiError)) return t("voidUnexpected", phone);
  if (err.status === 0 || err.status >= 500) {
    // The request may have reached the service: the void may still complete, so no "nothing changed" here.
    return t("voidUnclear", phone, err.message);
  }
  const code = ` (${err.code})`;
  switch (err.code) {
    case "REVERSAL_INSUFFICIENT_FUNDS":
      return t("voidSpent", phone, code);
    case "ALREADY_REVERSED":
      return t("voidAlready", phone, code);
    case "CREDIT_NOT_SETTLED":
      return t("voidNotSettled", phone, code);
    default:
      return t("voidRefused", phone, err.detail || err.title || err.message, code);
  }
}

/**
 * Wires the void dialog. view.markVoid shows the outcome in the row; getCampaign() is the report
 * shown ({ code, amount }); onAuthError(err) signs out. Returns { open(winner, button), close() }.
 */
export function setUpVoids({ view, getCampaign, onAuthError }) {
  const dialog = $("void-dialog");
  const form = $("void-form");
  const summary = $("void-summary");
  const reasonInput = $("void-reason");
  const reasonError = $("void-reason-error");
  const confirm = $("void-confirm");
  const result = $("void-result");
  /** The winner the open dialog is about, and the row's button to give focus back to. */
  let asked = null;

  function showResult(text, tone) {
    result.textContent = text;
    result.dataset.tone = tone;
    result.hidden = false;
  }

  function showReasonError(text) {
    reasonError.textContent = text;
    reasonError.hidden = text === "";
    reasonInput.setAttribute("aria-invalid", text ? "true" : "false");
  }

  function open(winner, button) {
    const campaign = getCampaign();
    if (!campaign) return;
    asked = { winner, button, code: campaign.code };
    const debit = winner.status === "failed" ? t("debitNothing") : t("debitBack", tomans(campaign.amount));
    summary.textContent = t("voidSummary", winner.phone, digits(winner.rank), campaign.code, debit);
    confirm.textContent = t("voidConfirm", winner.phone);
    form.reset();
    showReasonError("");
    confirm.disabled = false;
    dialog.showModal();
    reasonInput.focus();
  }

  function close() {
    if (dialog.open) dialog.close();
  }

  // Keyboard users land back on the row's button, or, once it is busy, on the outcome's message.
  dialog.addEventListener("close", () => {
    if (asked?.button.isConnected && !asked.button.disabled) asked.button.focus();
    else if (asked) result.focus();
    asked = null;
  });
  $("void-cancel").addEventListener("click", close);

  async function send({ winner, button, code }, reason) {
    // One key per confirmed action: a repeat of this request is the same void, never a second one.
    const idempotencyKey = newIdempotencyKey();
    button.disabled = true;
    showResult(t("voiding", winner.phone), "info");
    // The admin may have opened another campaign meanwhile: its rows are not this winner's.
    const mark = (voided) => getCampaign()?.code === code && view.markVoid(winner, voided);
    try {
      const { done, reversal } = await api.voidWinner(code, winner.phone, { reason, idempotencyKey });
      if (done) {
        mark({ at: reversal.completedAt ?? reversal.requestedAt, by: reversal.actor, reason });
        showResult(t("voidDone", winner.phone, tomans(reversal.amount)), "ok");
      } else {
        mark("pending");
        showResult(t("voidAccepted", winner.phone), "warn");
      }
    } catch (err) {
      if (isAuthError(err) && err.status === 401) return onAuthError(err);
      button.disabled = false;
      showResult(refusalText(err, winner.phone), "bad");
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!asked) return;
    const reason = reasonInput.value;
    const problem = reasonProblem(reason);
    if (problem) {
      showReasonError(problem);
      reasonInput.focus();
      return;
    }
    const request = asked;
    // Closed before the call: a second click or Enter finds no open dialog and sends nothing.
    confirm.disabled = true;
    close();
    send(request, reason.trim());
  });

  return {
    open,
    close() {
      close();
      result.hidden = true;
      result.textContent = "";
    },
  };
}
