/**
 * /cua-toi in Chromium with the embedded OpenID Provider, as a graduate would try it: sign in as a
 * demo citizen, see only one's own transcript, share it without the citizen ID and ethnicity for 7
 * days, open the link in a fresh browser and see a valid verdict listing what was withheld, read
 * the access log, revoke the link and see it refused; a parent on a phone sees their child's
 * record. Vietnamese and English, 1280 and 390 px. Screenshots: test-results/screenshots/citizen-*.png.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { DemoCitizen } from "../../service/src/server/staff-sign-in";
import { launchChromium, openPage, screenshot } from "../helpers/browser";
import { describeInChromium } from "../helpers/chromium-tests";
import { schoolTranscript } from "../helpers/credentials";
import { tempDir } from "../helpers/files";
import { buildPagesInto } from "../helpers/pages";
import { submitAnchoredTranscripts } from "../helpers/listening-app";
import { startStaffApp, studentCitizen, type StaffApp } from "../helpers/staff";

const graduate = schoolTranscript(1451);
const other = schoolTranscript(1452);
const CITIZENS: DemoCitizen[] = [
  studentCitizen("hocsinh", "mat-khau-1", graduate),
  studentCitizen("khac", "mat-khau-2", other),
  {
    username: "phuhuynh",
    password: "mat-khau-3",
    name: "Nguyễn Thị Hoa",
    citizenId: "001185654321",
    guardianOf: [graduate.student.citizenId],
  },
];

describeInChromium("a citizen's records in Chromium", 240_000, () => {
  const tmp = tempDir("browser-citizen");
  let s: StaffApp;
  let browser: Browser;

  beforeAll(async () => {
    s = await startStaffApp("browser-citizen", {
      citizens: CITIZENS,
      pagesDir: buildPagesInto(tmp.path("pages")),
    });
    await submitAnchoredTranscripts(s.api, [graduate, other]);
    browser = await launchChromium();
  }, 500_000);
  afterAll(async () => {
    await browser?.close();
    await s?.dispose();
    tmp.dispose();
  });

  async function open(url: string, width: number): Promise<Page & { problems: string[] }> {
    const { page, problems } = await openPage(browser, url, { width });
    return Object.assign(page, { problems });
  }

  async function signIn(page: Page, username: string, password: string): Promise<void> {
    await page.click('[data-testid="sign-in"]');
    await page.waitForSelector("input[name=login]");
    await page.fill("input[name=login]", username);
    await page.fill("input[name=password]", password);
    await page.click("button[type=submit]");
    await page.waitForURL(`${s.api.url}/cua-toi`);
    await page.locator('[data-testid="person-name"]').waitFor();
  }

  const recordIds = (page: Page) =>
    page
      .locator('[data-testid="record"]')
      .evaluateAll((items) => items.map((i) => i.getAttribute("data-record")));

  it("lets a graduate share a transcript without citizen ID and ethnicity for 7 days, see it verified, read the log and revoke it", async () => {
    const page = await open(`${s.api.url}/cua-toi`, 1280);
    await page.locator('[data-testid="sign-in"]').waitFor();
    await screenshot(page, "citizen-signed-out-vi");
    await signIn(page, "hocsinh", "mat-khau-1");
    await page.locator('[data-testid="record"]').first().waitFor();
    expect(await recordIds(page)).toEqual([graduate.id]);
    await screenshot(page, "citizen-records-vi");

    await page.click('[data-testid="share"]');
    const parts = await page
      .locator('input[name="disclose"]')
      .evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
    expect(parts).toEqual([
      "citizenId",
      "ethnicity",
      "placeOfBirth",
      ...graduate.years.map((_y, i) => `years/${i}`),
    ]);
    await page.uncheck('input[name="disclose"][value="citizenId"]');
    await page.uncheck('input[name="disclose"][value="ethnicity"]');
    await page.fill('input[name="expiresInDays"]', "7");
    await screenshot(page, "citizen-share-form-vi");
    await page.click('[data-testid="create-share"]');
    const shareUrl = await page.locator('[data-testid="share-url"]').innerText();
    expect(shareUrl).toMatch(new RegExp(`^${s.api.url}/#credential=`));
    await screenshot(page, "citizen-share-created-vi");

    // A fresh browser: the employer.
    const employer = await open(shareUrl, 1280);
    const verdict = employer.locator('[data-testid="verdict"]');
    await verdict.waitFor({ timeout: 60_000 });
    const withheld = await employer
      .locator('[data-testid="withheld"]')
      .evaluateAll((items) => items.map((i) => i.getAttribute("data-field")));
    const seen = {
      verdict: await verdict.getAttribute("data-status"),
      withheld: withheld.sort(),
      citizenIdShown: await employer.getByText(graduate.student.citizenId).count(),
    };
    await screenshot(employer, "citizen-shared-verified");
    await employer.context().close();
    expect(seen).toEqual({
      verdict: "valid",
      withheld: ["citizenId", "ethnicity"],
      citizenIdShown: 0,
    });

    await page.reload();
    await page.locator('[data-testid="share-row"]').first().waitFor();
    await page.click('[data-testid="show-log"]');
    await page.locator('[data-testid="access-log"]').waitFor();
    const log = await page
      .locator('[data-testid="access-log"] tbody tr')
      .evaluateAll((rows) =>
        rows.map((r) => [...r.querySelectorAll("td")].slice(1).map((td) => td.textContent)),
      );
    expect(log).toEqual([["Trình duyệt", "127.0.0.0/24", "Đã mở"]]);
    await screenshot(page, "citizen-access-log-vi");

    await page.click('[data-testid="revoke-share"]');
    await expect
      .poll(() => page.locator('[data-testid="share-row"]').getAttribute("data-state"))
      .toBe("revoked");
    const refused = await open(shareUrl, 1280);
    await refused.locator('[data-testid="verdict"]').waitFor({ timeout: 60_000 });
    const refusedText = await refused.locator('[data-testid="verdict"]').innerText();
    await screenshot(refused, "citizen-shared-revoked");
    await refused.context().close();
    expect(refusedText).toBe(
      "!\nChưa xác minh được\n\nKhông tải được học bạ từ đường liên kết: người chia sẻ đã thu hồi đường liên kết này. Hãy xin họ một đường liên kết mới.",
    );

    await page.click('button[data-lang="en"]');
    await expect.poll(() => page.locator("#records-heading").innerText()).toBe("Transcripts and diplomas");
    await screenshot(page, "citizen-records-en");
    expect(page.problems).toEqual([]);
    await page.context().close();
  });

  it("shows a parent on a phone their child's record, in Vietnamese and English", async () => {
    const page = await open(`${s.api.url}/cua-toi`, 390);
    await signIn(page, "phuhuynh", "mat-khau-3");
    await page.locator('[data-testid="record"]').first().waitFor();
    expect(await recordIds(page)).toEqual([graduate.id]);
    expect(await page.locator(".child-note").innerText()).toBe("Hồ sơ của con");
    await screenshot(page, "citizen-parent-phone-vi");
    await page.click('[data-testid="share"]');
    await screenshot(page, "citizen-parent-phone-share-vi");
    await page.click('button[data-lang="en"]');
    await expect.poll(() => page.locator(".child-note").innerText()).toBe("Your child's record");
    await screenshot(page, "citizen-parent-phone-en");
    expect(page.problems).toEqual([]);
    await page.context().close();
  });
});
