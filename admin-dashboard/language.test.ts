import { afterAll, beforeAll, expect, test } from "bun:test";
import { bearer, testToken } from "@matchday/testkit/http";
import { REPO_ROOT, waitFor } from "@matchday/testkit/processes";
import type { Page } from "playwright-core";
import { type DashboardStack, startDashboardStack } from "./browser-stack";

let stack: DashboardStack;
let admin: Record<string, string>;

beforeAll(async () => {
  stack = await startDashboardStack();
  admin = { ...(await bearer("admin")), "content-type": "application/json" };
}, 60_000);
afterAll(() => stack?.dispose());

const PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹";
const persian = (text: string) => text.replace(/[0-9]/g, (d) => PERSIAN_DIGITS[Number(d)] as string);
/** Tehran has kept +03:30 all year since 2022: a UTC instant's Tehran wall clock, hh:mm:ss.mmm. */
const tehranClock = (iso: string) => new Date(Date.parse(iso) + 3.5 * 3_600_000).toISOString().slice(11, 23);

async function createCampaign(body: Record<string, unknown>) {
  const res = await fetch(`${stack.discount.url}/v1/campaigns`, {
    method: "POST",
    headers: admin,
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { code: string; createdAt: string };
}

async function report(code: string) {
  const res = await fetch(`${stack.discount.url}/v1/campaigns/${code}/report`, { headers: admin });
  return (await res.json()) as { pending: number; winners: { rank: number; redeemedAt: string }[] };
}

const text = async (page: Page, selector: string) => ((await page.textContent(selector)) ?? "").trim();
const optionCount = (page: Page) => page.$$eval("#campaign-select option", (options) => options.length);

/** DASHBOARD_SCREENSHOT=docs/dashboard.png also writes docs/dashboard-fa.png and docs/dashboard-en.png. */
async function screenshot(page: Page, language: "fa" | "en") {
  const shot = process.env.DASHBOARD_SCREENSHOT;
  if (shot)
    await page.screenshot({ path: `${REPO_ROOT}${shot.replace(/\.png$/, `-${language}.png`)}`, fullPage: true });
}

test("the picker pages through the campaigns with the API's cursor, and the search box asks the server by name or code", async () => {
  for (let i = 0; i < 52; i += 1) {
    await createCampaign({
      name: `صفحه ${i}`,
      code: `PAGE${String(i).padStart(2, "0")}`,
      amount: 1_000,
      maxRedemptions: 5,
    });
  }
  const page = await stack.browser.newPage();
  try {
    const searches: string[] = [];
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (url.pathname === "/v1/campaigns") searches.push(url.search);
    });
    await stack.signIn(page, await testToken("admin"));
    await page.waitForSelector("#campaign-select", { state: "visible" });
    expect(await optionCount(page)).toBe(50);
    expect(await page.inputValue("#campaign-select")).toBe("PAGE51");
    await page.click("#more-campaigns");
    await page.waitForFunction(() => document.querySelectorAll("#campaign-select option").length === 52);
    expect(await page.isVisible("#more-campaigns")).toBe(false);
    expect(await page.inputValue("#campaign-select")).toBe("PAGE51");

    await page.fill("#campaign-search", "page0");
    await page.waitForFunction(() => document.querySelectorAll("#campaign-select option").length === 10);
    await page.fill("#campaign-search", "صفحه ۱");
    await page.waitForSelector("#campaigns-empty", { state: "visible" });
    expect(await text(page, "#campaigns-empty")).toBe("No campaign matches this search.");
    await page.fill("#campaign-search", "صفحه 1");
    await page.waitForFunction(() => document.querySelectorAll("#campaign-select option").length === 11);
    // Each page and each search is its own bounded call: the page never fetches every campaign.
    expect(searches.every((query) => new URLSearchParams(query).get("limit") === "50")).toBe(true);
    expect(searches.some((query) => new URLSearchParams(query).get("q") === "صفحه 1")).toBe(true);
  } finally {
    await page.close();
  }
}, 60_000);

