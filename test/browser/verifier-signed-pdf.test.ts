/**
 * A PDF the school signed itself, dropped alone on the verifier page in Chromium (issue 17, "Checked
 * by"): the two-signature PDF (principal, then the school's seal; an OpenSSL PKI the project never
 * saw) is submitted and anchored; dropped alone, the page finds its proof by the file's hash,
 * verifies it in the browser and shows it valid with both signers by role. The same PDF with one
 * byte changed, or with a page appended after signing, is not valid and says why. Vietnamese and
 * English, 1280 px and 390 px (screenshots test-results/screenshots/verifier-signed-pdf-*.png).
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CHECK_NAMES } from "../../service/src/core/verification";
import { settle } from "../helpers/app";
import { BROWSER_TEST_TIMEOUT_MS, launchChromium, openPage, screenshot } from "../helpers/browser";
import { describeInChromium } from "../helpers/chromium-tests";
import { tempDir } from "../helpers/files";
import { buildPagesInto } from "../helpers/pages";
import { startSignedPdfApp, submitSignedPdf, type SignedPdfApp } from "../helpers/signed-pdf-app";

describeInChromium("a signed PDF dropped on the verifier page", BROWSER_TEST_TIMEOUT_MS, () => {
  const tmp = tempDir("browser-signed-pdf");
  let s: SignedPdfApp;
  let browser: Browser;

  beforeAll(async () => {
    const pagesDir = buildPagesInto(tmp.path("pages"));
    s = await startSignedPdfApp("browser-signed-pdf", { pagesDir });
    const res = await submitSignedPdf(s.api, s.pdfs.twoSignatures);
    expect(res.statusCode).toBe(202);
    await settle(s.api.anchoring);
    browser = await launchChromium();
  }, BROWSER_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await s?.dispose();
    tmp.dispose();
  });

  /** Drops `pdf` on the page's drop zone as a file named `name`, as a person drags it there. */
  async function drop(page: Page, pdf: Uint8Array, name: string): Promise<void> {
    const dataTransfer = await page.evaluateHandle(
      ({ base64, fileName }) => {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], fileName, { type: "application/pdf" }));
        return transfer;
      },
      { base64: Buffer.from(pdf).toString("base64"), fileName: name },
    );
    await page.dispatchEvent(".dropzone", "drop", { dataTransfer });
  }

  async function view(page: Page) {
    const verdict = page.locator('[data-testid="verdict"]');
    await verdict.waitFor();
    return {
      verdict: await verdict.getAttribute("data-status"),
      checks: await page
        .locator('[data-testid="check"]')
        .evaluateAll((items) =>
          items.map((li) => `${li.getAttribute("data-check")} ${li.getAttribute("data-status")}`),
        ),
      signers: await page
        .locator('[data-testid="signer"]')
        .evaluateAll((dds) =>
          dds.map((dd) => `${dd.previousElementSibling?.textContent}: ${dd.textContent}`),
        ),
      integrity: await page.locator('[data-check="integrity"] .check-details p').textContent(),
    };
  }

  it("shows the two-signature PDF dropped alone valid, both signers by role, in Vietnamese and English, on desktop and phone", async () => {
    const views: Record<number, unknown> = {};
    for (const width of [1280, 390]) {
      const { page, problems } = await openPage(browser, s.api.url, { width });
      await drop(page, s.pdfs.twoSignatures, "hoc-ba-ky-so.pdf");
      const vi = await view(page);
      await screenshot(page, `verifier-signed-pdf-vi-${width}`);
      await page.locator('[data-testid="signed-pdf"]').scrollIntoViewIfNeeded();
      await screenshot(page, `verifier-signed-pdf-signers-vi-${width}`);
      await page.getByRole("button", { name: "English" }).click();
      const en = await view(page);
      await page.locator('[data-testid="signed-pdf"]').scrollIntoViewIfNeeded();
      await screenshot(page, `verifier-signed-pdf-signers-en-${width}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      await page.context().close();
      views[width] = {
        vi: { ...vi, integrity: undefined },
        en: { ...en, integrity: undefined },
        signersEn: en.signers,
        overflow,
        problems,
      };
    }
    const checks = CHECK_NAMES.map((name) => `${name} valid`);
    const expected = {
      vi: {
        verdict: "valid",
        checks,
        signers: ["Hiệu trưởng: Phạm Văn Đức — Trường THPT Lê Lợi", "Con dấu của trường: Trường THPT Lê Lợi"],
        integrity: undefined,
      },
      en: {
        verdict: "valid",
        checks,
        signers: ["Principal: Phạm Văn Đức — Trường THPT Lê Lợi", "School seal: Trường THPT Lê Lợi"],
        integrity: undefined,
      },
      signersEn: ["Principal: Phạm Văn Đức — Trường THPT Lê Lợi", "School seal: Trường THPT Lê Lợi"],
      overflow: 0,
      problems: [],
    };
    expect(views).toEqual({ 1280: expected, 390: expected });
  });

  it("shows the byte-changed and the page-appended PDF not valid, saying the PDF was changed after it was signed", async () => {
    const outcomes: Record<string, unknown> = {};
    for (const [name, pdf] of [
      ["byte-changed", s.pdfs.byteChanged],
      ["page-appended", s.pdfs.pageAppended],
    ] as const) {
      for (const [lang, width] of [
        ["vi", 1280],
        ["en", 390],
      ] as const) {
        const { page } = await openPage(browser, s.api.url, {
          width,
          locale: lang === "vi" ? "vi-VN" : "en-GB",
        });
        if (lang === "en") await page.getByRole("button", { name: "English" }).click();
        await drop(page, pdf, `${name}.pdf`);
        const seen = await view(page);
        await screenshot(page, `verifier-signed-pdf-${name}-${lang}-${width}`);
        const explanation = await page.locator('[data-check="integrity"] .check-text').textContent();
        await page.context().close();
        outcomes[`${name} ${lang}`] = {
          verdict: seen.verdict,
          integrity: seen.checks[1],
          reason: seen.integrity?.startsWith("integrity: the PDF was changed after it was signed: "),
          explanation,
        };
      }
    }
    const vi = "Nội dung đã bị thay đổi sau khi được ký (ví dụ một điểm số hay một tên bị sửa).";
    const en = "The content was changed after it was signed (for example a score or a name was edited).";
    expect(outcomes).toEqual({
      "byte-changed vi": {
        verdict: "invalid",
        integrity: "integrity invalid",
        reason: true,
        explanation: vi,
      },
      "byte-changed en": {
        verdict: "invalid",
        integrity: "integrity invalid",
        reason: true,
        explanation: en,
      },
      "page-appended vi": {
        verdict: "invalid",
        integrity: "integrity invalid",
        reason: true,
        explanation: vi,
      },
      "page-appended en": {
        verdict: "invalid",
        integrity: "integrity invalid",
        reason: true,
        explanation: en,
      },
    });
  });
});
