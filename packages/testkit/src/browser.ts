import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Debian's package (what .ci/run installs), Ubuntu's, or the Chrome preinstalled on GitHub's runners. */
const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/**
 * A real headless Chromium. Not finding one is a failure with a way out, never a skip:
 * a dashboard test that quietly did not run would read as a dashboard that works.
 */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = [process.env.CHROMIUM_PATH, ...CANDIDATES].find((p) => p && existsSync(p));
  if (!executablePath) {
    throw new Error("no Chromium found: apt-get install chromium, or set CHROMIUM_PATH to a Chromium or Chrome binary");
  }
  // --no-sandbox: CI runs as root in a container, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath, args: ["--no-sandbox"] });
}
