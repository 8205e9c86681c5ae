/**
 * The school workspace (/truong) in Chromium with the embedded OpenID Provider, as a school would
 * try it: the demo clerk signs in on the provider's form (inputs `login` and `password`), lands on
 * /truong signed in with her school and role, switches to English and signs out; a department
 * officer on a phone sees every school's counts and no student's record. Screenshots:
 * test-results/screenshots/workspace-<state>.png.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, chromiumAvailable, launchChromium, screenshot } from "../helpers/browser";
import { tempDir } from "../helpers/files";
import { buildPagesInto } from "../helpers/pages";
import { SCHOOL_CODE } from "../helpers/pki";
import { startStaffApp, type StaffApp } from "../helpers/staff";

const haveChromium = chromiumAvailable();

describe.skipIf(!haveChromium)(
  `the school workspace in Chromium${haveChromium ? "" : ` (skipped: no ${CHROMIUM})`}`,
  { timeout: 180_000 },
  () => {
    const tmp = tempDir("browser-workspace");
    let s: StaffApp;
    let browser: Browser;
    const password = (username: string) => s.staff.find((p) => p.username === username)!.password;

    beforeAll(async () => {
      s = await startStaffApp("browser-workspace", { pagesDir: buildPagesInto(tmp.path("pages")) });
      browser = await launchChromium();
    }, 400_000);
    afterAll(async () => {
      await browser?.close();
      await s?.dispose();
      tmp.dispose();
    });

    async function open(width: number): Promise<Page & { problems: string[] }> {
      const context = await browser.newContext({ viewport: { width, height: 860 }, locale: "vi-VN" });
      const page = (await context.newPage()) as Page & { problems: string[] };
      page.problems = [];
      page.on("pageerror", (error) => page.problems.push(error.message));
      await page.goto(`${s.api.url}/truong`);
      return page;
    }

    async function signIn(page: Page, username: string, pass: string): Promise<void> {
      await page.click('[data-testid="sign-in"]');
      await page.waitForSelector("input[name=login]");
      await page.fill("input[name=login]", username);
      await page.fill("input[name=password]", pass);
      await page.click("button[type=submit]");
    }

    it("signs the demo clerk in on the embedded provider, shows her school and role, and signs her out", async () => {
      const page = await open(1280);
      await page.locator('[data-testid="sign-in"]').waitFor();
      await screenshot(page, "workspace-signed-out-vi");
      await signIn(page, "giaovu", "sai-mat-khau");
      await page.locator("#login-error").waitFor();
      expect(await page.locator("#login-error").innerText()).toContain("Sai tên đăng nhập hoặc mật khẩu");
      await screenshot(page, "workspace-idp-wrong-password");
      await page.fill("input[name=password]", password("giaovu"));
      await page.click("button[type=submit]");
      await page.waitForURL(`${s.api.url}/truong`);
      await expect.poll(() => page.locator('[data-testid="person-name"]').innerText()).toBe("Trần Thị Mai");
      expect(await page.locator('[data-testid="assignments"] li').allInnerTexts()).toEqual([
        expect.stringMatching(/Trường DEMO01\s*Giáo vụ/),
      ]);
      expect(await page.locator('[data-testid="department"]').isHidden()).toBe(true);
      await screenshot(page, "workspace-clerk-vi");
      await page.click('button[data-lang="en"]');
      expect(await page.locator('[data-testid="assignments"] li').allInnerTexts()).toEqual([
        expect.stringMatching(/School DEMO01\s*Clerk/),
      ]);
      await screenshot(page, "workspace-clerk-en");
      await page.click('[data-testid="sign-out"]');
      await page.locator('[data-testid="sign-in"]').waitFor();
      expect(await page.context().cookies()).not.toContainEqual(
        expect.objectContaining({ name: "hocba_session" }),
      );
      const { rowCount } = await s.api.db.query("SELECT 1 FROM staff_sessions WHERE subject = 'giaovu'");
      expect(rowCount).toBe(0);
      expect(page.problems).toEqual([]);
    });

    it("shows a department officer on a phone every school's counts by state and no personal data", async () => {
      const page = await open(390);
      await signIn(page, "canboso", password("canboso"));
      await page.waitForURL(`${s.api.url}/truong`);
      await page.locator('[data-testid="school-progress"]').first().waitFor();
      const rows = await page
        .locator('[data-testid="school-progress"]')
        .evaluateAll((trs) =>
          trs.map((tr) => [
            tr.getAttribute("data-school"),
            ...[...tr.querySelectorAll("td")].map((td) => td.textContent),
          ]),
        );
      expect(rows).toEqual(
        [
          ["DEMO01", "0", "0", "0", "0", "0"],
          [SCHOOL_CODE, "0", "0", "0", "0", "0"],
        ].sort((a, b) => a[0]!.localeCompare(b[0]!)),
      );
      await screenshot(page, "workspace-department-phone-vi");
      await page.click('button[data-lang="en"]');
      await expect.poll(() => page.locator("#department-heading").innerText()).toBe("Schools' progress");
      await screenshot(page, "workspace-department-phone-en");
      await page.click('button[data-lang="vi"]');
      await page.setViewportSize({ width: 1280, height: 860 });
      await screenshot(page, "workspace-department-desktop-vi");
      expect(page.problems).toEqual([]);
    });
  },
);
