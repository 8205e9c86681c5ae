/**
 * The graduation lookup page (/tra-cuu) in a real browser (Debian's Chromium through
 * playwright-core): a parent searches by an accent-free name and date of birth, or by diploma
 * serial, sees the record, opens its on-chain proof (checked in the page), switches to English,
 * prints a confirmation, and is told clearly when nothing matches or after too many searches.
 * The page is the build of verifier-web served by a listening API on a real chain (anvil); the
 * records come from a district's signed CSV imported through the API and anchored.
 * A screenshot of each state is saved to test-results/screenshots/lookup-<state>.png.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GraduateRecord } from "../../verifier-web/src/lookup/api";
import { settle } from "../helpers/app";
import { grantRevoker } from "../helpers/credentials";
import { CHROMIUM, chromiumAvailable, launchChromium, screenshot } from "../helpers/browser";
import { graduateRow, registerDistrict, toCsv, type District, type GraduateRow } from "../helpers/graduates";
import { tempDir } from "../helpers/files";
import { startListeningApp, type ListeningApp } from "../helpers/listening-app";
import { buildPagesInto } from "../helpers/pages";

const haveChromium = chromiumAvailable();

/** The graduate a parent looks for. */
const ANH: Partial<GraduateRow> = {
  fullName: "Nguyễn Thị Ánh",
  dateOfBirth: "2009-05-17",
  gender: "Nữ",
  placeOfBirth: "TP. Hồ Chí Minh",
  diplomaSerial: "A0123456",
  registryNumber: "Q1-2024-00001",
  decisionNumber: "125/QĐ-PGDĐT",
  decisionDate: "2024-06-20",
};
/** A graduate whose record the district corrects in a second file (place of birth). */
const DUNG: Partial<GraduateRow> = {
  fullName: "Đặng Quốc Dũng",
  dateOfBirth: "2009-11-02",
  gender: "Nam",
  placeOfBirth: "Hà Nội",
  diplomaSerial: "A0123457",
  registryNumber: "Q1-2024-00002",
};

