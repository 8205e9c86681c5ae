/**
 * The verifier page in a real browser (Debian's Chromium through playwright-core): a person drops
 * a credential file or opens a share link, and sees the verdict, each check and the học bạ. The
 * page is the build of verifier-web served by a listening API on a real chain (anvil) and PGlite.
 * A screenshot of each state is saved to test-results/screenshots/verifier-<state>.png.
 */
import type { FastifyInstance } from "fastify";
import { PDFDocument } from "pdf-lib";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chainStatusOf } from "../../service/src/adapters/chain/chain-status";
import { createRegistryClient, issuerCodeBytes32 } from "../../service/src/adapters/chain/registry";
import { buildApp } from "../../service/src/http/app";
import type { Credential } from "../../service/src/issuance/credential";
import {
  BROWSER_TEST_TIMEOUT_MS,
  chromiumAvailable,
  launchChromium,
  screenshot,
  CHROMIUM,
} from "../helpers/browser";
import { disclosableItem, settle } from "../helpers/app";
import { ANCHOR_KEY } from "../helpers/chain";
import { anchoredCredentials, grantRevoker, revokeDocument, schoolTranscript } from "../helpers/credentials";
import { tempDir } from "../helpers/files";
import { withValue } from "../helpers/fixtures";
import { closedPortUrl, startListeningApp, type ListeningApp } from "../helpers/listening-app";
import { fingerprintOf, SCHOOL_CODE } from "../helpers/pki";

const haveChromium = chromiumAvailable();

/** The printable PDF of a transcript as its school downloads it (the credential attached). */
async function printablePdf(api: ListeningApp, id: string): Promise<Uint8Array> {
  const res = await api.app.inject({
    method: "GET",
    url: `/api/v1/transcripts/${id}/pdf`,
    headers: { authorization: `Bearer ${api.schoolKey}` },
  });
  expect([res.statusCode, res.headers["content-type"]]).toEqual([200, "application/pdf"]);
  return res.rawPayload;
}

/**
 * The credential with the scores of two subjects of the first year swapped: what a forger would do
 * to raise a grade while keeping the document well-formed (averages and year result still agree).
 */
function swapScores(credential: Credential): unknown {
  const document = credential.document as {
    years: { subjects: { assessment: string; term1: unknown; term2: unknown; year: unknown }[] }[];
  };
  const scored = document.years[0]!.subjects.flatMap((subject, index) =>
    subject.assessment === "score" && subject.year !== document.years[0]!.subjects[0]!.year ? [index] : [],
  );
  const [a, b] = [0, scored.find((index) => index !== 0)!];
  const subjects = document.years[0]!.subjects;
  let forged: unknown = credential;
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const)
    for (const term of ["term1", "term2", "year"] as const)
      forged = withValue(forged, `/document/years/0/subjects/${to}/${term}`, subjects[from]![term]);
  return forged;
}

const ALL_VALID = {
  format: "valid",
  integrity: "valid",
  signature: "valid",
  signer: "valid",
  inclusion: "valid",
  anchored: "valid",
  revocation: "valid",
  supersession: "valid",
};

