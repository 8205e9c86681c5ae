/**
 * The verifier page with a timestamped credential (CAdES-T): the school signs through a real TSA
 * (`openssl ts -reply`), the service trusts that TSA and requires a timestamp, and the page, which
 * gets the TSA roots from GET /api/v1/trust-anchors, verifies the token in the browser and shows
 * "Dấu thời gian: <time>, do <TSA> cấp" / "Timestamp: <time> by <TSA>" for the signer.
 * Screenshots: test-results/screenshots/verifier-timestamp-{vi,en,phone}{,-issuer}.png.
 */
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issuerCodeBytes32 } from "../../service/src/adapters/chain/registry";
import { httpTimestampTransport } from "../../service/src/adapters/pki/tsa-http";
import { createTrustStore, requestTimestamp } from "../../service/src/core/pki";
import type { Credential } from "../../service/src/issuance/credential";
import { settle, signedItem } from "../helpers/app";
import {
  BROWSER_TEST_TIMEOUT_MS,
  chromiumAvailable,
  launchChromium,
  screenshot,
  CHROMIUM,
  SCREENSHOTS,
} from "../helpers/browser";
import { schoolTranscript } from "../helpers/credentials";
import { tempDir } from "../helpers/files";
import { startListeningApp, type ListeningApp } from "../helpers/listening-app";
import { buildPagesInto } from "../helpers/pages";
import { fingerprintOf, SCHOOL_CODE, signerOf } from "../helpers/pki";
import { startTsa, type TestTsa } from "../helpers/tsa";

const haveChromium = chromiumAvailable();
const TSA_NAME = "Dịch vụ cấp dấu thời gian thử nghiệm";

describe.skipIf(!haveChromium)(
  `the verifier page shows a signer's timestamp${haveChromium ? "" : ` (skipped: no ${CHROMIUM})`}`,
  { timeout: BROWSER_TEST_TIMEOUT_MS },
  () => {
    const tmp = tempDir("browser-timestamp");
    let tsa: TestTsa;
    let api: ListeningApp;
    let browser: Browser;
    let file: string;
    let genTime: string;

    beforeAll(async () => {
      tsa = await startTsa();
      api = await startListeningApp("browser-timestamp", {
        pagesDir: buildPagesInto(tmp.path("pages")),
        timestamps: { trustAnchors: createTrustStore([tsa.rootPem]), required: true },
      });
      const added = await api.chain.admin
        .getFunction("addIssuerCertificate")
        .send(issuerCodeBytes32(SCHOOL_CODE), fingerprintOf(api.pki.principal));
      await added.wait();
      const document = schoolTranscript(93_001);
      const school = { authorization: `Bearer ${api.schoolKey}` };
      const item = await signedItem(api.pki, document, signerOf(api.pki.principal, api.pki.intermediate), {
        timestamp: (value) => requestTimestamp(value, httpTimestampTransport(tsa.url)),
      });
      const submitted = await api.app.inject({
        method: "POST",
        url: "/api/v1/transcripts",
        headers: school,
        payload: item,
      });
      expect(submitted.statusCode).toBe(202);
      await settle(api.anchoring);
      const res = await api.app.inject({
        method: "GET",
        url: `/api/v1/transcripts/${document.id}/credential`,
        headers: school,
      });
      const credential = res.json<Credential>();
      file = tmp.write("timestamped.hocba.json", JSON.stringify(credential, null, 2));
      // The service's own verification reports the TSA's time under the signer check.
      const verified = await api.app.inject({ method: "POST", url: "/api/v1/verify", payload: credential });
      const signer = verified
        .json<{ checks: { name: string; data?: { signers?: { timestamp?: { time: string } }[] } }[] }>()
        .checks.find((check) => check.name === "signer");
      genTime = signer!.data!.signers![0]!.timestamp!.time;
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await api?.dispose();
      await tsa?.close();
      tmp.dispose();
    });

    async function verified(width: number, english: boolean): Promise<Page> {
      const context = await browser.newContext({ viewport: { width, height: 900 }, locale: "vi-VN" });
      context.setDefaultTimeout(BROWSER_TEST_TIMEOUT_MS);
      const page = await context.newPage();
      await page.goto(api.url);
      if (english) await page.getByRole("button", { name: "English" }).click();
      await page.locator("input[type=file]").setInputFiles(file);
      await page.locator('[data-testid="verdict"]').waitFor();
      return page;
    }

    /** The issuer card's rows as "label: value". */
    const rows = (page: Page) =>
      page.locator("section[aria-labelledby=issuer-heading] > dl.fields").evaluate((list) => {
        const out: string[] = [];
        for (const dt of Array.from(list.querySelectorAll("dt")))
          out.push(`${dt.textContent ?? ""}: ${dt.nextElementSibling?.textContent ?? ""}`);
        return out;
      });

    it("shows the timestamp and its TSA for the signer, in Vietnamese and in English, at desktop and phone widths", async () => {
      const seen: Record<string, unknown> = {};
      for (const [state, width, english] of [
        ["vi", 1280, false],
        ["en", 1280, true],
        ["phone", 390, false],
      ] as const) {
        const page = await verified(width, english);
        const verdict = await page.locator('[data-testid="verdict"]').getAttribute("data-status");
        const stamp = (await rows(page)).find((row) => /^(Dấu thời gian|Timestamp): /.test(row));
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        await page.locator("section[aria-labelledby=issuer-heading]").scrollIntoViewIfNeeded();
        await screenshot(page, `verifier-timestamp-${state}`);
        // The issuer card alone, where the timestamp is shown (the full page is very tall).
        await page
          .locator("section[aria-labelledby=issuer-heading]")
          .screenshot({ path: path.join(SCREENSHOTS, `verifier-timestamp-${state}-issuer.png`) });
        seen[state] = { verdict, stamp: stamp?.replace(/\d/g, "9"), overflow };
        await page.context().close();
      }
      expect(Date.parse(genTime)).toBeGreaterThan(Date.now() - 600_000);
      const vi = {
        verdict: "valid",
        overflow: 0,
        stamp: expect.stringMatching(new RegExp(`^Dấu thời gian: .*9.*, do ${TSA_NAME} cấp$`)) as unknown,
      };
      expect(seen).toEqual({
        vi,
        en: {
          verdict: "valid",
          overflow: 0,
          stamp: expect.stringMatching(new RegExp(`^Timestamp: .*9.* by ${TSA_NAME}$`)) as unknown,
        },
        phone: vi,
      });
    });
  },
);
