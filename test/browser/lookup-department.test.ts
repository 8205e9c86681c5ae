/**
 * The graduation lookup page (/tra-cuu) after the 2025 reform, in Chromium: a former district
 * office's record corrected by the department, and a record the department decided itself, each
 * shown with the authority that decided it and the issuer that signed the list — in Vietnamese
 * and English, at 1280 px and on a 390 px phone without horizontal scrolling. The records come
 * from a district's list and a department's list imported through the API and anchored on anvil.
 * Screenshots: test-results/screenshots/lookup-department-<state>.png.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEPARTMENT_COLUMNS, GRADUATE_COLUMNS } from "../../service/src/core/documents/graduate-rows";
import { settle } from "../helpers/app";
import { CHROMIUM, chromiumAvailable, launchChromium, screenshot } from "../helpers/browser";
import { tempDir } from "../helpers/files";
import {
  graduateRow,
  registerDepartment,
  registerDistrict,
  toCsv,
  type Department,
  type District,
} from "../helpers/graduates";
import { startListeningApp, type ListeningApp } from "../helpers/listening-app";
import { buildPagesInto } from "../helpers/pages";

const haveChromium = chromiumAvailable();
const DEPARTMENT = { code: "SO79", name: "Sở GDĐT TP. Hồ Chí Minh" };
const DISTRICT = { code: "PGDQ1", name: "Phòng GDĐT Quận 1" };
/** Decided by the department after the district office was dissolved (July 2025). */
const CHAU = graduateRow(7, {
  fullName: "Lê Minh Châu",
  graduationYear: "2025",
  decisionNumber: "45/QĐ-SGDĐT",
  decisionDate: "2025-07-15",
  diplomaSerial: "B2500001",
  registryNumber: "SO-2025-00001",
});
/** Decided by the district in 2024; the department corrects the place of birth. */
const BAO = graduateRow(8, { fullName: "Trần Quốc Bảo", diplomaSerial: "B2400002" });

describe.skipIf(!haveChromium)(
  `the lookup page shows who decided each record${haveChromium ? "" : ` (skipped: no ${CHROMIUM})`}`,
  { timeout: 120_000 },
  () => {
    const tmp = tempDir("browser-lookup-department");
    let api: ListeningApp;
    let browser: Browser;

    async function importList(file: Buffer, by: District | Department): Promise<void> {
      const res = await api.app.inject({
        method: "POST",
        url: "/api/v1/graduates/import",
        headers: { authorization: `Bearer ${by.apiKey}` },
        payload: { file: file.toString("base64"), signature: await by.sign(file) },
      });
      expect(res.statusCode, res.body).toBe(201);
    }

    beforeAll(async () => {
      api = await startListeningApp("browser-lookup-department", {
        pagesDir: buildPagesInto(tmp.path("pages")),
      });
      const district = await registerDistrict(api.db, api.pki, DISTRICT.code, DISTRICT.name);
      const department = await registerDepartment(api.app, api.adminToken, api.pki, DEPARTMENT, [
        DISTRICT.code,
      ]);
      expect(department.status).toBe(201);
      await importList(toCsv([BAO]), district);
      await settle(api.anchoring);
      const columns = [...GRADUATE_COLUMNS, ...DEPARTMENT_COLUMNS];
      await importList(
        toCsv(
          [
            { ...BAO, placeOfBirth: "Hải Phòng", districtCode: DISTRICT.code, decidedBy: DISTRICT.code },
            { ...CHAU, districtCode: DISTRICT.code, decidedBy: DEPARTMENT.code },
          ],
          columns,
        ),
        department,
      );
      await settle(api.anchoring);
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await api?.dispose();
      tmp.dispose();
    });

    async function open(width: number, locale: string): Promise<Page & { problems: string[] }> {
      const context = await browser.newContext({
        viewport: { width, height: 900 },
        locale,
        timezoneId: "Asia/Ho_Chi_Minh",
      });
      const page = Object.assign(await context.newPage(), { problems: [] as string[] });
      page.on("pageerror", (error) => page.problems.push(error.message));
      page.on("console", (message) => {
        if (message.type() === "error") page.problems.push(message.text());
      });
      await page.goto(`${api.url}/tra-cuu`);
      return page;
    }

    async function searchBySerial(page: Page, serial: string): Promise<void> {
      await page.click("#tab-serial");
      await page.fill("input[name=diplomaSerial]", serial);
      await page.click("#form-serial button[type=submit]");
      await page.locator("#results-heading").waitFor();
    }

    /** What a person reads on the first card: its status, the district, the decider, the signer. */
    async function seen(page: Page, labels: { district: string; decidedBy: string }) {
      const card = page.locator('[data-testid="graduate"]').first();
      const fields = Object.fromEntries(
        await card
          .locator(".record-fields .row")
          .evaluateAll((rows) =>
            rows.map((row) => [row.querySelector("dt")!.textContent, row.querySelector("dd")!.textContent]),
          ),
      ) as Record<string, string>;
      await card.locator('[data-testid="chain-mark"]').click();
      const signed = await card.locator(".provenance p").first().innerText();
      return {
        status: await card.getAttribute("data-status"),
        district: fields[labels.district],
        decidedBy: fields[labels.decidedBy],
        signed,
        overflow: await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
      };
    }

    const VI = { district: "Phòng GDĐT (quận/huyện)", decidedBy: "Cơ quan công nhận tốt nghiệp" };
    const EN = { district: "District education office", decidedBy: "Graduation recognised by" };

    it.each([
      [1280, "vi-VN", VI, "desktop-vi"],
      [390, "vi-VN", VI, "phone-vi"],
    ])(
      "at %i px in Vietnamese, shows the department as the deciding authority of its record and the district of one it corrected",
      async (width, locale, labels, state) => {
        const page = await open(width, locale);
        await searchBySerial(page, CHAU.diplomaSerial);
        const chau = await seen(page, labels);
        await screenshot(page, `lookup-department-${state}`);
        await searchBySerial(page, BAO.diplomaSerial);
        const bao = await seen(page, labels);
        await screenshot(page, `lookup-department-corrected-${state}`);
        expect({ chau, bao, problems: page.problems }).toEqual({
          chau: {
            status: "anchored",
            district: DISTRICT.name,
            decidedBy: DEPARTMENT.name,
            signed: `Danh sách do ${DEPARTMENT.name} ký số.`,
            overflow: 0,
          },
          bao: {
            status: "anchored",
            district: DISTRICT.name,
            decidedBy: DISTRICT.name,
            signed: `Danh sách do ${DEPARTMENT.name} ký số.`,
            overflow: 0,
          },
          problems: [],
        });
        await page.context().close();
      },
    );

    it.each([
      [1280, "desktop-en"],
      [390, "phone-en"],
    ])(
      "at %i px in English, says who recognised the graduation and who signed the list",
      async (width, state) => {
        const page = await open(width, "en-US");
        await page.click('button[data-lang="en"]');
        await searchBySerial(page, CHAU.diplomaSerial);
        const chau = await seen(page, EN);
        await screenshot(page, `lookup-department-${state}`);
        expect({ lang: await page.getAttribute("html", "lang"), chau, problems: page.problems }).toEqual({
          lang: "en",
          chau: {
            status: "anchored",
            district: DISTRICT.name,
            decidedBy: DEPARTMENT.name,
            signed: `List digitally signed by ${DEPARTMENT.name}.`,
            overflow: 0,
          },
          problems: [],
        });
        await page.context().close();
      },
    );
  },
);