describe.skipIf(!haveChromium)(
  `the verifier page in Chromium${haveChromium ? "" : ` (skipped: no ${CHROMIUM})`}`,
  // A page verification takes a few seconds; on a loaded shared machine, much longer.
  { timeout: BROWSER_TEST_TIMEOUT_MS },
  () => {
    const tmp = tempDir("browser-verifier");
    let api: ListeningApp;
    let browser: Browser;
    let valid: Credential;
    let revoked: Credential;
    let files: {
      valid: string;
      tampered: string;
      brokenRule: string;
      notHocba: string;
      revoked: string;
      pdf: string;
      plainPdf: string;
    };
    let shareUrl: string;
    /** Errors the page logged or threw, by page. */
    const problems = new WeakMap<Page, string[]>();
    /** URLs the page requested, by page. */
    const requests = new WeakMap<Page, string[]>();

    beforeAll(async () => {
      api = await startListeningApp("browser-verifier");
      await grantRevoker(api.chain);
      const added = await api.chain.admin
        .getFunction("addIssuerCertificate")
        .send(issuerCodeBytes32(SCHOOL_CODE), fingerprintOf(api.pki.principal));
      await added.wait();
      const documents = [91_001, 91_002].map((seed) => schoolTranscript(seed));
      [valid, revoked] = (await anchoredCredentials(api, api.pki, documents)) as [Credential, Credential];
      await revokeDocument(api, documents[1]!.id);
      const tampered = swapScores(valid);
      files = {
        valid: tmp.write("valid.hocba.json", JSON.stringify(valid, null, 2)),
        tampered: tmp.write("tampered.hocba.json", JSON.stringify(tampered, null, 2)),
        // A raised score whose year average no longer adds up: changed, and breaking a rule.
        brokenRule: tmp.write(
          "broken-rule.hocba.json",
          JSON.stringify(withValue(valid, "/document/years/0/subjects/0/term2", 10)),
        ),
        notHocba: tmp.write("package.json", JSON.stringify({ name: "hocba", version: "0.1.0" })),
        revoked: tmp.write("revoked.hocba.json", JSON.stringify(revoked, null, 2)),
        pdf: tmp.write("hoc-ba.pdf", await printablePdf(api, documents[0]!.id)),
        plainPdf: tmp.write("scan.pdf", await (await PDFDocument.create()).save()),
      };
      const share = await api.app.inject({
        method: "POST",
        url: `/api/v1/transcripts/${documents[0]!.id}/share`,
        headers: { authorization: `Bearer ${api.schoolKey}` },
      });
      expect(share.statusCode).toBe(201);
      shareUrl = `${api.url}${share.json<{ url: string }>().url}`;
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await api?.dispose();
      tmp.dispose();
    });

    async function open(url: string, options: { width?: number; language?: "en" } = {}): Promise<Page> {
      const context = await browser.newContext({
        viewport: { width: options.width ?? 1100, height: 900 },
        locale: "vi-VN",
      });
      context.setDefaultTimeout(BROWSER_TEST_TIMEOUT_MS);
      const page = await context.newPage();
      const found: string[] = [];
      page.on("pageerror", (error) => found.push(error.message));
      page.on("console", (message) => {
        if (message.type() === "error" && !message.text().includes("503")) found.push(message.text());
      });
      problems.set(page, found);
      const urls: string[] = [];
      page.on("request", (request) => urls.push(request.url()));
      requests.set(page, urls);
      await page.goto(url);
      return page;
    }

    /** What a person sees: the verdict and each check's status, read from the page. */
    async function seen(page: Page) {
      const verdict = page.locator('[data-testid="verdict"]');
      await verdict.waitFor();
      const checks = await page
        .locator('[data-testid="check"]')
        .evaluateAll((items): Record<string, string | null> =>
          Object.fromEntries(
            items.map((item): [string, string | null] => [
              item.getAttribute("data-check") ?? "",
              item.getAttribute("data-status"),
            ]),
          ),
        );
      return {
        verdict: await verdict.getAttribute("data-status"),
        headline: (await verdict.locator("h2").textContent())?.trim(),
        checks,
      };
    }

    async function drop(page: Page, file: string): Promise<void> {
      await page.locator("input[type=file]").setInputFiles(file);
    }

    const shot = (page: Page, state: string) => screenshot(page, `verifier-${state}`);

    /** Opens the page at `url`, drops `file`, saves the screenshot of `state`, and says what was seen. */
    async function verifyFile(file: string, state: string, url = api.url) {
      const page = await open(url);
      await drop(page, file);
      const result = await seen(page);
      await shot(page, state);
      await page.context().close();
      return { ...result, requests: requests.get(page) ?? [] };
    }

    /** The service routes that answer the chain questions, as the page asked them. */
    const chainReads = (urls: string[]) =>
      urls.filter((url) => url.includes("/api/v1/chain/")).map((url) => new URL(url).pathname.split("/")[4]);

    it("shows a valid credential as valid, with every check passed and the học bạ", async () => {
      const page = await open(api.url);
      await shot(page, "empty");
      await drop(page, files.valid);
      const result = await seen(page);
      const name = (valid.document as { student: { fullName: string } }).student.fullName;
      expect({
        ...result,
        student: await page.getByText(name, { exact: true }).count(),
        years: await page.locator("table.grades").count(),
        transaction: await page.getByText(valid.anchor.txHash).count(),
        problems: problems.get(page),
      }).toEqual({
        verdict: "valid",
        headline: "Học bạ hợp lệ",
        checks: ALL_VALID,
        student: 1,
        years: (valid.document as { years: unknown[] }).years.length,
        transaction: 1,
        problems: [],
      });
      await shot(page, "valid");
      await page.context().close();
    });

    it("lays the valid credential out on a phone screen without horizontal scrolling", async () => {
      const page = await open(api.url, { width: 390 });
      await drop(page, files.valid);
      await seen(page);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      await shot(page, "valid-phone");
      await page.context().close();
      expect(overflow).toBe(0);
    });

    it("shows a credential with a changed score as invalid, failing on integrity and signature", async () => {
      const { requests: _urls, ...result } = await verifyFile(files.tampered, "tampered");
      expect(result).toEqual({
        verdict: "invalid",
        headline: "Học bạ KHÔNG hợp lệ",
        checks: { ...ALL_VALID, integrity: "invalid", signature: "invalid" },
      });
    });

    it("says a changed score that also breaks a rule was changed after signing, and still runs every check", async () => {
      const page = await open(api.url);
      await drop(page, files.brokenRule);
      const result = await seen(page);
      const text = (check: string) => page.locator(`[data-check="${check}"] .check-text`).textContent();
      const words = {
        format: await text("format"),
        integrity: await text("integrity"),
        signature: await text("signature"),
      };
      await shot(page, "tampered-broken-rule");
      await page.context().close();
      expect({ ...result, words }).toEqual({
        verdict: "invalid",
        headline: "Học bạ KHÔNG hợp lệ",
        checks: { ...ALL_VALID, format: "invalid", integrity: "invalid", signature: "invalid" },
        words: {
          format:
            "Tệp là học bạ số hocba nhưng nội dung vi phạm quy định của mẫu (thường vì đã bị sửa sau khi ký).",
          integrity: "Nội dung đã bị thay đổi sau khi được ký (ví dụ một điểm số hay một tên bị sửa).",
          signature: "Chữ ký số không khớp với nội dung này hoặc với chứng thư: tệp đã bị sửa hoặc làm giả.",
        },
      });
    });

    it("says a file that is not a hocba credential is not a hocba file, not a forgery", async () => {
      const { requests: _urls, ...result } = await verifyFile(files.notHocba, "not-hocba");
      expect(result).toEqual({
        verdict: "not-hocba",
        headline: "Đây không phải tệp học bạ số",
        checks: Object.fromEntries(
          Object.keys(ALL_VALID).map((name) => [name, name === "format" ? "invalid" : "skipped"]),
        ),
      });
    });

    it("shows a revoked credential as revoked, failing on revocation", async () => {
      const { requests: urls, ...result } = await verifyFile(files.revoked, "revoked");
      expect({ ...result, chainReads: chainReads(urls).sort() }).toEqual({
        verdict: "revoked",
        headline: "Học bạ ĐÃ BỊ THU HỒI",
        checks: { ...ALL_VALID, revocation: "invalid" },
        chainReads: ["issuers", "revocations", "roots"],
      });
    });

    it("reports an unreachable chain as an error, not as a forgery", async () => {
      const down = createRegistryClient({
        rpcUrl: await closedPortUrl(),
        chainId: 31337,
        address: api.chain.registry.address,
        privateKey: ANCHOR_KEY,
        gasPrice: 0n,
      });
      const broken: FastifyInstance = await buildApp({
        bodyLimit: 1_000_000,
        services: { ...api.services, chainStatus: chainStatusOf(down) },
      });
      try {
        const url = await broken.listen({ host: "127.0.0.1", port: 0 });
        const { requests: _urls, ...result } = await verifyFile(files.valid, "chain-unreachable", url);
        expect(result).toEqual({
          verdict: "error",
          headline: "Chưa xác minh được",
          checks: { ...ALL_VALID, signer: "error", anchored: "error", revocation: "error" },
        });
      } finally {
        await broken.close();
        down.close();
      }
    });

    it("verifies the credential behind a share link and shows its QR code", async () => {
      const page = await open(`${api.url}/#credential=${encodeURIComponent(shareUrl)}`);
      const result = await seen(page);
      const qr = await page.locator(".share canvas").count();
      await shot(page, "share-link");
      await page.context().close();
      expect({ ...result, qr }).toEqual({
        verdict: "valid",
        headline: "Học bạ hợp lệ",
        checks: ALL_VALID,
        qr: 1,
      });
    });

    it("verifies the credential attached to the printable PDF", async () => {
      const { requests: _urls, ...result } = await verifyFile(files.pdf, "pdf");
      expect(result).toEqual({ verdict: "valid", headline: "Học bạ hợp lệ", checks: ALL_VALID });
    });

    it("says so when a PDF carries no credential", async () => {
      const page = await open(api.url);
      await drop(page, files.plainPdf);
      const verdict = page.locator('[data-testid="verdict"]');
      await verdict.waitFor();
      const seenText = {
        status: await verdict.getAttribute("data-status"),
        text: await verdict.locator("p").textContent(),
      };
      await shot(page, "pdf-without-credential");
      await page.context().close();
      expect(seenText).toEqual({
        status: "error",
        text: "Không đọc được tệp: tệp PDF này không mang học bạ số (không có tệp .hocba.json đính kèm). Hãy dùng bản PDF do hệ thống hocba cấp, hoặc tệp .hocba.json.",
      });
    });

    it("reads the chain directly from a read-only RPC node when opened with ?rpc=", async () => {
      const rpc = api.chain.anvil.url;
      const { requests: urls, ...result } = await verifyFile(
        files.revoked,
        "rpc-mode",
        `${api.url}/?rpc=${encodeURIComponent(rpc)}`,
      );
      expect({
        ...result,
        chainReads: chainReads(urls),
        rpcCalls: urls.some((url) => url.startsWith(rpc)),
      }).toEqual({
        verdict: "revoked",
        headline: "Học bạ ĐÃ BỊ THU HỒI",
        checks: { ...ALL_VALID, revocation: "invalid" },
        chainReads: [],
        rpcCalls: true,
      });
    });

    it("switches to English and remembers the choice", async () => {
      const page = await open(api.url);
      await drop(page, files.tampered);
      await seen(page);
      await page.getByRole("button", { name: "English" }).click();
      const english = await seen(page);
      const integrity = await page.locator('[data-check="integrity"] .check-text').textContent();
      await shot(page, "english");
      await page.reload();
      const remembered = {
        lang: await page.evaluate(() => document.documentElement.lang),
        title: await page.locator("h1").textContent(),
      };
      await page.context().close();
      expect({ headline: english.headline, integrity, remembered }).toEqual({
        headline: "NOT a valid transcript",
        integrity: "The content was changed after it was signed (for example a score or a name was edited).",
        remembered: { lang: "en", title: "Verify a digital transcript" },
      });
    });

    /** What the student block and the issuer show, as a person reads them. */
    async function personal(page: Page) {
      const text = (selector: string) => page.locator(selector).first().innerText();
      const cell = await page.locator('[data-testid="citizen-id"]').boundingBox();
      const value = await page.locator('[data-testid="citizen-id"]').evaluate((dd) => {
        const range = document.createRange();
        range.selectNodeContents(dd);
        const box = range.getBoundingClientRect();
        return { left: box.left, right: box.right };
      });
      return {
        citizenId: await text('[data-testid="citizen-id"]'),
        ethnicity: await text('[data-testid="ethnicity"]'),
        button: await text('[data-testid="reveal-personal"]'),
        idInsideCell: cell !== null && value.left >= cell.x - 0.5 && value.right <= cell.x + cell.width + 0.5,
        overflow: await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
      };
    }

    const student = () => (valid.document as { student: { citizenId: string; ethnicity: string } }).student;

    it("hides the citizen ID and ethnicity as the PDF does, until the reader deliberately shows them (desktop and phone)", async () => {
      const seenAt: Record<string, unknown> = {};
      for (const width of [1280, 390]) {
        const page = await open(api.url, { width });
        await drop(page, files.valid);
        await seen(page);
        const hidden = await personal(page);
        await shot(page, `private-${width}`);
        await page.locator('[data-testid="reveal-personal"]').click();
        const shown = await personal(page);
        await shot(page, `private-shown-${width}`);
        await page.getByRole("button", { name: "English" }).click();
        const afterSwitch = await personal(page);
        await page.context().close();
        seenAt[width] = { hidden, shown, afterSwitch: afterSwitch.citizenId };
      }
      const { citizenId, ethnicity } = student();
      const masked = `•••••••••${citizenId.slice(-3)}`;
      const expected = {
        hidden: {
          citizenId: masked,
          ethnicity: "(đã ẩn)",
          button: "Hiện số định danh và dân tộc",
          idInsideCell: true,
          overflow: 0,
        },
        shown: {
          citizenId,
          ethnicity,
          button: "Ẩn số định danh và dân tộc",
          idInsideCell: true,
          overflow: 0,
        },
        afterSwitch: citizenId,
      };
      expect(seenAt).toEqual({ 1280: expected, 390: expected });
    });

    it("marks what the holder of a hocba/2 credential withheld, and shows the principal's confirmation of completion, in Vietnamese and English, desktop and phone", async () => {
      // Grade 9 in 2025-2026: no diploma any more, the principal confirms completion on the transcript.
      const document = schoolTranscript(91_003, { startYear: 2022, issuedAt: "2026-06-10T08:00:00+07:00" });
      document.completion = { date: "2026-06-05", principal: "Nguyễn Văn Hùng" };
      const submitted = await api.app.inject({
        method: "POST",
        url: "/api/v1/transcripts",
        headers: { authorization: `Bearer ${api.schoolKey}` },
        payload: await disclosableItem(api.pki, document),
      });
      expect(submitted.statusCode).toBe(202);
      await settle(api.anchoring);
      const res = await api.app.inject({
        method: "GET",
        url: `/api/v1/transcripts/${document.id}/credential?withhold=citizenId,ethnicity,years/1`,
        headers: { authorization: `Bearer ${api.schoolKey}` },
      });
      expect(res.statusCode).toBe(200);
      const file = tmp.write("shared.hocba.json", res.body);
      const seenAt: Record<string, unknown> = {};
      for (const [width, english] of [
        [1280, false],
        [390, false],
        [1280, true],
      ] as const) {
        const page = await open(api.url, { width });
        if (english) await page.getByRole("button", { name: "English" }).click();
        await drop(page, file);
        const result = await seen(page);
        const withheld = await page
          .locator('[data-testid="withheld"]')
          .evaluateAll((items) => items.map((item) => [item.getAttribute("data-field"), item.textContent]));
        await shot(page, `withheld-${width}${english ? "-en" : ""}`);
        seenAt[`${width}${english ? "-en" : ""}`] = {
          verdict: result.verdict,
          withheld,
          years: await page.locator("table.grades").count(),
          completion: (await page.locator('[data-testid="completion"]').innerText())
            .split("\n")
            .filter(Boolean),
          citizenIdShown: await page.getByText(document.student.citizenId).count(),
          problems: problems.get(page),
        };
        await page.context().close();
      }
      const vi = {
        verdict: "valid",
        withheld: [
          ["ethnicity", "Không chia sẻ"],
          ["citizenId", "Không chia sẻ"],
          ["years/1", "Năm học thứ 2: người giữ học bạ không chia sẻ"],
        ],
        years: document.years.length - 1,
        completion: [
          "Xác nhận hoàn thành chương trình trung học cơ sở",
          "Ngày xác nhận",
          "05/06/2026",
          "Hiệu trưởng",
          "Nguyễn Văn Hùng",
        ],
        citizenIdShown: 0,
        problems: [],
      };
      expect(seenAt).toEqual({
        1280: vi,
        390: vi,
        "1280-en": {
          ...vi,
          withheld: [
            ["ethnicity", "Not shared"],
            ["citizenId", "Not shared"],
            ["years/1", "School year 2: not shared by the holder"],
          ],
          completion: [
            "Confirmation of lower-secondary completion",
            "Confirmed on",
            "5 June 2026",
            "Principal",
            "Nguyễn Văn Hùng",
          ],
        },
      });
    });

    it("translates every value in English and names each signer by role and name", async () => {
      const read = async (page: Page) => ({
        gender: await page
          .locator("dt", { hasText: /^(Giới tính|Gender)$/ })
          .locator("+ dd")
          .innerText(),
        academic: await page
          .locator("dt", { hasText: /^(Kết quả học tập|Learning result)$/ })
          .first()
          .locator("+ dd")
          .innerText(),
        outcome: await page
          .locator("dt", { hasText: /^(Kết quả cuối năm|End of year)$/ })
          .first()
          .locator("+ dd")
          .innerText(),
        firstSubject: await page.locator("table.grades tbody th").first().innerText(),
        commentResult: await page.locator("table.grades tbody tr").last().locator("td").last().innerText(),
        legend: await page.locator(".legend").first().innerText(),
        signer: await page
          .locator('[data-testid="signer"]')
          .evaluateAll((dds) =>
            dds.map((dd) => `${dd.previousElementSibling?.textContent}: ${dd.textContent}`),
          ),
        rawSubjectShown: await page
          .locator(".card", { hasText: /Đơn vị cấp|Issuer/ })
          .locator("dd:visible")
          .allInnerTexts(),
      });
      const views: Record<string, unknown> = {};
      for (const width of [1280, 390]) {
        const page = await open(api.url, { width });
        await drop(page, files.valid);
        await seen(page);
        const vi = await read(page);
        await shot(page, `values-vi-${width}`);
        await page.getByRole("button", { name: "English" }).click();
        const en = await read(page);
        await shot(page, `values-en-${width}`);
        await page.context().close();
        views[width] = { vi, en };
      }
      const document = valid.document as {
        student: { gender: string };
        years: { academicResult: string; outcome: string; subjects: { year: unknown }[] }[];
      };
      const year = document.years[0]!;
      const last = year.subjects.at(-1)!.year as string;
      const english = {
        gender: { Nam: "Male", Nữ: "Female" }[document.student.gender],
        academic: {
          Tốt: "Good",
          Khá: "Fairly good",
          Đạt: "Satisfactory",
          "Chưa đạt": "Not yet satisfactory",
        }[year.academicResult],
      };
      const both = {
        vi: {
          gender: document.student.gender,
          academic: year.academicResult,
          outcome: "Được lên lớp",
          firstSubject: "Ngữ văn",
          commentResult: last,
          legend: "Đ: Đạt · CĐ: Chưa đạt (môn học đánh giá bằng nhận xét).",
          signer: ["Hiệu trưởng: Nguyễn Văn Hùng — Trường THCS Nguyễn Du"],
          rawSubjectShown: expect.not.arrayContaining([expect.stringContaining("CN=")]) as unknown,
        },
        en: {
          ...english,
          outcome: "Promoted",
          firstSubject: "Vietnamese literature",
          commentResult: { Đ: "P", CĐ: "NP" }[last],
          legend: "P: pass (Đ) · NP: not passed (CĐ) — subjects assessed by comment.",
          signer: ["Principal: Nguyễn Văn Hùng — Trường THCS Nguyễn Du"],
          rawSubjectShown: expect.not.arrayContaining([expect.stringContaining("CN=")]) as unknown,
        },
      };
      expect([year.outcome, views]).toEqual(["promoted", { 1280: both, 390: both }]);
    });
  },
);
