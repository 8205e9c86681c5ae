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

/**
 * A page in a browser context of its own, `width` × `height` px (default 900) in `locale` (default
 * vi-VN), opened at `url`; the errors its scripts throw gather in `problems`. Close it with
 * `page.context().close()`.
 */
export async function openPage(
  browser: Browser,
  url: string,
  { width, height = 900, locale = "vi-VN" }: { width: number; height?: number; locale?: string },
): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width, height }, locale });
  context.setDefaultTimeout(BROWSER_TEST_TIMEOUT_MS);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  await page.goto(url);
  return { page, problems };
}

/** Saves a full-page screenshot as test-results/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
