/**
 * The school's work on /truong in Chromium, as a school office would do it, against the embedded
 * OpenID Provider: the demo clerk signs in, downloads the template, imports the demo class
 * (data/demo/sample-class.xlsx's class: DEMO01, 9A1, 30 students) with one mistake and sees it by
 * sheet, row and column in Vietnamese and English, fixes it and imports again; the class's drafts
 * are listed with their state and each is reviewed as the học bạ; the principal signs the whole
 * class on her phone with a .p12 in the page (the file and its password never sent) and sees the
 * documents pending, then anchored; a clerk of another school sees none of it. Screenshots: test-results/screenshots/school-<state>.png (1280 and 390 px, vi/en).
 */
import { createPrivateKey } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workbookTables } from "../../service/src/core/workbook/layout";
import { yearSheetName } from "../../service/src/core/workbook/layout";
import { makeClass } from "../../service/src/demo/class";
import { writeWorkbook } from "../../service/src/adapters/files/workbook-writer";
import { writeP12 } from "../../service/src/adapters/pki/p12";
import { settle } from "../helpers/app";
import { fingerprintOf } from "../helpers/pki";
import { CHROMIUM, chromiumAvailable, launchChromium, screenshot, SCREENSHOTS } from "../helpers/browser";
import { tempDir } from "../helpers/files";
import { buildPagesInto } from "../helpers/pages";
import { documentStatuses, signInOnPage, startStaffApp, type StaffApp } from "../helpers/staff";
import { setCell, tableNamed } from "../helpers/workbook";

const haveChromium = chromiumAvailable();
/** The demo class as `hocba serve` writes it to data/demo/sample-class.xlsx (server.ts). */
const DEMO_CLASS = makeClass({
  school: { code: "DEMO01", name: "Trường THCS Demo", province: "01", level: "THCS" },
  size: 30,
  seed: 2025,
});

/** What a phone shows now (the viewport only): test-results/screenshots/<name>.png. */
async function viewShot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

