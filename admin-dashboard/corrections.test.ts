import { afterAll, beforeAll, expect, test } from "bun:test";
import { bearer, testToken } from "@matchday/testkit/http";
import { REPO_ROOT, waitFor } from "@matchday/testkit/processes";
import { startWebhookReceiver, type WebhookReceiver } from "@matchday/testkit/webhooks";
import type { Page } from "playwright-core";
import { type DashboardStack, startDashboardStack } from "./browser-stack";

let stack: DashboardStack;
let receiver: WebhookReceiver;
let admin: Record<string, string>;
let service: Record<string, string>;

beforeAll(async () => {
  // The receiver listens on loopback over plain http: allowed here only, as in the webhook tests.
  stack = await startDashboardStack({
    WEBHOOK_ALLOW_HTTP: "true",
    WEBHOOK_ALLOW_PRIVATE: "true",
    WEBHOOK_INTERVAL_MS: "100",
    // A wallet answer held back longer than this leaves a void pending (202) for the relay to finish.
    WALLET_TIMEOUT_MS: "500",
  });
  receiver = await startWebhookReceiver({ secret: "whsec_AAAA", mode: "ok" });
  admin = { ...(await bearer("admin")), "content-type": "application/json" };
  service = { ...(await bearer("service")), "content-type": "application/json" };
}, 60_000);
afterAll(async () => {
  await receiver?.dispose();
  await stack?.dispose();
});

