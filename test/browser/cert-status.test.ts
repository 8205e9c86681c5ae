/**
 * The verifier page shows the certificate status the credential's CMS proves: a school whose
 * certificates come from a CA run with the openssl command line (OCSP responder and CRLs, see
 * test/helpers/ocsp.ts) submits through a service that checks status (CERT_STATUS=prefer); the
 * credential is anchored on a real chain; the page, with the responder stopped, says
 * "Trạng thái chứng thư: tốt lúc …, theo OCSP responder" and, in English, "Certificate status:
 * good at …, per OCSP responder". Screenshots: test-results/screenshots/verifier-cert-status-*.png.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPGliteDatabase, type Database } from "../../service/src/adapters/db/database";
import { migrate } from "../../service/src/adapters/db/migrate";
import type { IssuedCertificate } from "../../service/src/adapters/pki/certificates";
import { issuerCodeBytes32 } from "../../service/src/adapters/chain/registry";
import { buildTestApp, type TestApp } from "../helpers/app";
import {
  BROWSER_TEST_TIMEOUT_MS,
  chromiumAvailable,
  launchChromium,
  screenshot,
  CHROMIUM,
} from "../helpers/browser";
import { startChain, stopChain, type TestChain } from "../helpers/chain";
import { anchoredCredentials, schoolTranscript } from "../helpers/credentials";
import { tempDir } from "../helpers/files";
import { grantIssuerAdmin } from "../helpers/listening-app";
import { httpStatusChecker, makeStatusPki, type StatusPki } from "../helpers/ocsp";
import { buildPagesInto } from "../helpers/pages";
import { fingerprintOf, SCHOOL_CODE, type SchoolPki } from "../helpers/pki";

const haveChromium = chromiumAvailable();

describe.skipIf(!haveChromium)(
  `certificate status on the verifier page in Chromium${haveChromium ? "" : ` (skipped: no ${CHROMIUM})`}`,
  { timeout: BROWSER_TEST_TIMEOUT_MS },
  () => {
    const tmp = tempDir("browser-cert-status");
    let status: StatusPki;
    let db: Database;
    let chain: TestChain;
    let t: TestApp;
    let url: string;
    let browser: Browser;
    let file: string;

    beforeAll(async () => {
      [status, db] = await Promise.all([makeStatusPki(), createPGliteDatabase()]);
      await migrate(db);
      chain = await startChain(tmp.path("chain.json"));
      await grantIssuerAdmin(chain);
      const signer = await status.signerOf("good");
      const as = (der: Uint8Array, pem: string): IssuedCertificate =>
        ({ certificate: der, certificatePem: pem, privateKey: signer.privateKey }) as IssuedCertificate;
      const principal = as(status.leaves.good.der, status.leaves.good.pem);
      const pki = {
        root: as(new Uint8Array(), status.rootPem),
        intermediate: as(status.intermediate.der, status.intermediate.pem),
        principal,
        homeroom: principal,
        store: status.store,
      } satisfies SchoolPki;
      t = await buildTestApp({
        db,
        chain,
        pki,
        pagesDir: buildPagesInto(tmp.path("pages")),
        certStatus: httpStatusChecker("prefer", 5000),
      });
      url = await t.app.listen({ host: "127.0.0.1", port: 0 });
      const added = await chain.admin
        .getFunction("addIssuerCertificate")
        .send(issuerCodeBytes32(SCHOOL_CODE), fingerprintOf(principal));
      await added.wait();
      const [credential] = await anchoredCredentials(t, pki, [schoolTranscript(93_001)]);
      file = tmp.write("status.hocba.json", JSON.stringify(credential, null, 2));
      // Verification needs nothing from the CA any more.
      await status.stopResponder();
      status.serveCrls(false);
      browser = await launchChromium();
    }, 600_000);
    afterAll(async () => {
      await browser?.close();
      await t?.app.close();
      if (chain) await stopChain(chain);
      await db?.close();
      await status?.dispose();
      tmp.dispose();
    });

    async function open(width: number): Promise<Page> {
      const context = await browser.newContext({ viewport: { width, height: 900 }, locale: "vi-VN" });
      context.setDefaultTimeout(BROWSER_TEST_TIMEOUT_MS);
      const page = await context.newPage();
      await page.goto(url);
      await page.locator("input[type=file]").setInputFiles(file);
      await page.locator('[data-testid="verdict"]').waitFor();
      return page;
    }

    /** The issuer card's terms and descriptions, as shown. */
    async function issuerCard(page: Page): Promise<string[]> {
      return page
        .locator("#issuer-heading")
        .locator("xpath=..")
        .locator("dl > dt, dl > dd")
        .evaluateAll((items) => items.map((item) => (item.textContent ?? "").trim()));
    }

    it("says the signer's certificate was good, when and per whom, in Vietnamese and in English, at desktop and phone widths", async () => {
      for (const [width, label] of [
        [1280, "desktop"],
        [390, "phone"],
      ] as const) {
        const page = await open(width);
        expect(await page.locator('[data-testid="verdict"]').getAttribute("data-status")).toBe("valid");
        const vi = await issuerCard(page);
        const viIndex = vi.indexOf("Trạng thái chứng thư");
        expect(viIndex).toBeGreaterThan(0);
        expect(vi[viIndex + 1]).toMatch(/^tốt lúc .+, theo OCSP responder$/);
        await screenshot(page, `verifier-cert-status-vi-${label}`);
        await page.getByRole("button", { name: "English" }).click();
        const en = await issuerCard(page);
        const enIndex = en.indexOf("Certificate status");
        expect(enIndex).toBeGreaterThan(0);
        expect(en[enIndex + 1]).toMatch(/^good at .+, per OCSP responder$/);
        await screenshot(page, `verifier-cert-status-en-${label}`);
        await page.context().close();
      }
    });
  },
);