test("the page opens in Persian, right to left, with Persian digits, Tomans, Jalali dates and Tehran time whatever the browser's zone", async () => {
  const campaign = await createCampaign({
    name: "ایران - برزیل",
    code: "IRBRFA",
    amount: 1_000_000,
    maxRedemptions: 5,
  });
  const phones = ["09121000001", "09121000002", "09121000003", "09121000004", "09121000005"];
  for (const phone of phones) expect(await stack.redeem("IRBRFA", phone)).toBe(201);
  await waitFor("credits settled", async () => (await report("IRBRFA")).pending === 0);
  const first = (await report("IRBRFA")).winners.find((w) => w.rank === 1);

  const page = await stack.browser.newPage({ viewport: { width: 1280, height: 900 }, timezoneId: "America/New_York" });
  try {
    await stack.signIn(page, await testToken("admin"), null);
    await page.waitForSelector("#campaign-select", { state: "visible" });
    await page.selectOption("#campaign-select", "IRBRFA");
    await page.waitForFunction(() => document.querySelectorAll("#winners-body tr[data-rank]").length === 5);
    await page.waitForSelector("#sold-out-banner", { state: "visible" });

    expect(await page.getAttribute("html", "dir")).toBe("rtl");
    expect(await page.getAttribute("html", "lang")).toBe("fa");
    expect(await text(page, "#live-heading")).toBe("کمپین زنده");
    expect(await text(page, "#stat-cap")).toBe("۵");
    expect(await text(page, "#campaign-amount")).toBe("· ۱٬۰۰۰٬۰۰۰ تومان برای هر برنده");
    expect(await text(page, "#winners-body tr[data-rank='1'] td.num")).toBe("۱");
    expect(await text(page, "#winners-body tr[data-rank='1'] time")).toBe(
      persian(tehranClock(first?.redeemedAt ?? "")),
    );
    expect(await text(page, "#winners-body tr[data-rank='1'] td.status")).toBe("واریز شد");
    // A Jalali date (this century is 14xx) in Persian digits, the day it is in Tehran.
    const jalali = new Intl.DateTimeFormat("fa-IR-u-ca-persian", {
      timeZone: "Asia/Tehran",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    }).format(new Date(campaign.createdAt));
    expect(jalali).toMatch(/^۱۴[۰-۹]{2}\/[۰-۹]{2}\/[۰-۹]{2}$/);
    expect(await text(page, "#campaign-dates")).toContain(jalali);
    expect(await text(page, "#campaign-dates")).toContain(persian(tehranClock(campaign.createdAt).slice(0, 8)));
    expect(await text(page, "#time-zone")).toBe("زمان‌ها به وقت تهران");
    await page.waitForFunction(() => document.querySelector("#live-status")?.textContent === "زنده");
    expect(await text(page, "#sold-out-banner")).toMatch(/^تمام شد در ساعت [۰-۹]{2}:[۰-۹]{2}:[۰-۹]{2}\.[۰-۹]{3}/);
    await screenshot(page, "fa");

    // English is a switch, remembered across a reload; the token stays in the tab, so no new sign-in.
    await page.click("#switch-lang");
    await page.waitForFunction(() => document.documentElement.lang === "en");
    await page.waitForSelector("#campaign-select", { state: "visible" });
    await page.selectOption("#campaign-select", "IRBRFA");
    await page.waitForFunction(() => document.querySelectorAll("#winners-body tr[data-rank]").length === 5);
    expect(await page.getAttribute("html", "dir")).toBe("ltr");
    expect(await text(page, "#campaign-amount")).toBe("· 1,000,000 Tomans per winner");
    expect(await text(page, "#stat-cap")).toBe("5");
    expect(await text(page, "#winners-body tr[data-rank='1'] time")).toBe(tehranClock(first?.redeemedAt ?? ""));
    expect(await text(page, "#campaign-dates")).toStartWith(
      `Created ${new Date(Date.parse(campaign.createdAt) + 3.5 * 3_600_000).toISOString().slice(0, 10)}`,
    );
    await page.reload();
    await page.waitForSelector("#campaign-select", { state: "visible" });
    expect(await page.getAttribute("html", "lang")).toBe("en");
    expect(await text(page, "#live-heading")).toBe("Live campaign");
    await page.selectOption("#campaign-select", "IRBRFA");
    await page.waitForFunction(() => document.querySelectorAll("#winners-body tr[data-rank]").length === 5);
    await page.waitForFunction(() => document.querySelector("#live-status")?.textContent === "live");
    await screenshot(page, "en");
  } finally {
    await page.close();
  }
}, 60_000);

test("a zone named in the address shows the times there instead of Tehran's", async () => {
  await createCampaign({ name: "UTC", code: "ZONEUTC", amount: 1_000, maxRedemptions: 1 });
  expect(await stack.redeem("ZONEUTC", "09121000001")).toBe(201);
  const page = await stack.browser.newPage();
  try {
    await page.goto(`${stack.discount.url}/admin?lang=en&tz=UTC`);
    await page.fill("#token-input", await testToken("admin"));
    await page.click("#sign-in");
    await page.waitForSelector("#winners-body tr[data-rank='1']");
    const first = (await report("ZONEUTC")).winners.find((w) => w.rank === 1);
    expect(await text(page, "#winners-body tr[data-rank='1'] time")).toBe(first?.redeemedAt.slice(11, 23) ?? "");
    expect(await text(page, "#time-zone")).toBe("Times in UTC");
  } finally {
    await page.close();
  }
}, 60_000);
