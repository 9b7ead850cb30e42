import { afterAll, beforeAll, expect, test } from "bun:test";
import { bearer, testToken } from "@matchday/testkit/http";
import { waitFor } from "@matchday/testkit/processes";
import { type DashboardStack, startDashboardStack } from "./browser-stack";

let stack: DashboardStack;

beforeAll(async () => {
  stack = await startDashboardStack();
}, 60_000);
afterAll(() => stack?.dispose());

const signIn: DashboardStack["signIn"] = (page, token) => stack.signIn(page, token);
const redeem: DashboardStack["redeem"] = (code, phone) => stack.redeem(code, phone);

test("a token that is not an admin's, or not valid, is refused with a message that says so", async () => {
  const page = await stack.browser.newPage();
  try {
    await signIn(page, await testToken("user", "09121234567"));
    await page.waitForFunction(() => /admin/i.test(document.querySelector("#sign-in-error")?.textContent ?? ""));
    await page.fill("#token-input", "not-a-token");
    await page.click("#sign-in");
    await page.waitForFunction(() =>
      /not valid|invalid/i.test(document.querySelector("#sign-in-error")?.textContent ?? ""),
    );
    expect(await page.isVisible("#campaign-select")).toBe(false);
  } finally {
    await page.close();
  }
}, 30_000);

test("an admin signs in, creates a campaign, and watches winners, numbers and the sold-out banner arrive without a reload", async () => {
  const page = await stack.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await signIn(page, await testToken("admin"));
    await page.waitForSelector("#campaign-select", { state: "visible" });

    await page.fill("#new-name", "ایران - برزیل");
    await page.fill("#new-code", "IRBR26");
    await page.fill("#new-amount", "1000000");
    await page.fill("#new-cap", "5");
    await page.click("#create-campaign");
    await page.waitForFunction(
      () => (document.querySelector("#campaign-select") as HTMLSelectElement)?.value === "IRBR26",
    );
    await page.waitForFunction(() => document.querySelector("#stat-remaining")?.textContent?.trim() === "5");
    // A marker on the window: if the page reloaded, it would be gone.
    await page.evaluate(() => Object.assign(window, { __noReload: true }));

    const phones = ["09121000001", "09121000002", "09121000003", "09121000004", "09121000005", "09121000006"];
    const statuses = [];
    for (const phone of phones) statuses.push(await redeem("IRBR26", phone));
    expect(statuses).toEqual([201, 201, 201, 201, 201, 409]);

    await page.waitForFunction(() => document.querySelectorAll("#winners tbody tr[data-rank]").length === 5, null, {
      timeout: 15_000,
    });
    await page.waitForSelector("#sold-out-banner", { state: "visible", timeout: 15_000 });
    expect((await page.textContent("#stat-redeemed"))?.trim()).toBe("5");
    expect((await page.textContent("#stat-remaining"))?.trim()).toBe("0");
    const ranks = await page.$$eval("#winners tbody tr[data-rank]", (rows) =>
      rows.map((r) => r.getAttribute("data-rank")),
    );
    expect(ranks).toEqual(["5", "4", "3", "2", "1"]);
    expect(await page.textContent("#winners tbody tr[data-rank='1']")).toContain("+989121000001");
    expect(await page.textContent("#sold-out-banner")).toMatch(/sold out at \d\d:\d\d:\d\d\.\d\d\d/i);
    expect((await page.textContent("#live-status"))?.trim()).toBe("live");
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
  } finally {
    await page.close();
  }
}, 60_000);

test("the page is served with a policy that lets it load nothing from elsewhere", async () => {
  const res = await fetch(`${stack.discount.url}/admin`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toStartWith("text/html");
  expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
  for (const path of ["/admin/..%2Fpackage.json", "/admin/package.json", "/admin/dashboard.test.ts"]) {
    expect((await fetch(`${stack.discount.url}${path}`)).status).toBe(404);
  }
});

test("the admin forms show the API's validation messages, and a generated coupon's code; a phone-sized screen needs no sideways scrolling", async () => {
  const page = await stack.browser.newPage({ viewport: { width: 380, height: 800 } });
  try {
    await signIn(page, await testToken("admin"));
    await page.waitForSelector("#campaign-select", { state: "visible" });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);

    await page.fill("#new-name", "no cap");
    await page.fill("#new-amount", "1000");
    await page.fill("#new-cap", "0");
    await page.click("#create-campaign");
    await page.waitForFunction(() =>
      /maxRedemptions/.test(document.querySelector("#create-campaign-error")?.textContent ?? ""),
    );

    await page.fill("#coupon-amount", "75000");
    await page.click("#generate-coupon");
    await page.waitForFunction(() => /[A-Z2-9]{8}/.test(document.querySelector("#coupon-result")?.textContent ?? ""));
    const code = /[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{8}/.exec((await page.textContent("#coupon-result")) ?? "")?.[0];
    const status = await fetch(`${stack.discount.url}/coupon-status?code=${code}`, { headers: await bearer("admin") });
    expect(await status.json()).toMatchObject({ code, status: "UNUSED" });
  } finally {
    await page.close();
  }
}, 60_000);

test("when the service goes away the page says reconnecting, and once it is back it is live again with the new winners", async () => {
  const page = await stack.browser.newPage();
  try {
    const admin = await bearer("admin");
    const created = await fetch(`${stack.discount.url}/v1/campaigns`, {
      method: "POST",
      headers: { ...admin, "content-type": "application/json" },
      body: JSON.stringify({ name: "outage", code: "OUTAGE26", amount: 1000, maxRedemptions: 10 }),
    });
    expect(created.status).toBe(201);
    await signIn(page, await testToken("admin"));
    await page.waitForSelector("#campaign-select", { state: "visible" });
    await page.selectOption("#campaign-select", "OUTAGE26");
    await page.waitForFunction(() => document.querySelector("#live-status")?.textContent?.trim() === "live");

    await stack.discount.stop();
    await page.waitForFunction(
      () => document.querySelector("#live-status")?.textContent?.trim() === "reconnecting…",
      null,
      {
        timeout: 15_000,
      },
    );
    await stack.discount.start();
    // Listening comes before the Redis connection: redeem once the service says it is ready.
    await waitFor("discount ready", async () => (await fetch(`${stack.discount.url}/ready`)).ok);
    expect(await redeem("OUTAGE26", "09121000099")).toBe(201);
    await page.waitForFunction(() => document.querySelector("#live-status")?.textContent?.trim() === "live", null, {
      timeout: 40_000,
    });
    await page.waitForSelector("#winners tbody tr[data-rank='1']", { timeout: 15_000 });
  } finally {
    await page.close();
  }
}, 90_000);
