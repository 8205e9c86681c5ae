/**
 * The bulk verification page in a real browser (Debian's Chromium through playwright-core), tried
 * as an admissions officer would: a folder of valid, tampered, revoked and unrelated files (JSON
 * and PDF) gives each file its verdict; a ZIP of them the same; with a verifier key the service's
 * batch route checks them; the duplicates filter shows the files of one student; the XLSX and CSV
 * exports hold the scores and the chosen tổ hợp's average of the valid transcripts only; a large
 * folder is shown 100 rows a page, every file on one of the pages. The page
 * is a private build of verifier-web served by a listening API on a real chain (anvil) and PGlite.
 * Screenshots: test-results/screenshots/bulk-<state>.png.
 */
import { mkdirSync, readFileSync } from "node:fs";
import ExcelJS from "exceljs";
import { parse } from "csv-parse/sync";
import { zipSync } from "fflate";
import { PDFDocument } from "pdf-lib";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issuerCodeBytes32 } from "../../service/src/adapters/chain/registry";
import type { Transcript } from "../../service/src/core/documents";
import type { Credential } from "../../service/src/issuance/credential";
import { apiKeyFor } from "../helpers/app";
import {
  BROWSER_TEST_TIMEOUT_MS,
  chromiumAvailable,
  launchChromium,
  screenshot,
  CHROMIUM,
} from "../helpers/browser";
import { anchoredCredentials, grantRevoker, revokeDocument, TEST_SCHOOL } from "../helpers/credentials";
import { tempDir } from "../helpers/files";
import { makeTranscript, withValue } from "../helpers/fixtures";
import { startListeningApp, type ListeningApp } from "../helpers/listening-app";
import { buildPagesInto } from "../helpers/pages";
import { fingerprintOf, SCHOOL_CODE } from "../helpers/pki";

const haveChromium = chromiumAvailable();

/** An upper-secondary transcript (grades 10–12) of the test school. */
function thptTranscript(seed: number): Transcript {
  return makeTranscript({ seed, school: { ...TEST_SCHOOL, level: "THPT" } });
}

/** The D01 average (Ngữ văn, Toán, Ngoại ngữ 1 over grades 10–12), computed here from the document. */
function d01Average(document: Transcript): number {
  const results = document.years.flatMap((year) =>
    year.subjects
      .filter((subject) => ["NVAN", "TOAN", "NN1"].includes(subject.code))
      .map((s) => s.year as number),
  );
  expect(results).toHaveLength(9);
  return Math.round((results.reduce((a, b) => a + b, 0) / 9) * 100 + 1e-9) / 100;
}

const EXPECTED = {
  "a.hocba.json": "valid",
  "a.pdf": "valid",
  "b.pdf": "valid",
  "tampered.hocba.json": "invalid",
  "revoked.hocba.json": "revoked",
  "package.json": "not-hocba",
  "scan.pdf": "not-hocba",
};

