// The admin actions: create a campaign and generate a single-use coupon, with the API's validation messages.

import { ApiError, api, isAuthError } from "./api.js";
import { dateTime, num, tomans } from "./format.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

/** API field names (e.g. "body.maxRedemptions") → the input that holds them. */
const CAMPAIGN_FIELDS = {
  name: "new-name",
  code: "new-code",
  amount: "new-amount",
  maxRedemptions: "new-cap",
  startsAt: "new-starts",
  endsAt: "new-ends",
};
const COUPON_FIELDS = { amount: "coupon-amount" };

const fieldName = (field) =>
  String(field ?? "")
    .replace(/^(body|query|params)[./]/, "")
    .replace(/^\//, "");

/** Shows a problem's detail and each `field: message` in the form's error box, and marks the bad inputs. */
export function showProblem(box, err, fields = {}) {
  box.replaceChildren();
  const detail = document.createElement("p");
  if (err instanceof ApiError) {
    // The detail often repeats the first field issue, which the list below shows anyway.
    const first = err.errors[0];
    const repeats = first && err.detail === `${first.field}: ${first.message}`;
    detail.textContent = (repeats ? err.title : err.detail) || err.title || err.message;
    if (err.code && err.status !== 0) detail.textContent += ` (${err.code})`;
  } else {
    detail.textContent = t("somethingWrong");
  }
  box.append(detail);
  const issues = err instanceof ApiError ? err.errors : [];
  if (issues.length > 0) {
    const list = document.createElement("ul");
    for (const issue of issues) {
      const li = document.createElement("li");
      li.textContent = `${issue.field}: ${issue.message}`;
      list.append(li);
      const input = $(fields[fieldName(issue.field)] ?? "");
      if (input) input.setAttribute("aria-invalid", "true");
    }
    box.append(list);
  }
  box.hidden = false;
}

function resetMessages(form, box, result) {
  box.hidden = true;
  box.replaceChildren();
  result.hidden = true;
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

/** A number input's value as a number, or undefined when empty (the API then names the missing field). */
const numberOf = (input) => (input.value.trim() === "" ? undefined : Number(input.value));
/** A datetime-local value (browser's local time) as an ISO timestamp, or undefined when empty. */
function isoOf(input) {
  if (!input.value) return undefined;
  const d = new Date(input.value);
  return Number.isNaN(d.getTime()) ? input.value : d.toISOString();
}

/**
 * Wires both forms. onCreated(campaign) puts a new campaign in the picker; onAuthError(err) signs out.
 */
export function setUpForms({ onCreated, onAuthError }) {
  const createForm = $("create-campaign-form");
  const createError = $("create-campaign-error");
  const createResult = $("create-campaign-result");
  const createButton = $("create-campaign");

  createForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    resetMessages(createForm, createError, createResult);
    const body = {
      name: $("new-name").value.trim(),
      code: $("new-code").value.trim() || undefined,
      amount: numberOf($("new-amount")),
      maxRedemptions: numberOf($("new-cap")),
      startsAt: isoOf($("new-starts")),
      endsAt: isoOf($("new-ends")),
    };
    createButton.disabled = true;
    try {
      const campaign = await api.createCampaign(body);
      createForm.reset();
      createResult.replaceChildren();
      const name = document.createElement("bdi");
      name.textContent = campaign.name;
      const code = document.createElement("code");
      code.textContent = campaign.code;
      createResult.append(t("created"), name, " (", code, `)${t("createdWinners", num(campaign.maxRedemptions))}`);
      createResult.hidden = false;
      onCreated(campaign);
    } catch (err) {
      if (isAuthError(err) && err.status === 401) onAuthError(err);
      else showProblem(createError, err, CAMPAIGN_FIELDS);
    } finally {
      createButton.disabled = false;
    }
  });

  const couponForm = $("generate-coupon-form");
  const couponError = $("generate-coupon-error");
  const couponResult = $("coupon-result");
  const couponButton = $("generate-coupon");

  couponForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    resetMessages(couponForm, couponError, couponResult);
    const amount = numberOf($("coupon-amount"));
    couponButton.disabled = true;
    try {
      const coupon = await api.generateCoupon(amount === undefined ? {} : { amount });
      const code = document.createElement("code");
      code.id = "coupon-code";
      code.textContent = coupon.code;
      couponResult.replaceChildren(
        t("coupon"),
        code,
        t("couponDetails", tomans(coupon.amount), dateTime(coupon.expiresAt)),
      );
      couponResult.hidden = false;
    } catch (err) {
      if (isAuthError(err) && err.status === 401) onAuthError(err);
      else showProblem(couponError, err, COUPON_FIELDS);
    } finally {
      couponButton.disabled = false;
    }
  });

  return {
    reset() {
      for (const [form, box, result] of [
        [createForm, createError, createResult],
        [couponForm, couponError, couponResult],
      ]) {
        form.reset();
        resetMessages(form, box, result);
      }
    },
  };
}
