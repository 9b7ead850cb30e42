// What the dashboard's browser tests stand on: Redis, the wallet and the discount service as real
// processes, and a real headless Chromium; plus the few calls every such test makes.
import { launchBrowser } from "@matchday/testkit/browser";
import { makeTempDatabase, type TempDatabase } from "@matchday/testkit/database";
import { bearer } from "@matchday/testkit/http";
import {
  type DelayProxy,
  type RedisAndWallet,
  type ServiceProcess,
  startDelayProxy,
  startDiscountProcess,
  startRedisAndWallet,
} from "@matchday/testkit/processes";
import type { Browser, Page } from "playwright-core";

export interface DashboardStack {
  discount: ServiceProcess;
  wallet: ServiceProcess;
  /** The discount service reaches the wallet through it: set delayMs to make the wallet answer late. */
  walletProxy: DelayProxy;
  browser: Browser;
  /**
   * Opens /admin and submits the token (the caller waits for what it expects next). The page opens in
   * English unless `lang` says otherwise; null leaves the page's own choice (Persian, or the one remembered).
   */
  signIn(page: Page, token: string, lang?: "en" | "fa" | null): Promise<void>;
  /** A gift redemption as the app back end makes it; resolves to the HTTP status. */
  redeem(code: string, phone: string): Promise<number>;
  dispose(): Promise<void>;
}

/** `env` goes to the discount service, e.g. to let webhooks reach a receiver on loopback. */
export async function startDashboardStack(env: Record<string, string> = {}): Promise<DashboardStack> {
  const base: RedisAndWallet = await startRedisAndWallet();
  const discountDb: TempDatabase = await makeTempDatabase();
  const walletProxy = startDelayProxy(base.wallet.url);
  let discount: ServiceProcess | undefined;
  let browser: Browser;
  try {
    discount = await startDiscountProcess(discountDb, { redisUrl: base.redis.url, wallet: walletProxy.url }, env);
    browser = await launchBrowser();
  } catch (err) {
    // What did start is stopped, so a failed start leaves no process behind.
    await discount?.stop();
    walletProxy.stop();
    await base.dispose();
    discountDb.dispose();
    throw err;
  }
  return {
    discount,
    wallet: base.wallet,
    walletProxy,
    browser,
    async signIn(page, token, lang = "en") {
      await page.goto(`${discount.url}/admin${lang ? `?lang=${lang}` : ""}`);
      await page.fill("#token-input", token);
      await page.click("#sign-in");
    },
    async redeem(code, phone) {
      const res = await fetch(`${discount.url}/v1/redeem`, {
        method: "POST",
        headers: { ...(await bearer("service")), "content-type": "application/json" },
        body: JSON.stringify({ code, phone }),
      });
      return res.status;
    },
    async dispose() {
      await browser.close();
      await discount.stop();
      walletProxy.stop();
      await base.dispose();
      discountDb.dispose();
    },
  };
}
