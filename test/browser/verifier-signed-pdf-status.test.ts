/**
 * Each signature's certificate status on the verifier page, for a PDF the school signed itself
 * (issue 17, item 4): the service checked the principal's certificate by OCSP (OpenSSL's responder)
 * and the seal's by CRL (OpenSSL-made) on submission and anchored the PDF; with the CA's servers
 * down, the PDF dropped alone — its proof found by hash, verified in the browser — shows under
 * each signer "Trạng thái chứng thư: tốt lúc …, theo OCSP responder" / "theo CA cấp trung gian",
 * and in English "Certificate status: good at …, per …". 1280 px and 390 px; screenshots
 * test-results/screenshots/verifier-signed-pdf-status-*.png.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { settle } from "../helpers/app";
import { BROWSER_TEST_TIMEOUT_MS, launchChromium, screenshot } from "../helpers/browser";
import { describeInChromium } from "../helpers/chromium-tests";
import { tempDir } from "../helpers/files";
import { buildPagesInto } from "../helpers/pages";
import { startStatusPdfApp, submitSignedPdf, type StatusPdfApp } from "../helpers/signed-pdf-app";

describeInChromium(
  "each signature's certificate status on the verifier page",
  BROWSER_TEST_TIMEOUT_MS,
  () => {
    const tmp = tempDir("browser-signed-pdf-status");
    let s: StatusPdfApp;
    let browser: Browser;

    beforeAll(async () => {
      const pagesDir = buildPagesInto(tmp.path("pages"));
      s = await startStatusPdfApp("browser-signed-pdf-status", { pagesDir });
      const res = await submitSignedPdf(s.api, s.twoSignatures);
      expect(res.statusCode).toBe(202);
      await settle(s.api.anchoring);
      await s.status.stopResponder();
      s.status.serveCrls(false);
      browser = await launchChromium();
    }, BROWSER_TEST_TIMEOUT_MS);
    afterAll(async () => {
      await browser?.close();
      await s?.dispose();
      tmp.dispose();
    });

    async function drop(page: Page, pdf: Uint8Array): Promise<void> {
      const dataTransfer = await page.evaluateHandle(
        ({ base64 }) => {
          const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
          const transfer = new DataTransfer();
          transfer.items.add(new File([bytes], "hoc-ba-ky-so.pdf", { type: "application/pdf" }));
          return transfer;
        },
        { base64: Buffer.from(pdf).toString("base64") },
      );
      await page.dispatchEvent(".dropzone", "drop", { dataTransfer });
    }

    /** The signed PDF card's terms and descriptions, as shown: signer, time, status, in order. */
    async function card(page: Page): Promise<string[]> {
      return page
        .locator('[data-testid="signed-pdf"] dl > dt, [data-testid="signed-pdf"] dl > dd')
        .evaluateAll((items) => items.map((item) => (item.textContent ?? "").trim()));
    }

    /** From the card: each signer line (role: name), then its certificate status, in order. */
    function statuses(items: string[], label: string): string[] {
      const out: string[] = [];
      items.forEach((item, i) => {
        if (item === label) out.push(items[i + 1]!);
      });
      return out;
    }

    it("shows under each signer its certificate status, by OCSP and by CRL, in Vietnamese and English, on desktop and phone", async () => {
      const seen: Record<number, unknown> = {};
      for (const width of [1280, 390]) {
        const context = await browser.newContext({ viewport: { width, height: 900 }, locale: "vi-VN" });
        context.setDefaultTimeout(BROWSER_TEST_TIMEOUT_MS);
        const page = await context.newPage();
        const problems: string[] = [];
        page.on("pageerror", (error) => problems.push(error.message));
        await page.goto(s.api.url);
        await drop(page, s.twoSignatures);
        await page.locator('[data-testid="verdict"]').waitFor();
        const verdict = await page.locator('[data-testid="verdict"]').getAttribute("data-status");
        await page.locator('[data-testid="signed-pdf"]').scrollIntoViewIfNeeded();
        await screenshot(page, `verifier-signed-pdf-status-vi-${width}`);
        const vi = statuses(await card(page), "Trạng thái chứng thư");
        await page.getByRole("button", { name: "English" }).click();
        await page.locator('[data-testid="signed-pdf"]').scrollIntoViewIfNeeded();
        await screenshot(page, `verifier-signed-pdf-status-en-${width}`);
        const en = statuses(await card(page), "Certificate status");
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        await context.close();
        seen[width] = { verdict, vi, en, overflow, problems };
      }
      const expected = {
        verdict: "valid",
        vi: [
          expect.stringMatching(/^tốt lúc .+, theo OCSP responder$/),
          expect.stringMatching(/^tốt lúc .+, theo CA cấp trung gian$/),
        ],
        en: [
          expect.stringMatching(/^good at .+, per OCSP responder$/),
          expect.stringMatching(/^good at .+, per CA cấp trung gian$/),
        ],
        overflow: 0,
        problems: [],
      };
      expect(seen).toEqual({ 1280: expected, 390: expected });
    });
  },
);