describe.skipIf(!haveChromium)(
  `the bulk verification page in Chromium${haveChromium ? "" : ` (skipped: no ${CHROMIUM})`}`,
  { timeout: BROWSER_TEST_TIMEOUT_MS },
  () => {
    const tmp = tempDir("browser-bulk");
    let api: ListeningApp;
    let browser: Browser;
    let documents: { a: Transcript; b: Transcript; revoked: Transcript };
    let files: Record<keyof typeof EXPECTED, string>;
    let verifierKey: string;
    const problems = new WeakMap<Page, string[]>();

    async function printablePdf(id: string): Promise<Uint8Array> {
      const res = await api.app.inject({
        method: "GET",
        url: `/api/v1/transcripts/${id}/pdf`,
        headers: { authorization: `Bearer ${api.schoolKey}` },
      });
      expect(res.statusCode).toBe(200);
      return res.rawPayload;
    }

    beforeAll(async () => {
      api = await startListeningApp("browser-bulk", { pagesDir: buildPagesInto(tmp.path("pages")) });
      await grantRevoker(api.chain);
      const added = await api.chain.admin
        .getFunction("addIssuerCertificate")
        .send(issuerCodeBytes32(SCHOOL_CODE), fingerprintOf(api.pki.principal));
      await added.wait();
      documents = { a: thptTranscript(93_001), b: thptTranscript(93_002), revoked: thptTranscript(93_003) };
      const [a, , revoked] = (await anchoredCredentials(api, api.pki, [
        documents.a,
        documents.b,
        documents.revoked,
      ])) as [Credential, Credential, Credential];
      await revokeDocument(api, documents.revoked.id);
      mkdirSync(tmp.path("folder"));
      files = {
        "a.hocba.json": tmp.write("folder/a.hocba.json", JSON.stringify(a, null, 2)),
        "a.pdf": tmp.write("folder/a.pdf", await printablePdf(documents.a.id)),
        "b.pdf": tmp.write("folder/b.pdf", await printablePdf(documents.b.id)),
        // A name changed after signing: the content is no longer what the school signed.
        "tampered.hocba.json": tmp.write(
          "folder/tampered.hocba.json",
          JSON.stringify(withValue(a, "/document/student/fullName", "Nguyễn Văn Giả")),
        ),
        "revoked.hocba.json": tmp.write("folder/revoked.hocba.json", JSON.stringify(revoked)),
        "package.json": tmp.write("folder/package.json", JSON.stringify({ name: "hocba", version: "0.1.0" })),
        "scan.pdf": tmp.write("folder/scan.pdf", await (await PDFDocument.create()).save()),
      };
      verifierKey = await apiKeyFor(api.db, "VERIFIER1", "verifier");
      browser = await launchChromium();
      // A private build of the pages, a chain, three anchored transcripts and two PDFs: minutes on a
      // loaded shared machine.
    }, BROWSER_TEST_TIMEOUT_MS);
    afterAll(async () => {
      await browser?.close();
      await api?.dispose();
      tmp.dispose();
    });

    async function open(options: { width?: number; language?: "en"; path?: string } = {}): Promise<Page> {
      const context = await browser.newContext({
        viewport: { width: options.width ?? 1280, height: 900 },
        locale: "vi-VN",
        timezoneId: "Asia/Ho_Chi_Minh",
      });
      context.setDefaultTimeout(BROWSER_TEST_TIMEOUT_MS);
      const page = await context.newPage();
      const found: string[] = [];
      page.on("pageerror", (error) => found.push(error.message));
      page.on("console", (message) => {
        if (message.type() === "error") found.push(message.text());
      });
      problems.set(page, found);
      await page.goto(`${api.url}${options.path ?? "/xac-minh-hang-loat"}`);
      if (options.language === "en") await page.click('button[data-lang="en"]');
      return page;
    }

    /** Chooses the files and waits until every one has its row. */
    async function verify(page: Page, paths: string[]): Promise<void> {
      await page.locator("input[type=file][name=credentials]").setInputFiles(paths);
      await page.locator('[data-testid="progress"][data-state="done"]').waitFor();
    }

    /** What the table shows: each file's status, and the reason given for it. */
    async function seen(page: Page): Promise<Record<string, { status: string | null; reason: string }>> {
      return page.locator('[data-testid="result"]').evaluateAll((rows) =>
        Object.fromEntries(
          rows.map((row) => [
            (row.getAttribute("data-file") ?? "").replace(/^.*\//, ""),
            {
              status: row.getAttribute("data-status"),
              reason: row.querySelector(".reason")?.textContent ?? "",
            },
          ]),
        ),
      );
    }

    const statuses = (rows: Record<string, { status: string | null }>) =>
      Object.fromEntries(Object.entries(rows).map(([file, row]) => [file, row.status]));

    async function downloaded(page: Page, testId: string): Promise<{ name: string; bytes: Buffer }> {
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.click(`[data-testid="${testId}"]`),
      ]);
      return { name: download.suggestedFilename(), bytes: readFileSync(await download.path()) };
    }

    it("gives each file of a folder of valid, tampered, revoked and unrelated files its verdict", async () => {
      const page = await open();
      await verify(page, Object.values(files));
      const rows = await seen(page);
      expect(statuses(rows)).toEqual(EXPECTED);
      expect({
        tampered: rows["tampered.hocba.json"]!.reason,
        revoked: rows["revoked.hocba.json"]!.reason,
        notHocba: rows["package.json"]!.reason,
        scan: rows["scan.pdf"]!.reason,
        valid: rows["a.pdf"]!.reason,
      }).toEqual({
        tampered:
          "Nội dung nguyên vẹn: Nội dung đã bị thay đổi sau khi được ký (ví dụ một điểm số hay một tên bị sửa).",
        revoked: "Chưa bị thu hồi: Nhà trường đã thu hồi học bạ này.",
        notHocba:
          "Định dạng tệp: Tệp không phải học bạ số hocba: thiếu hoặc sai định dạng, nội dung, chữ ký số hay thông tin neo.",
        scan: "Tệp PDF không mang học bạ số (không có tệp .hocba.json đính kèm).",
        valid: "",
      });
      const a = page.locator('[data-testid="result"][data-file="a.pdf"] td');
      expect(await a.allTextContents()).toEqual([
        "2",
        "a.pdf",
        "✓ Hợp lệTrùng học sinh (nhóm 1)",
        "",
        documents.a.student.fullName,
        documents.a.student.dateOfBirth.split("-").reverse().join("/"),
        TEST_SCHOOL.name,
        `${documents.a.years[0]!.schoolYear} – ${documents.a.years[2]!.schoolYear}`,
      ]);
      expect(await page.locator(".summary").textContent()).toBe(
        "3 hợp lệ · 4 không hợp lệ · 0 chưa kiểm tra được · 3 tệp trùng học sinh",
      );
      await screenshot(page, "bulk-desktop-vi");
      expect(problems.get(page)).toEqual([]);
      await page.context().close();
    });

    it("filters the files of one student (duplicates), the valid and the not valid ones", async () => {
      const page = await open();
      await verify(page, Object.values(files));
      const shown = async (filter: string) => {
        await page.click(`button[data-filter="${filter}"]`);
        return Object.keys(await seen(page)).sort();
      };
      expect({
        duplicates: await shown("duplicates"),
        valid: await shown("valid"),
        notValid: await shown("not-valid"),
        error: await shown("error"),
      }).toEqual({
        duplicates: ["a.hocba.json", "a.pdf", "tampered.hocba.json"],
        valid: ["a.hocba.json", "a.pdf", "b.pdf"],
        notValid: ["package.json", "revoked.hocba.json", "scan.pdf", "tampered.hocba.json"],
        error: [],
      });
      await page.click('button[data-filter="all"]');
      await page.click('button[data-sort="name"]');
      const names = await page.locator('[data-testid="result"] td:nth-child(5)').allTextContents();
      expect(names.slice(-2)).toEqual(["", ""]);
      await page.context().close();
    });

    it("exports XLSX with the scores and the chosen average for the valid transcripts only", async () => {
      const page = await open();
      await verify(page, Object.values(files));
      const { name, bytes } = await downloaded(page, "export-xlsx");
      expect(name).toMatch(/^hocba-xac-minh-D01-\d{4}-\d{2}-\d{2}\.xlsx$/);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
      const sheet = workbook.worksheets[0]!;
      const header = (sheet.getRow(1).values as unknown[]).slice(1) as string[];
      const rows = new Map<string, Record<string, unknown>>();
      sheet.eachRow((row, number) => {
        if (number === 1) return;
        const values = (row.values as unknown[]).slice(1);
        const record = Object.fromEntries(header.map((title, i) => [title, values[i] ?? null]));
        rows.set(record["Tệp"] as string, record);
      });
      const averageColumn = "Điểm TB tổ hợp D01 (Ngữ văn–Toán–Ngoại ngữ 1; lớp 10, 11, 12)";
      const pick = (file: string) => {
        const row = rows.get(file)!;
        return {
          status: row["Kết quả xác minh"],
          name: row["Họ và tên"],
          average: row[averageColumn],
          note: row["Ghi chú điểm tổ hợp"],
          math10: row["Lớp 10 Toán cả năm"],
          literature12: row["Lớp 12 Ngữ văn HK II"],
          conduct11: row["Lớp 11 kết quả rèn luyện"],
        };
      };
      const scores = (document: Transcript) => ({
        average: d01Average(document),
        note: null,
        math10: document.years[0]!.subjects.find((s) => s.code === "TOAN")!.year,
        literature12: document.years[2]!.subjects.find((s) => s.code === "NVAN")!.term2,
        conduct11: document.years[1]!.conductResult,
      });
      const none = {
        average: null,
        note: "Không tính: học bạ không hợp lệ",
        math10: null,
        literature12: null,
        conduct11: null,
      };
      expect(Object.fromEntries(Object.keys(EXPECTED).map((file) => [file, pick(file)]))).toEqual({
        "a.hocba.json": { status: "Hợp lệ", name: documents.a.student.fullName, ...scores(documents.a) },
        "a.pdf": { status: "Hợp lệ", name: documents.a.student.fullName, ...scores(documents.a) },
        "b.pdf": { status: "Hợp lệ", name: documents.b.student.fullName, ...scores(documents.b) },
        "tampered.hocba.json": { status: "Không hợp lệ", name: "Nguyễn Văn Giả", ...none },
        "revoked.hocba.json": { status: "Đã thu hồi", name: documents.revoked.student.fullName, ...none },
        "package.json": { status: "Không phải học bạ số", name: null, ...none },
        "scan.pdf": { status: "Không phải học bạ số", name: null, ...none },
      });
      expect(header.slice(0, 4)).toEqual([
        "Tệp",
        "Kết quả xác minh",
        "Bước không đạt",
        "Nhóm trùng học sinh",
      ]);
      expect(typeof rows.get("a.pdf")![averageColumn]).toBe("number");
      await page.context().close();
    });

    it("exports the same sheet as CSV, for the combination the office picks", async () => {
      const page = await open({ language: "en" });
      await verify(page, Object.values(files));
      await page.selectOption("select[name=combination]", "custom");
      await page.uncheck('input[name=subject][value="VL"]');
      await page.uncheck('input[name=subject][value="HH"]');
      await page.uncheck('input[name=grade][value="12"]');
      const { name, bytes } = await downloaded(page, "export-csv");
      expect(name).toMatch(/^hocba-xac-minh-custom-\d{4}-\d{2}-\d{2}\.csv$/);
      const text = bytes.toString("utf8");
      expect(text.startsWith("\uFEFF")).toBe(true);
      const records = parse<Record<string, string>>(text.slice(1), { columns: true });
      const byFile = new Map(records.map((record) => [record.File!, record]));
      const averageColumn = "Average Custom (Mathematics; grades 10, 11)";
      const mathAverage = (document: Transcript) => {
        const [g10, g11] = [0, 1].map(
          (i) => document.years[i]!.subjects.find((s) => s.code === "TOAN")!.year as number,
        );
        return String(Math.round(((g10! + g11!) / 2) * 100 + 1e-9) / 100);
      };
      expect(
        Object.fromEntries(
          Object.keys(EXPECTED).map((file) => [
            file,
            [
              byFile.get(file)!.Verification,
              byFile.get(file)![averageColumn],
              byFile.get(file)!["Average note"],
            ],
          ]),
        ),
      ).toEqual({
        "a.hocba.json": ["Valid", mathAverage(documents.a), ""],
        "a.pdf": ["Valid", mathAverage(documents.a), ""],
        "b.pdf": ["Valid", mathAverage(documents.b), ""],
        "tampered.hocba.json": ["Not valid", "", "Not averaged: the transcript is not valid"],
        "revoked.hocba.json": ["Revoked", "", "Not averaged: the transcript is not valid"],
        "package.json": ["Not a hocba file", "", "Not averaged: the transcript is not valid"],
        "scan.pdf": ["Not a hocba file", "", "Not averaged: the transcript is not valid"],
      });
      await screenshot(page, "bulk-desktop-en");
      await page.context().close();
    });

    it("reads a ZIP of the files in the browser and gives the same verdicts", async () => {
      const entries = Object.fromEntries(
        Object.entries(files).map(([name, path]) => [`ho-so/${name}`, new Uint8Array(readFileSync(path))]),
      );
      const zip = tmp.write(
        "ho-so.zip",
        zipSync({ ...entries, "__MACOSX/ho-so/._a.pdf": new Uint8Array([1]) }),
      );
      const page = await open({ width: 390 });
      await verify(page, [zip]);
      const rows = await page
        .locator('[data-testid="result"]')
        .evaluateAll((items) =>
          items.map((item) => [item.getAttribute("data-file"), item.getAttribute("data-status")]),
        );
      expect(Object.fromEntries(rows)).toEqual(
        Object.fromEntries(
          Object.entries(EXPECTED).map(([file, status]) => [`ho-so.zip/ho-so/${file}`, status]),
        ),
      );
      await screenshot(page, "bulk-phone-vi");
      await page.context().close();
    });

    it("shows a large folder 100 rows a page, with page controls a keyboard can use", async () => {
      const others = Object.fromEntries(
        Array.from({ length: 243 }, (_, i) => [
          `ho-so/khac-${String(i).padStart(3, "0")}.json`,
          new TextEncoder().encode(JSON.stringify({ name: `khac-${i}` })),
        ]),
      );
      const zip = tmp.write(
        "lon.zip",
        zipSync({
          ...Object.fromEntries(
            Object.entries(files).map(([name, path]) => [
              `ho-so/${name}`,
              new Uint8Array(readFileSync(path)),
            ]),
          ),
          ...others,
        }),
      );
      const page = await open({ language: "en" });
      await verify(page, [zip]);
      const walked: { status: string | null; rows: [string, string][] }[] = [];
      for (;;) {
        walked.push({
          status: await page.locator(".pager-top .pager-status").textContent(),
          rows: await page
            .locator('[data-testid="result"]')
            .evaluateAll((items) =>
              items.map((item) => [item.getAttribute("data-file")!, item.getAttribute("data-status")!]),
            ),
        });
        const next = page.locator('.pager-bottom button[data-page="next"]');
        if (await next.isDisabled()) break;
        await next.focus();
        await page.keyboard.press("Enter");
      }
      expect(walked.map((shown) => [shown.status, shown.rows.length])).toEqual([
        ["Page 1 of 3 · files 1–100 of 250", 100],
        ["Page 2 of 3 · files 101–200 of 250", 100],
        ["Page 3 of 3 · files 201–250 of 250", 50],
      ]);
      // Every file once, in the files' order, with its verdict.
      expect(walked.flatMap((shown) => shown.rows)).toEqual([
        ...Object.entries(EXPECTED).map(([file, status]) => [`lon.zip/ho-so/${file}`, status]),
        ...Object.keys(others).map((name) => [`lon.zip/${name}`, "not-hocba"]),
      ]);
      // The last page's "next" can no longer be used: the focus is on "previous".
      expect(await page.evaluate(() => document.activeElement?.getAttribute("data-page"))).toBe("previous");
      await screenshot(page, "bulk-pages-en");
      expect({
        filters: await page.locator("button[data-filter]").allTextContents(),
        summary: await page.locator(".summary").textContent(),
      }).toEqual({
        filters: [
          "All (250)",
          "Valid (3)",
          "Not valid (247)",
          "Could not be checked (0)",
          "Same student (3)",
        ],
        summary: "3 valid · 247 not valid · 0 could not be checked · 3 files of a duplicated student",
      });
      await page.click('button[data-filter="valid"]');
      expect({
        rows: await page.locator('[data-testid="result"]').count(),
        pagers: await page
          .locator("nav.pager")
          .evaluateAll((navs) => navs.map((nav) => (nav as HTMLElement).hidden)),
      }).toEqual({ rows: 3, pagers: [true, true] });
      // Sorting goes back to the first page, in the new order.
      await page.click('button[data-filter="all"]');
      await page.click('.pager-top button[data-page="last"]');
      await page.click('button[data-sort="status"]');
      expect(await page.locator(".pager-top .pager-status").textContent()).toBe(
        "Page 1 of 3 · files 1–100 of 250",
      );
      expect(
        await page
          .locator('[data-testid="result"]')
          .evaluateAll((items) => items.slice(0, 4).map((item) => item.getAttribute("data-status"))),
      ).toEqual(["valid", "valid", "valid", "revoked"]);
      expect(problems.get(page)).toEqual([]);
      await page.context().close();
    });

    it("with a verifier key, has the service's batch route check the files, with the same verdicts", async () => {
      const page = await open({ width: 390, language: "en" });
      const batches: string[] = [];
      page.on("request", (request) => {
        if (request.url().endsWith("/api/v1/verify/batch"))
          batches.push(`${request.method()} ${request.headers()["authorization"]?.slice(0, 7)}`);
      });
      await page.fill("input[name=verifierKey]", verifierKey);
      await verify(page, Object.values(files));
      expect(statuses(await seen(page))).toEqual(EXPECTED);
      expect(batches).toEqual(["POST Bearer "]);
      await screenshot(page, "bulk-phone-en");
      await page.context().close();
    });

    it("with a key the service refuses, marks every file as could not be checked, saying why", async () => {
      const page = await open();
      await page.fill("input[name=verifierKey]", "hocba_not_a_key");
      await verify(page, [files["a.pdf"], files["package.json"]]);
      const rows = await seen(page);
      expect(statuses(rows)).toEqual({ "a.pdf": "error", "package.json": "error" });
      expect(rows["a.pdf"]!.reason).toBe(
        "Dịch vụ từ chối khóa xác minh: 401 UNAUTHORIZED: invalid or revoked credentials",
      );
      await page.context().close();
    });

    it("is linked from the verifier page's header", async () => {
      const page = await open({ path: "/" });
      await page.click("#nav-bulk");
      await page.waitForURL(`${api.url}/xac-minh-hang-loat`);
      expect(await page.locator("h1").textContent()).toBe("Xác minh học bạ hàng loạt");
      await page.context().close();
    });
  },
);