describe.skipIf(!haveChromium)(
  `the school's work on /truong in Chromium${haveChromium ? "" : ` (skipped: no ${CHROMIUM})`}`,
  { timeout: 600_000 },
  () => {
    const tmp = tempDir("browser-school");
    let s: StaffApp;
    let browser: Browser;
    const good = tmp.path("sample-class.xlsx");
    const wrong = tmp.path("sample-class-mistake.xlsx");
    const p12 = tmp.path("hieu-truong.p12");
    /** Non-ASCII, as a Vietnamese school's would be: the reader's UTF-8 path. */
    const P12_PASSWORD = "Mật-khẩu-demo";

    beforeAll(async () => {
      s = await startStaffApp("browser-school", { pagesDir: buildPagesInto(tmp.path("pages")) });
      browser = await launchChromium();
      writeFileSync(good, await writeWorkbook(workbookTables(DEMO_CLASS.info, DEMO_CLASS.transcripts)));
      const tables = workbookTables(DEMO_CLASS.info, DEMO_CLASS.transcripts);
      setCell(tableNamed(tables, yearSheetName("2024-2025")), 3, "Toán – Cả năm", 11);
      writeFileSync(wrong, await writeWorkbook(tables));
      // The principal's certificate (the test PKI's) registered for DEMO01, which needs only hers.
      const { pki, db } = s.api;
      await db.query(
        `INSERT INTO issuer_certificates (issuer_code, fingerprint, certificate, subject, role, added_at)
         VALUES ('DEMO01', $1, $2, 'principal', 'principal', now() - interval '1 day')`,
        [fingerprintOf(pki.principal), pki.principal.certificate],
      );
      await db.query("UPDATE issuers SET required_roles = '{principal}' WHERE code = 'DEMO01'");
      const pkcs8 = createPrivateKey(pki.principal.privateKeyPkcs8Pem).export({
        format: "der",
        type: "pkcs8",
      });
      writeFileSync(
        p12,
        writeP12({
          privateKeyPkcs8: new Uint8Array(pkcs8),
          // CA tools put the CAs first as often as not: the page finds the signer by its key.
          certificates: [pki.intermediate.certificate, pki.root.certificate, pki.principal.certificate],
          password: P12_PASSWORD,
        }),
      );
    }, 400_000);
    afterAll(async () => {
      await browser?.close();
      await s?.dispose();
      tmp.dispose();
    });

    const signedIn = (username: string, width = 1280) => signInOnPage(browser, s, username, width);

    const statuses = documentStatuses;

    it("lets the clerk download the template, see a mistake by sheet, row and column, fix it and import the class as drafts", async () => {
      const page = await signedIn("giaovu");
      await expect.poll(() => page.locator('[data-testid="import"]').isVisible()).toBe(true);
      expect(await page.locator("#no-classes").innerText()).toBe(
        "Chưa có lớp nào. Giáo vụ nhập bảng tính của lớp để bắt đầu.",
      );
      // Nothing of signing for a clerk.
      expect(await page.locator('[data-testid="signing"]').isHidden()).toBe(true);

      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.click('[data-testid="template"]'),
      ]);
      expect(download.suggestedFilename()).toBe("hoc-ba-lop-thcs.xlsx");

      await page.setInputFiles("input[type=file][name=workbook]", wrong);
      await page.click("#import-submit");
      await page.locator('[data-testid="import-problem"]').first().waitFor({ timeout: 60_000 });
      const problems = await page
        .locator('[data-testid="import-problem"]')
        .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent)));
      expect(problems).toEqual([
        ["Năm 2024-2025", "3", "Toán – Cả năm", expect.stringContaining("11") as string],
      ]);
      expect(await page.locator("#import-status").innerText()).toBe(
        "Chưa nhập được sample-class-mistake.xlsx: tệp có 1 lỗi. Không có gì được nhập. Hãy sửa trong bảng tính rồi tải lên lại.",
      );
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("import-problems");
      expect(await page.locator('[data-testid="document"]').count()).toBe(0);
      await screenshot(page, "school-import-mistake-vi");
      await page.click('button[data-lang="en"]');
      expect(await page.locator('[data-testid="import-problem"] td').nth(3).innerText()).toMatch(/11/);
      expect(await page.locator("#import-problems h3").innerText()).toBe("Problems in the file (1)");
      await screenshot(page, "school-import-mistake-en");
      await page.click('button[data-lang="vi"]');
      await page.setViewportSize({ width: 390, height: 900 });
      await page.locator("#import-problems").scrollIntoViewIfNeeded();
      await viewShot(page, "school-import-mistake-phone-view-vi");
      await page.setViewportSize({ width: 1280, height: 900 });

      await page.setInputFiles("input[type=file][name=workbook]", good);
      await page.click("#import-submit");
      await expect
        .poll(() => page.locator("#import-status").innerText(), { timeout: 60_000 })
        .toBe(
          "Đã nhập sample-class.xlsx: lớp 9A1, năm học 2024-2025, 30 học sinh (0 học bạ đã ký được giữ nguyên).",
        );
      expect(await page.locator('[data-testid="import-problems"]').isHidden()).toBe(true);
      expect(await statuses(page)).toEqual(Array(30).fill("draft"));
      expect(await page.locator("#documents-heading").innerText()).toBe("Học bạ lớp 9A1 — năm học 2024-2025");
      const board = await page
        .locator('[data-testid="class-row"]')
        .evaluateAll((rows) =>
          rows.map((r) => [
            r.getAttribute("data-class"),
            r.getAttribute("data-year"),
            r.querySelector('[data-state="draft"]')?.textContent,
            r.querySelector('[data-state="total"]')?.textContent,
          ]),
        );
      expect(board).toEqual([["9A1", "2024-2025", "30", "30"]]);
      await screenshot(page, "school-imported-vi");
      expect(page.problems).toEqual([]);
      await page.context().close();
    });

    it("shows a draft as the học bạ, with the verifier page's renderer, on a phone", async () => {
      const page = await signedIn("giaovu", 390);
      await page.locator('[data-testid="document"]').first().waitFor();
      const first = DEMO_CLASS.transcripts
        .map((t) => t.student)
        .sort((a, b) => a.studentCode.localeCompare(b.studentCode))[0]!;
      const item = page.locator(`[data-testid="document"]`, { hasText: first.studentCode });
      await item.locator('[data-testid="review-button"]').click();
      await page.locator('[data-testid="review"] .document').waitFor();
      expect(await page.locator("#review-heading").innerText()).toBe(`Xem lại học bạ: ${first.fullName}`);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("review-heading");
      expect(await page.locator('[data-testid="review-ok"]').innerText()).toBe(
        "✓ Không thấy lỗi nào trong học bạ này.",
      );
      expect(await page.locator('[data-testid="review"] [data-path="/student/fullName"]').innerText()).toBe(
        first.fullName,
      );
      expect(await page.locator('[data-testid="review"] .school-year').count()).toBe(4);
      expect(await page.locator('[data-testid="review"] .unconfirmed-note').innerText()).toContain(
        "Bản nháp, chưa ký",
      );
      // The citizen ID is masked as on the verifier page.
      expect(await page.locator('[data-testid="review"] [data-testid="citizen-id"]').innerText()).not.toBe(
        first.citizenId,
      );
      await screenshot(page, "school-review-phone-vi");
      await viewShot(page, "school-review-phone-view-vi");
      await page.click('button[data-lang="en"]');
      expect(await page.locator("#review-heading").innerText()).toBe(
        `Review the transcript of ${first.fullName}`,
      );
      await screenshot(page, "school-review-phone-en");
      await page.click('button[data-lang="vi"]');

      // A draft with problems (as the document rules may find after a rule change): the answer is
      // given two, and the page lists them and marks the values they concern.
      const second = DEMO_CLASS.transcripts
        .map((t) => t.student)
        .sort((a, b) => a.studentCode.localeCompare(b.studentCode))[1]!;
      await page.route("**/api/v1/drafts/*", async (route) => {
        const response = await route.fetch();
        const body = (await response.json()) as { problems: unknown[] };
        body.problems = [
          { path: "/student/fullName", code: "TEXT_UNTRIMMED", message: "Họ tên có khoảng trắng thừa" },
          { path: "/years/3/subjects/0/year", code: "SCORE_RANGE", message: "Điểm ngoài thang 0–10" },
        ];
        await route.fulfill({ response, json: body });
      });
      await page
        .locator(`[data-testid="document"]`, { hasText: second.studentCode })
        .locator('[data-testid="review-button"]')
        .click();
      await expect
        .poll(() => page.locator("#review-heading").innerText())
        .toBe(`Xem lại học bạ: ${second.fullName}`);
      await page.locator('[data-testid="review-problem"]').first().waitFor();
      expect(await page.locator('[data-testid="review-problem"]').allInnerTexts()).toEqual([
        "/student/fullName — Họ tên có khoảng trắng thừa",
        "/years/3/subjects/0/year — Điểm ngoài thang 0–10",
      ]);
      expect(
        await page
          .locator('[data-testid="review"] .has-problem')
          .evaluateAll((marked) =>
            marked.map((m) => [m.getAttribute("data-path"), m.querySelector(".problem-note")?.textContent]),
          ),
      ).toEqual([
        ["/student/fullName", "⚠ Họ tên có khoảng trắng thừa"],
        ["/years/3/subjects/0", "⚠ Điểm ngoài thang 0–10"],
      ]);
      await page.locator('[data-testid="review"] .has-problem').first().scrollIntoViewIfNeeded();
      await viewShot(page, "school-review-problems-phone-view-vi");
      await page.unroute("**/api/v1/drafts/*");
      await page.focus("#review-heading");
      await page.keyboard.press("Tab"); // the close button, by keyboard
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("review-close");
      await page.keyboard.press("Enter");
      expect(await page.locator('[data-testid="review"]').isHidden()).toBe(true);
      expect(page.problems).toEqual([]);
      await page.context().close();
    });

    it("lets the principal sign the whole class on her phone with a .p12 that never leaves the page, then sees it pending and anchored, downloads the class ZIP and revokes one", async () => {
      const page = await signedIn("hieutruong", 390);
      const sent: string[] = [];
      page.on("request", (request) => sent.push(`${request.url()} ${request.postData() ?? ""}`));
      await page.locator('[data-testid="signing"]').waitFor();
      expect(await page.locator('[data-testid="import"]').isHidden()).toBe(true);
      expect(await page.locator("#signing-count").innerText()).toBe(
        "30 học bạ của lớp 9A1 đang chờ chữ ký của bạn.",
      );
      expect(await page.locator('[data-testid="awaiting"]').first().innerText()).toBe(
        "Chờ chữ ký: Hiệu trưởng",
      );
      // Labels name every input (accessibility), found by their label as a screen reader would.
      await page.locator("#signing-heading").scrollIntoViewIfNeeded();
      await viewShot(page, "school-signing-phone-view-vi");
      await page.getByLabel("Tệp chứng thư số (.p12 hoặc .pfx)").setInputFiles(p12);
      await page.getByLabel("Mật khẩu của tệp").fill("sai-mat-khau");
      await page.click('[data-testid="sign"]');
      await expect
        .poll(() => page.locator("#signing-status").innerText())
        .toBe("Mật khẩu của tệp .p12 không đúng.");
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("p12Password");
      await page.fill("input[name=p12Password]", P12_PASSWORD);
      await page.click('[data-testid="sign"]');
      await expect
        .poll(() => page.locator("#signing-status").innerText(), { timeout: 120_000 })
        .toBe("Nguyễn Văn Hùng đã ký 30 học bạ; 30 học bạ đủ chữ ký đã được gửi đi neo.");
      expect(await statuses(page)).toEqual(Array(30).fill("pending"));
      expect(await page.locator("input[name=p12Password]").inputValue()).toBe("");
      await screenshot(page, "school-signed-phone-vi");
      await viewShot(page, "school-signed-phone-view-vi");
      // Neither the password nor the file went anywhere.
      const fileBase64 = (await import("node:fs")).readFileSync(p12).toString("base64").slice(0, 64);
      expect(sent.filter((r) => r.includes(P12_PASSWORD) || r.includes(fileBase64))).toEqual([]);
      expect(sent.filter((r) => r.includes("/api/v1/drafts/signatures"))).toHaveLength(1);

      await settle(s.api.anchoring);
      await page.reload();
      await page.locator('[data-testid="document"]').first().waitFor();
      expect(await statuses(page)).toEqual(Array(30).fill("anchored"));
      expect(await page.locator("#signing-count").innerText()).toBe(
        "Không có học bạ nào của lớp này đang chờ chữ ký của bạn.",
      );
      // The class's ZIP (its PDFs are made on the spot: slow on a loaded machine), then a revocation with its reason (the principal's).
      const [zip] = await Promise.all([
        page.waitForEvent("download", { timeout: 240_000 }),
        page.click('[data-testid="class-zip"]'),
      ]);
      expect(zip.suggestedFilename()).toMatch(/\.zip$/);
      const firstItem = page.locator('[data-testid="document"]').first();
      await firstItem.locator('[data-testid="revoke"]').click();
      await page.getByLabel(/Lý do thu hồi học bạ của/).fill("Nhập nhầm điểm");
      await viewShot(page, "school-revoke-phone-view-vi");
      await page.click('[data-testid="revoke-confirm"]');
      await expect
        .poll(() => page.locator("#follow-status").innerText(), { timeout: 30_000 })
        .toMatch(/^Đã thu hồi học bạ của .+\. Việc thu hồi được ghi lên chuỗi khối ở lần neo tới\.$/);
      expect(await statuses(page)).toEqual(["revoked", ...Array<string>(29).fill("anchored")]);
      await page.click('button[data-lang="en"]');
      expect(await page.locator(".status-badge").nth(1).innerText()).toBe("Anchored");
      await screenshot(page, "school-anchored-phone-en");
      await page.setViewportSize({ width: 1280, height: 900 });
      await screenshot(page, "school-anchored-desktop-en");
      await page.click('button[data-lang="vi"]');
      await screenshot(page, "school-anchored-desktop-vi");
      expect(page.problems).toEqual([]);
      await page.context().close();
    });

    it("gives every page the one header: the title, links to the other pages, the language switch", async () => {
      const context = await browser.newContext({ viewport: { width: 390, height: 700 }, locale: "vi-VN" });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      const headerOf = () =>
        page.locator("#site-header").evaluate((header) => ({
          title: header.querySelector("#site-title")?.textContent,
          links: [...header.querySelectorAll("nav a")].map((a) => [
            a.id,
            a.getAttribute("href"),
            a.textContent,
          ]),
          languages: [...header.querySelectorAll("#lang-switch button")].map((b) => b.textContent),
          skip: document.querySelector(".skip-link")?.textContent,
        }));
      const links = {
        verifier: ["nav-verifier", "/", "Xác minh học bạ"],
        bulk: ["nav-bulk", "/xac-minh-hang-loat", "Xác minh hàng loạt"],
        lookup: ["nav-lookup", "/tra-cuu", "Tra cứu tốt nghiệp THCS"],
        workspace: ["nav-workspace", "/truong", "Nhà trường"],
        citizen: ["nav-citizen", "/cua-toi", "Hồ sơ của tôi"],
      };
      const pages = {
        verifier: "/",
        bulk: "/xac-minh-hang-loat",
        lookup: "/tra-cuu",
        workspace: "/truong",
        citizen: "/cua-toi",
      };
      for (const [name, url] of Object.entries(pages)) {
        await page.goto(`${s.api.url}${url}`);
        await page.locator("#site-title").waitFor();
        expect(await headerOf()).toEqual({
          title: "hocba · Học bạ số",
          links: Object.entries(links)
            .filter(([other]) => other !== name)
            .map(([, link]) => link),
          languages: ["Tiếng Việt", "English"],
          skip: "Bỏ qua đến nội dung",
        });
      }
      await viewShot(page, "school-header-phone-vi");
      await page.click('button[data-lang="en"]');
      expect(await headerOf()).toEqual({
        title: "hocba · Digital transcripts",
        links: [
          ["nav-verifier", "/", "Verify a transcript"],
          ["nav-bulk", "/xac-minh-hang-loat", "Verify in bulk"],
          ["nav-lookup", "/tra-cuu", "Lower-secondary graduation lookup"],
          ["nav-workspace", "/truong", "School workspace"],
        ],
        languages: ["Tiếng Việt", "English"],
        skip: "Skip to content",
      });
      await viewShot(page, "school-header-phone-en");
      await page.click("#nav-verifier");
      await page.waitForURL(`${s.api.url}/`);
      expect(await page.locator("#nav-citizen").innerText()).toBe("My records");
      expect(errors).toEqual([]);
      await context.close();
    });

    it("shows a clerk of another school none of DEMO01's classes or drafts", async () => {
      const page = await signedIn("giaovu2");
      await page.locator("#no-classes").waitFor();
      expect(await page.locator('[data-testid="document"]').count()).toBe(0);
      expect(await page.locator('[data-testid="class-row"]').count()).toBe(0);
      const answer = await page.evaluate(async () => {
        const r = await fetch("/api/v1/drafts?school=DEMO01");
        return r.status;
      });
      expect(answer).toBe(404);
      expect(page.problems).toEqual([]);
      await page.context().close();
    });
  },
);