async function post(base: string, path: string, body: unknown, headers: Record<string, string>) {
  const res = await fetch(`${base}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

type Report = { redeemed: number; pending: number; voided: number; winners: { voided: unknown }[] };
async function report(code: string): Promise<Report> {
  const res = await fetch(`${stack.discount.url}/v1/campaigns/${code}/report`, { headers: admin });
  return (await res.json()) as Report;
}

/** A gift campaign whose winners' credits have all reached the wallet (a void needs a settled credit). */
async function campaignWithWinners(code: string, amount: number, cap: number, phones: string[], name = code) {
  const created = await post(stack.discount.url, "/v1/campaigns", { name, code, amount, maxRedemptions: cap }, admin);
  expect(created.status).toBe(201);
  for (const phone of phones) expect(await stack.redeem(code, phone)).toBe(201);
  await waitFor("credits settled", async () => (await report(code)).pending === 0);
}

type Entry = { kind: string; amount: number };
/** The wallet's own view over its HTTP API: the balance and every ledger entry. */
async function walletOf(phone: string) {
  const get = (path: string) => fetch(`${stack.wallet.url}${path}`, { headers: service }).then((r) => r.json());
  const [wallet, page] = await Promise.all([
    get(`/v1/wallets/${phone}`),
    get(`/v1/wallets/${phone}/transactions?limit=100`),
  ]);
  return { balance: (wallet as { balance: number }).balance, entries: (page as { items: Entry[] }).items };
}

async function openCampaign(page: Page, code: string, rows: number) {
  await stack.signIn(page, await testToken("admin"));
  await page.waitForSelector("#campaign-select", { state: "visible" });
  await page.selectOption("#campaign-select", code);
  await page.waitForFunction((n) => document.querySelectorAll("#winners-body tr[data-rank]").length === n, rows);
}

const row = (rank: number) => `#winners-body tr[data-rank='${rank}']`;

test("a winner voided elsewhere is marked in the table with who, when and why, and the counts say so, without a reload", async () => {
  await campaignWithWinners("VOIDSEEN", 5_000, 3, ["09122000001", "09122000002"]);
  const page = await stack.browser.newPage();
  try {
    await openCampaign(page, "VOIDSEEN", 2);
    await page.evaluate(() => Object.assign(window, { __noReload: true }));
    expect(await page.isVisible(`${row(1)} button`)).toBe(true);

    const voided = await post(
      stack.discount.url,
      "/v1/campaigns/VOIDSEEN/redemptions/09122000001/void",
      { reason: "duplicate account" },
      admin,
    );
    expect(voided.status).toBe(200);

    await page.waitForSelector(`${row(1)}[data-voided='true']`, { timeout: 15_000 });
    const marked = (await page.textContent(`${row(1)} td.void-cell`)) ?? "";
    expect(marked).toMatch(/^Voided at \d\d:\d\d:\d\d\.\d\d\d by admin:admin: duplicate account$/);
    expect(await page.isVisible(`${row(1)} button`)).toBe(false);
    expect(await page.isVisible(`${row(2)} button`)).toBe(true);
    // As in the report: a voided winner still counts as redeemed, and its slot is not free again.
    await page.waitForFunction(() => /voided 1$/.test(document.querySelector("#stat-extra")?.textContent ?? ""));
    expect((await page.textContent("#stat-redeemed"))?.trim()).toBe("2");
    expect((await page.textContent("#stat-remaining"))?.trim()).toBe("1");
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
  } finally {
    await page.close();
  }
}, 60_000);

test("voiding asks for a reason and a confirmation naming the phone and amount; cancelling changes nothing, and a double click voids once", async () => {
  const phone = "09122000011";
  await campaignWithWinners("VOIDUI", 7_000, 2, [phone]);
  const page = await stack.browser.newPage();
  try {
    await openCampaign(page, "VOIDUI", 1);

    // By keyboard: Enter on the row's button opens the dialog with the reason focused; Escape cancels.
    await page.focus(`${row(1)} button`);
    await page.keyboard.press("Enter");
    await page.waitForSelector("#void-dialog[open]");
    expect(await page.textContent("#void-summary")).toContain("+989122000011");
    expect(await page.textContent("#void-summary")).toContain("7,000 Tomans");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("void-reason");
    await page.keyboard.type("changed my mind");
    await page.keyboard.press("Escape");
    await page.waitForSelector("#void-dialog", { state: "hidden" });
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe(
      "Void winner +989122000011 (rank 1)",
    );
    // The Cancel button too, after a reason was typed.
    await page.click(`${row(1)} button`);
    await page.fill("#void-reason", "not this one");
    await page.click("#void-cancel");
    await page.waitForSelector("#void-dialog", { state: "hidden" });
    // No reason: the dialog stays open and says why; nothing is sent.
    await page.click(`${row(1)} button`);
    await page.click("#void-confirm");
    await page.waitForSelector("#void-reason-error", { state: "visible" });
    expect(await page.isVisible("#void-dialog")).toBe(true);
    expect(await page.getAttribute("#void-reason", "maxlength")).toBe("500");
    expect(await walletOf(phone)).toMatchObject({ balance: 7_000, entries: [{ kind: "credit" }] });
    expect((await report("VOIDUI")).voided).toBe(0);

    // Markup in a reason is shown as text, never parsed.
    const reason = "fraud <img src=x onerror=alert(1)>";
    const voidCalls: string[] = [];
    page.on("request", (request) => {
      if (request.url().endsWith("/void")) voidCalls.push(request.headers()["idempotency-key"] ?? "");
    });
    await page.fill("#void-reason", reason);
    await page.dblclick("#void-confirm");
    await page.waitForSelector(`${row(1)}[data-voided='true']`);
    expect(await page.textContent("#void-result")).toBe("Voided +989122000011: 7,000 Tomans debited back.");
    expect(await page.textContent(`${row(1)} q`)).toBe(reason);
    expect(await page.$$(`#winners-body img`)).toHaveLength(0);
    // One request, with a key of its own, for the one confirmed action.
    expect(voidCalls).toHaveLength(1);
    expect(voidCalls[0]).toMatch(/^dashboard-[0-9a-f]{32}$/);

    const wallet = await walletOf(phone);
    expect(wallet.balance).toBe(0);
    expect(wallet.entries.map((e) => [e.kind, e.amount])).toEqual([
      ["debit", -7_000],
      ["credit", 7_000],
    ]);
    expect(await report("VOIDUI")).toMatchObject({ voided: 1, winners: [{ voided: { reason } }] });
  } finally {
    await page.close();
  }
}, 60_000);

test("a void the wallet refuses because the credit was spent shows why, changes nothing, and can be tried again", async () => {
  const phone = "09122000021";
  await campaignWithWinners("VOIDBROKE", 9_000, 1, [phone]);
  const spent = await post(
    stack.wallet.url,
    `/v1/wallets/${phone}/debits`,
    { amount: 4_000 },
    { ...service, "idempotency-key": `spend-${phone}` },
  );
  expect(spent.status).toBe(201);
  const before = await walletOf(phone);
  const page = await stack.browser.newPage();
  try {
    await openCampaign(page, "VOIDBROKE", 1);
    await page.click(`${row(1)} button`);
    await page.fill("#void-reason", "refund requested");
    await page.click("#void-confirm");
    await page.waitForFunction(() =>
      /REVERSAL_INSUFFICIENT_FUNDS/.test(document.querySelector("#void-result")?.textContent ?? ""),
    );
    expect(await page.textContent("#void-result")).toBe(
      "Not voided: +989122000021 has already spent the credit, so it cannot be debited back (REVERSAL_INSUFFICIENT_FUNDS). Nothing changed.",
    );
    expect(await page.getAttribute("#void-result", "data-tone")).toBe("bad");
    expect(await page.getAttribute(row(1), "data-voided")).toBeNull();
    expect(await page.isEnabled(`${row(1)} button`)).toBe(true);
    expect(await walletOf(phone)).toEqual(before);
    expect((await report("VOIDBROKE")).voided).toBe(0);
  } finally {
    await page.close();
  }
}, 60_000);

test("a void the wallet does not confirm in time is shown as pending, then as voided once the relay completes it", async () => {
  const phone = "09122000041";
  await campaignWithWinners("VOIDSLOW", 3_000, 1, [phone]);
  const page = await stack.browser.newPage();
  try {
    await openCampaign(page, "VOIDSLOW", 1);
    stack.walletProxy.delayMs = 2_000;
    await page.click(`${row(1)} button`);
    await page.fill("#void-reason", "chargeback");
    await page.click("#void-confirm");
    await page.waitForSelector(`${row(1)}[data-voided='pending']`, { timeout: 15_000 });
    expect(await page.getAttribute("#void-result", "data-tone")).toBe("warn");
    expect(await page.textContent("#void-result")).toContain("the wallet has not confirmed the debit yet");

    stack.walletProxy.delayMs = 0;
    await page.waitForSelector(`${row(1)}[data-voided='true']`, { timeout: 30_000 });
    expect(await page.textContent(`${row(1)} q`)).toBe("chargeback");
    const wallet = await walletOf(phone);
    expect(wallet.balance).toBe(0);
    expect(wallet.entries.filter((e) => e.kind === "debit")).toHaveLength(1);
  } finally {
    stack.walletProxy.delayMs = 0;
    await page.close();
  }
}, 60_000);

test("the webhooks panel lists each endpoint with its events, whether it is enabled and its last delivery, and no secret", async () => {
  const register = async (name: string, events: string[]) => {
    const created = await post(stack.discount.url, "/v1/webhooks", { url: `${receiver.url}/${name}`, events }, admin);
    expect(created.status).toBe(201);
    return created.body as { id: number; secret: string };
  };
  const good = await register("crm", ["redemption.won", "redemption.voided"]);
  // The receiver checks signatures with the first endpoint's secret: the second one's are refused (400).
  const refused = await register("analytics", ["redemption.won"]);
  receiver.configure({ secret: good.secret, mode: "ok" });

  const phones = ["09122000031", "09122000032", "09122000033", "09122000034"];
  await campaignWithWinners("IRBRVOID", 1_000_000, 4, phones, "ایران - برزیل");
  const voided = await post(
    stack.discount.url,
    `/v1/campaigns/IRBRVOID/redemptions/${phones[1]}/void`,
    { reason: "duplicate account" },
    admin,
  );
  expect(voided.status).toBe(200);
  const lastDelivery = async (id: number) => {
    const res = await fetch(`${stack.discount.url}/v1/webhooks/${id}/deliveries?limit=1`, { headers: admin });
    return ((await res.json()) as { items: { type: string; status: string; lastStatus: number | null }[] }).items[0];
  };
  await waitFor("the void delivered", async () => {
    const last = await lastDelivery(good.id);
    return last?.type === "redemption.voided" && last.status === "delivered";
  });
  await waitFor("the other endpoint refused", async () => (await lastDelivery(refused.id))?.lastStatus === 400);

  const page = await stack.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await openCampaign(page, "IRBRVOID", 4);
    await page.waitForSelector("#webhooks-list li[data-webhook-id]");
    const item = (id: number) => `#webhooks-list li[data-webhook-id='${id}']`;
    expect(await page.textContent(`${item(good.id)} .webhook-url`)).toBe(`${receiver.url}/crm`);
    expect(await page.textContent(`${item(good.id)} .webhook-events`)).toBe("redemption.won, redemption.voided");
    expect(await page.textContent(`${item(good.id)} .webhook-state`)).toBe("Enabled");
    expect(await page.textContent(`${item(good.id)} .webhook-delivery`)).toMatch(
      /^Delivered redemption\.voided at .+ \(1 attempt, HTTP 200\)$/,
    );
    expect(await page.getAttribute(item(refused.id), "data-delivery")).toMatch(/pending|failed/);
    expect(await page.textContent(`${item(refused.id)} .webhook-delivery`)).toContain("HTTP 400");
    const panel = (await page.textContent("#webhooks-list")) ?? "";
    expect(panel).not.toContain("whsec_");
    expect(panel).not.toContain(good.secret.slice(6, 20));

    // DASHBOARD_SCREENSHOT=docs/dashboard.png refreshes the README's picture; a plain run writes nothing.
    const shot = process.env.DASHBOARD_SCREENSHOT;
    if (shot) await page.screenshot({ path: `${REPO_ROOT}${shot}`, fullPage: true });
  } finally {
    await page.close();
  }
}, 60_000);