describe.skipIf(!haveChromium)(
  `the graduation lookup page in Chromium${haveChromium ? "" : ` (skipped: no ${CHROMIUM})`}`,
  // A ceiling, not a measurement: five helpers share two cores and a page load can wait its turn.
  { timeout: 90_000 },
  () => {
    const tmp = tempDir("browser-lookup");
    let api: ListeningApp;
    let browser: Browser;
    let district: District;
    let rows: GraduateRow[];

    /** Imports `list` as the district's signed CSV through the API. */
    async function importList(list: GraduateRow[]): Promise<void> {
      const file = toCsv(list);
      const res = await api.app.inject({
        method: "POST",
        url: "/api/v1/graduates/import",
        headers: { authorization: `Bearer ${district.apiKey}` },
        payload: { file: file.toString("base64"), signature: await district.sign(file) },
      });
      expect(res.statusCode, res.body).toBe(201);
    }

    /**
     * What the API answers for a serial (read outside the page, to compare with what the page shows),
     * from another address: the page's own serial searches are limited (LOOKUP_SERIAL_RATE_MAX).
     */
    async function apiRecord(serial: string): Promise<GraduateRecord> {
      const res = await api.app.inject({
        url: `/api/v1/graduates/search?diplomaSerial=${serial}`,
        remoteAddress: "192.0.2.1",
      });
      return res.json<{ results: GraduateRecord[] }>().results[0]!;
    }

    beforeAll(async () => {
      api = await startListeningApp("browser-lookup", { pagesDir: buildPagesInto(tmp.path("pages")) });
      district = await registerDistrict(api.db, api.pki);
      // graduateRow(i) is a girl for odd i, a boy for even i (its citizen ID encodes the gender).
      rows = [graduateRow(1, ANH), graduateRow(2, DUNG), graduateRow(3), graduateRow(4)];
      await importList(rows);
      await settle(api.anchoring);
      // The district office's record of row 3 is revoked by the Department (admin).
      await grantRevoker(api.chain);
      const revoked = await apiRecord(rows[2]!.diplomaSerial);
      const revoke = await api.app.inject({
        method: "POST",
        url: `/api/v1/transcripts/${revoked.id}/revoke`,
        headers: { authorization: `Bearer ${api.adminToken}` },
        payload: { reason: "cấp nhầm" },
      });
      expect(revoke.statusCode, revoke.body).toBe(202);
      await settle(api.anchoring);
      // The correction and a late addition are not anchored yet: they show as pending.
      await importList([graduateRow(2, { ...DUNG, placeOfBirth: "TP. Hồ Chí Minh" }), graduateRow(6)]);
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await api?.dispose();
      tmp.dispose();
    });

    interface OpenPage extends Page {
      /** Page errors, console errors and search requests seen so far. */
      seen: { problems: string[]; searches: string[] };
    }

    async function open(
      options: { width?: number; fragment?: string; locale?: string } = {},
    ): Promise<OpenPage> {
      const context = await browser.newContext({
        viewport: { width: options.width ?? 1100, height: 900 },
        locale: options.locale ?? "vi-VN",
        timezoneId: "Asia/Ho_Chi_Minh",
      });
      const page = (await context.newPage()) as OpenPage;
      page.seen = { problems: [], searches: [] };
      page.on("pageerror", (error) => page.seen.problems.push(error.message));
      page.on("console", (message) => {
        if (message.type() === "error" && !message.text().includes("429"))
          page.seen.problems.push(message.text());
      });
      page.on("request", (request) => {
        if (request.url().includes("/graduates/search"))
          page.seen.searches.push(new URL(request.url()).search);
      });
      await page.goto(`${api.url}/tra-cuu${options.fragment ?? ""}`);
      return page;
    }

    const shot = (page: Page, state: string) => screenshot(page, `lookup-${state}`);

    async function searchByName(page: Page, fullName: string, dateOfBirth: string): Promise<void> {
      await page.fill("input[name=fullName]", fullName);
      await page.fill("input[name=dateOfBirth]", dateOfBirth);
      await page.click("#form-name button[type=submit]");
      await page.locator("#results-heading").waitFor();
    }

    async function searchBySerial(page: Page, serial: string): Promise<void> {
      await page.click("#tab-serial");
      await page.fill("input[name=diplomaSerial]", serial);
      await page.click("#form-serial button[type=submit]");
      await page.locator("#results-heading").waitFor();
    }

    /** What a person reads on each result card: its status and every label with its value. */
    async function cards(page: Page) {
      return page.locator('[data-testid="graduate"]').evaluateAll((items) =>
        items.map((item) => ({
          status: item.getAttribute("data-status"),
          mark: item.querySelector<HTMLElement>(".status")?.innerText.replace(/\s+/g, " ").trim(),
          fields: Object.fromEntries(
            [...item.querySelectorAll(".record-fields .row")].map((row) => [
              row.querySelector("dt")!.textContent,
              row.querySelector("dd")!.textContent,
            ]),
          ),
        })),
      );
    }

    const ANH_SEEN = {
      status: "anchored",
      mark: "✓ Đã xác thực trên chuỗi khối Xem bằng chứng",
      fields: {
        "Họ và tên": "Nguyễn Thị Ánh",
        "Ngày sinh": "17/05/2009",
        "Giới tính": "Nữ",
        "Nơi sinh": "TP. Hồ Chí Minh",
        Trường: "Trường THCS Nguyễn Du (79000701)",
        "Năm tốt nghiệp": "2024",
        "Quyết định công nhận tốt nghiệp": "Số 125/QĐ-PGDĐT, ngày 20/06/2024",
        "Số hiệu văn bằng": "A0123456",
        "Số vào sổ cấp bằng": "Q1-2024-00001",
        "Phòng GDĐT (quận/huyện)": "Phòng GDĐT Quận 1",
        "Cơ quan công nhận tốt nghiệp": "Phòng GDĐT Quận 1",
      },
    };

    it("finds a graduate by an accent-free name and date of birth and shows the record, never the citizen ID or ethnicity", async () => {
      const page = await open();
      await shot(page, "empty");
      await searchByName(page, "nguyen  thi anh", "2009-05-17");
      const text = await page.locator("body").innerText();
      expect({
        summary:
          /^Tìm thấy 1 hồ sơ phù hợp\. Tra cứu lúc \d\d\/\d\d\/\d{4} \d\d:\d\d \(giờ Việt Nam\)\.$/.test(
            await page.locator(".results-summary").innerText(),
          ),
        cards: await cards(page),
        citizenId: text.includes(rows[0]!.citizenId),
        ethnicity: /dân tộc\s*:|Kinh/.test(text.replace("hay dân tộc.", "")),
        searches: page.seen.searches,
        focused: await page.evaluate(() => document.activeElement?.id),
        problems: page.seen.problems,
      }).toEqual({
        summary: true,
        cards: [ANH_SEEN],
        citizenId: false,
        ethnicity: false,
        searches: ["?fullName=nguyen+thi+anh&dateOfBirth=2009-05-17"],
        focused: "results-heading",
        problems: [],
      });
      await shot(page, "name");
      await page.context().close();
    });

    it("takes the date of birth as ngày/tháng/năm typed in a browser set to US English, and refuses a day that does not exist", async () => {
      const page = await open({ locale: "en-US" });
      const field = page.locator("input[name=dateOfBirth]");
      await page.fill("input[name=fullName]", "NGUYEN THI ANH");
      await field.pressSequentially("31/02/2009");
      await page.click("#form-name button[type=submit]");
      const refused = await page.locator("#dateOfBirth-error").innerText();
      await field.fill("");
      await field.pressSequentially("17052009");
      const entered = {
        type: await field.getAttribute("type"),
        placeholder: await field.getAttribute("placeholder"),
        value: await field.inputValue(),
        echo: await page.locator("#dateOfBirth-echo").innerText(),
      };
      await shot(page, "date-typed-en-us");
      await page.click("#form-name button[type=submit]");
      await page.locator('[data-testid="graduate"]').waitFor();
      expect({
        refused,
        ...entered,
        names: await page.locator(".graduate-name").allInnerTexts(),
        searches: page.seen.searches,
      }).toEqual({
        refused: "Ngày sinh không hợp lệ. Nhập theo dạng ngày/tháng/năm, ví dụ 17/05/2009.",
        type: "text",
        placeholder: "dd/mm/yyyy",
        value: "17/05/2009",
        echo: "Ngày sinh đã nhập: Chủ Nhật, 17 tháng 5, 2009",
        names: ["Nguyễn Thị Ánh"],
        searches: ["?fullName=NGUYEN+THI+ANH&dateOfBirth=2009-05-17"],
      });
      await page.context().close();
    });

    it("keeps each field's focus ring inside its column, on a desktop and a phone", async () => {
      const outside: Record<number, string[]> = {};
      for (const width of [1280, 390]) {
        const page = await open({ width });
        outside[width] = [];
        for (const name of ["fullName", "dateOfBirth", "year", "schoolCode"]) {
          await page.focus(`#${name}`);
          const escapes = await page.locator(`#${name}`).evaluate((input) => {
            const style = getComputedStyle(input);
            const reach = parseFloat(style.outlineWidth) + parseFloat(style.outlineOffset);
            const box = input.getBoundingClientRect();
            const column = input.closest(".field")!.getBoundingClientRect();
            return (
              style.outlineStyle === "none" ||
              box.left - Math.max(reach, 0) < column.left - 0.5 ||
              box.right + Math.max(reach, 0) > column.right + 0.5
            );
          });
          if (escapes) outside[width].push(name);
        }
        await page.focus("#year");
        await shot(page, `focus-${width}`);
        await page.context().close();
      }
      expect(outside).toEqual({ 1280: [], 390: [] });
    });

    it("finds a graduate by diploma serial, spaces copied into it ignored", async () => {
      const page = await open();
      await searchBySerial(page, "A 0123456");
      expect({ cards: await cards(page), searches: page.seen.searches }).toEqual({
        cards: [ANH_SEEN],
        searches: ["?diplomaSerial=A0123456"],
      });
      await shot(page, "serial");
      await page.context().close();
    });

    it("looks the serial up at once when opened from the link on a printed confirmation", async () => {
      const page = await open({ fragment: "#so-hieu=A0123456" });
      await page.locator('[data-testid="graduate"]').waitFor();
      expect({
        tab: await page.locator("#tab-serial").getAttribute("aria-selected"),
        serial: await page.inputValue("input[name=diplomaSerial]"),
        cards: await cards(page),
        searches: page.seen.searches,
      }).toEqual({
        tab: "true",
        serial: "A0123456",
        cards: [ANH_SEEN],
        searches: ["?diplomaSerial=A0123456"],
      });
      await page.context().close();
    });

    it("opens the proof from the chain mark: root, leaf, path, transaction and block, checked in the browser", async () => {
      const record = await apiRecord("A0123456");
      const anchor = record.anchor!;
      const page = await open();
      await searchBySerial(page, "A0123456");
      const mark = page.locator('[data-testid="chain-mark"]');
      const before = {
        expanded: await mark.getAttribute("aria-expanded"),
        proof: await page.locator('[data-testid="proof"]').isVisible(),
      };
      await mark.click();
      const proof = page.locator('[data-testid="proof"]');
      const values = await proof
        .locator(".proof-fields .row")
        .evaluateAll((items) =>
          Object.fromEntries(
            items.map((row) => [row.querySelector("dt")!.textContent, row.querySelector("dd")!.textContent]),
          ),
        );
      expect({
        before,
        expanded: await mark.getAttribute("aria-expanded"),
        check: await proof.locator('[data-testid="proof-check"]').getAttribute("data-status"),
        checkText: await proof.locator('[data-testid="proof-check"]').innerText(),
        path: await proof.locator(".proof-path li").allInnerTexts(),
        root: values["Gốc Merkle"],
        leaf: values["Lá (mã băm hồ sơ)"],
        tx: values["Giao dịch"],
        block: values["Khối"],
        chain: values["Mạng (chain id)"],
        registry: values["Hợp đồng đăng ký"],
        fileSha256: values["Mã băm SHA-256 của tệp danh sách"],
      }).toEqual({
        before: { expanded: "false", proof: false },
        expanded: "true",
        check: "valid",
        checkText: "✓ Đã kiểm tra ngay trên trình duyệt này: đường dẫn Merkle dẫn từ lá tới đúng gốc đã neo.",
        path: anchor.proof,
        root: anchor.merkleRoot,
        leaf: anchor.leaf,
        tx: anchor.txHash,
        block: String(anchor.blockNumber),
        chain: "31337",
        registry: api.chain.registry.address,
        fileSha256: record.provenance.fileSha256,
      });
      expect(anchor.proof.length).toBeGreaterThan(0);
      await shot(page, "proof");
      await page.context().close();
    });

    it("shows a corrected record as pending above the old one marked as corrected", async () => {
      const page = await open();
      await searchByName(page, "dang quoc dung", "2009-11-02");
      const seen = await cards(page);
      expect(
        seen.map((card) => ({ status: card.status, mark: card.mark, place: card.fields["Nơi sinh"] })),
      ).toEqual([
        { status: "pending", mark: "◷ Đang chờ xác thực trên chuỗi khối", place: "TP. Hồ Chí Minh" },
        { status: "superseded", mark: "↻ Đã được đính chính Xem bằng chứng", place: "Hà Nội" },
      ]);
      await shot(page, "corrected");
      await page.context().close();
    });

    it("shows a revoked record as revoked and no longer valid, its proof still open to check", async () => {
      const page = await open();
      await searchBySerial(page, rows[2]!.diplomaSerial);
      const [card] = await cards(page);
      expect({
        status: card?.status,
        mark: card?.mark,
        note: await page.locator(".status-note").innerText(),
        name: card?.fields["Họ và tên"],
      }).toEqual({
        status: "revoked",
        mark: "✕ Đã bị thu hồi Xem bằng chứng",
        note: "Hồ sơ này đã bị cơ quan cấp thu hồi và KHÔNG còn giá trị.",
        name: rows[2]!.fullName,
      });
      await shot(page, "revoked");
      await page.context().close();
    });

    it("says clearly when nothing matches, with what to check", async () => {
      const page = await open();
      await searchByName(page, "nguyen thi anh", "2009-05-18");
      const message = page.locator('[data-testid="no-result"]');
      expect({
        title: await message.locator(".message-title").innerText(),
        hints: (await message.locator("li").allInnerTexts()).length,
        cards: await page.locator('[data-testid="graduate"]').count(),
      }).toEqual({ title: "Không tìm thấy hồ sơ phù hợp", hints: 4, cards: 0 });
      await shot(page, "no-result");
      await page.context().close();
    });

    it("says for which years it holds records and what replaces the THCS diploma from 2026, in Vietnamese and English", async () => {
      const page = await open();
      const coverage = page.locator('[data-testid="coverage"]');
      await coverage.getByText(/2024/).waitFor();
      const vi = (await coverage.locator("p").allInnerTexts()).map((text) => text.replace(/\s+/g, " "));
      await shot(page, "coverage");
      await page.click('button[data-lang="en"]');
      const en = (await coverage.locator("p").allInnerTexts()).map((text) => text.replace(/\s+/g, " "));
      await page.context().close();
      expect({ vi, en }).toEqual({
        vi: [
          "Trang có hồ sơ tốt nghiệp THCS năm 2024.",
          "Từ năm 2026 không còn cấp bằng tốt nghiệp THCS: Hiệu trưởng xác nhận học sinh hoàn thành chương trình trung học cơ sở ngay trên học bạ số. Hãy kiểm tra học bạ đó tại trang Xác minh học bạ. Hồ sơ của các Phòng Giáo dục và Đào tạo (giải thể năm 2025) nay do Sở Giáo dục và Đào tạo quản lý và vẫn có giá trị.",
        ],
        en: [
          "Records of lower-secondary graduation are available for 2024.",
          "From 2026 no lower-secondary diploma is issued: the principal confirms completion of lower secondary on the digital transcript itself. Check that transcript on the Verify a transcript page. Records of the district education offices (dissolved in 2025) are now kept by the provincial department and remain valid.",
        ],
      });
    });

    it("explains what is missing before any search is sent", async () => {
      const page = await open();
      await page.click("#form-name button[type=submit]");
      const fullName = await page.locator("#fullName").evaluate((input) => ({
        focused: document.activeElement === input,
        invalid: input.getAttribute("aria-invalid"),
      }));
      await page.fill("input[name=fullName]", "nguyen thi anh");
      await page.fill("input[name=year]", "24");
      await page.click("#form-name button[type=submit]");
      expect({
        first: fullName,
        summary: await page.locator("#form-name-errors li").allInnerTexts(),
        searches: page.seen.searches,
      }).toEqual({
        first: { focused: true, invalid: "" },
        summary: ["Vui lòng nhập ngày sinh.", "Năm tốt nghiệp gồm 4 chữ số, ví dụ 2024."],
        searches: [],
      });
      await shot(page, "errors");
      await page.context().close();
    });

    it("can be used with the keyboard alone: arrow keys between the tabs, Enter to search", async () => {
      const page = await open();
      await page.focus("#tab-name");
      await page.keyboard.press("ArrowRight");
      const tab = await page.evaluate(() => ({
        focused: document.activeElement?.id,
        selected: document.querySelector("#tab-serial")?.getAttribute("aria-selected"),
      }));
      await page.keyboard.press("Tab");
      await page.keyboard.type("A0123456");
      await page.keyboard.press("Enter");
      await page.locator('[data-testid="graduate"]').waitFor();
      await page.keyboard.press("Tab");
      await page.keyboard.press("Enter");
      expect({
        tab,
        proofOpen: await page.locator('[data-testid="proof"]').isVisible(),
      }).toEqual({ tab: { focused: "tab-serial", selected: "true" }, proofOpen: true });
      await page.context().close();
    });

    it("switches to English and back, keeping the form and the results", async () => {
      const page = await open();
      await searchBySerial(page, "A0123456");
      await page.click('button[data-lang="en"]');
      const english = {
        lang: await page.evaluate(() => document.documentElement.lang),
        heading: await page.locator("h1").innerText(),
        mark: (await cards(page))[0]!.mark,
        fields: Object.keys((await cards(page))[0]!.fields),
        serial: await page.inputValue("input[name=diplomaSerial]"),
        print: await page.locator('[data-testid="print"]').innerText(),
      };
      await shot(page, "en");
      await page.click('button[data-lang="vi"]');
      expect({ english, back: (await cards(page))[0] }).toEqual({
        english: {
          lang: "en",
          heading: "Lower-secondary (THCS) graduation lookup",
          mark: "✓ Verified on the blockchain Show the proof",
          fields: [
            "Full name",
            "Date of birth",
            "Gender",
            "Place of birth",
            "School",
            "Graduation year",
            "Graduation decision",
            "Diploma serial number",
            "Registry entry number",
            "District education office",
            "Graduation recognised by",
          ],
          serial: "A0123456",
          print: "Print confirmation",
        },
        back: ANH_SEEN,
      });
      await page.context().close();
    });

    it("fits a phone screen without horizontal scrolling, proof open", async () => {
      const page = await open({ width: 360 });
      await searchByName(page, "nguyen thi anh", "2009-05-17");
      await page.click('[data-testid="chain-mark"]');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      await shot(page, "phone");
      await page.context().close();
      expect(overflow).toBe(0);
    });

    it("prints a one-page confirmation with the record, the anchoring and the time of the lookup", async () => {
      const record = await apiRecord("A0123456");
      const page = await open();
      await page.evaluate(() => {
        // Headless Chromium has no print dialog: count the calls instead.
        (window as unknown as { printed: number }).printed = 0;
        window.print = () => void ((window as unknown as { printed: number }).printed += 1);
      });
      await searchBySerial(page, "A0123456");
      await page.click('[data-testid="print"]');
      await page.waitForFunction(() => (window as unknown as { printed: number }).printed > 0);
      await page.emulateMedia({ media: "print" });
      const sheet = page.locator("#print-sheet");
      const visible = {
        printed: await page.evaluate(() => (window as unknown as { printed: number }).printed),
        sheet: await sheet.isVisible(),
        form: await page.locator(".lookup-search").isVisible(),
        cards: await page.locator('[data-testid="graduate"]').isVisible(),
        qr: await sheet.locator("canvas[role=img]").getAttribute("aria-label"),
      };
      const text = await sheet.innerText();
      await shot(page, "print");
      // Printing to PDF ends with "afterprint", which puts the page back as it was: last.
      const pdf = await page.pdf({ format: "A4" });
      expect({
        ...visible,
        pages: pdf.toString("latin1").match(/\/Type\s*\/Page\b/g)?.length,
        title: text.split("\n")[0],
        lookedUp:
          /Tra cứu lúc \d\d\/\d\d\/\d{4} \d\d:\d\d \(giờ Việt Nam\) tại http:\/\/127\.0\.0\.1:\d+\/tra-cuu/.test(
            text,
          ),
        has: [
          `${api.url}/tra-cuu#so-hieu=${record.diplomaSerial}`,
          record.fullName,
          "17/05/2009",
          record.diplomaSerial,
          record.anchor!.merkleRoot,
          record.anchor!.txHash,
        ].map((value) => text.includes(value)),
      }).toEqual({
        printed: 1,
        sheet: true,
        form: false,
        cards: false,
        qr: "Mã QR mở lại kết quả tra cứu này",
        pages: 1,
        title: "Xác nhận kết quả tra cứu tốt nghiệp THCS",
        lookedUp: true,
        has: [true, true, true, true, true, true],
      });
      await page.context().close();
    });

    // Last: it spends this address's search allowance.
    it("after too many searches says to try again in so many minutes", async () => {
      const page = await open();
      const statuses = await page.evaluate(async () => {
        const seen: number[] = [];
        for (let i = 0; i < 100 && !seen.includes(429); i++)
          seen.push((await fetch("/api/v1/graduates/search?diplomaSerial=NONE")).status);
        return [...new Set(seen)];
      });
      await searchBySerial(page, "A0123456");
      const message = page.locator('[data-testid="rate-limited"]');
      expect({
        statuses,
        title: await message.locator(".message-title").innerText(),
        text: /Vui lòng thử lại sau \d+ phút\.$/.test(
          await message.locator("p:not(.message-title)").innerText(),
        ),
        cards: await page.locator('[data-testid="graduate"]').count(),
      }).toEqual({
        statuses: [200, 429],
        title: "Bạn đã tra cứu quá nhiều lần",
        text: true,
        cards: 0,
      });
      await shot(page, "rate-limited");
      await page.context().close();
    });
  },
);
