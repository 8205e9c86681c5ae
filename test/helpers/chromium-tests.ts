/**
 * Browser tests' `describe`, apart from browser.ts so that the benches (outside vitest) can use the
 * browser helpers without importing vitest.
 */
import { describe } from "vitest";
import { CHROMIUM, chromiumAvailable } from "./browser";

/**
 * A `describe` of browser tests, skipped — with the reason in its name — where Chromium is not
 * installed (under CI=true a missing Chromium fails instead: chromiumAvailable).
 */
export function describeInChromium(name: string, timeout: number, tests: () => void): void {
  const haveChromium = chromiumAvailable();
  describe.skipIf(!haveChromium)(
    `${name}${haveChromium ? "" : ` (skipped: no ${CHROMIUM})`}`,
    { timeout },
    tests,
  );
}
