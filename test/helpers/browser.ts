/**
 * Debian's Chromium for the browser tests, through playwright-core (which never downloads a
 * browser). Under CI=true a missing Chromium fails the suite; elsewhere the browser tests are
 * skipped with the reason in their name. Screenshots go to test-results/screenshots (gitignored).
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { IN_CI } from "./services";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];
/** How long a browser test and each page action may take: generous, as the machine is shared. */
export const BROWSER_TEST_TIMEOUT_MS = 180_000;

export const SCREENSHOTS = path.resolve(__dirname, "../../test-results/screenshots");

/**
 * Whether Chromium is installed. Under CI it must be: throws instead of returning false.
 */
export function chromiumAvailable(): boolean {
  const ok = existsSync(CHROMIUM);
  if (!ok && IN_CI) throw new Error(`${CHROMIUM} is missing and CI=true: the browser tests must run`);
  return ok;
}

/** Starts a headless Chromium; close it with `browser.close()`. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Saves a full-page screenshot as test-results/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
