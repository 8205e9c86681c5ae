/**
 * Issue 13's "Checked by", walked in Chromium as a school would, against the embedded OpenID
 * Provider: the clerk signs in, imports the class from the template with one mistake, fixes it; the
 * homeroom teacher signs the class in the page with a .p12; the principal makes a device token in
 * the page and signs with `hocba sign-pending` on a SoftHSM token; the documents are anchored; the
 * clerk downloads the class ZIP and a PDF from it verifies on the verifier page; the clerk makes a
 * share link and its QR code, which the verifier page opens in another browser; a clerk of another
 * school sees none of it. Then the follow-through: the clerk corrects one transcript, its final
 * submission is refused (the homeroom teacher's certificate left the registry), the page says why in
 * plain words and submits it again once the registry is put right; the principal revokes her device
 * token in the page. Screenshots: test-results/screenshots/school-walk-*.png (1280 and 390 px, vi/en).
 */
import { createPrivateKey } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import jsQR from "jsqr";
import { unzipSync } from "fflate";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeWorkbook } from "../../service/src/adapters/files/workbook-writer";
import { writeP12 } from "../../service/src/adapters/pki/p12";
import { signPending } from "../../service/src/cli/commands/sign-pending";
import { workbookTables, yearSheetName } from "../../service/src/core/workbook/layout";
import { makeClass } from "../../service/src/demo/class";
import { anchorPending } from "../../service/src/issuance/anchoring";
import { settle } from "../helpers/app";
import { eventually } from "../helpers/chain";
import { CHROMIUM, chromiumAvailable, launchChromium, screenshot, SCREENSHOTS } from "../helpers/browser";
import { captureIo, commandError } from "../helpers/cli";
import { tempDir } from "../helpers/files";
import { buildPagesInto } from "../helpers/pages";
import { fingerprintOf } from "../helpers/pki";
import {
  certify,
  createToken,
  generateKeyPair,
  SOFTHSM_MODULE,
  softhsmAvailable,
  USER_PIN,
  writeCertificate,
} from "../helpers/softhsm";
import {
  documentStatuses,
  signInOnPage,
  startOutsideProvider,
  startStaffApp,
  type StaffApp,
} from "../helpers/staff";
import type { ProviderAccount } from "../../service/src/adapters/oidc/provider";
import { randomSecret } from "../../service/src/auth/secrets";
import { setCell, tableNamed } from "../helpers/workbook";

const ready = chromiumAvailable() && softhsmAvailable();
const CLASS = makeClass({
  school: { code: "DEMO01", name: "Trường THCS Demo", province: "01", level: "THCS" },
  size: 3,
  seed: 2026,
});
const P12_PASSWORD = "Mật-khẩu-gvcn";

/**
 * The walk with staff signing in at `provider`: the embedded OpenID Provider (the default), or an
 * outside one configured through OIDC_ISSUER_URL, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET, where the
 * school admin's assignments (issuer + subject) give the same people their roles.
 */
function walkOn(provider: "embedded" | "outside"): void {
  describe(`signing in at the ${provider} OpenID Provider`, { timeout: 900_000 }, () => {
    const tmp = tempDir(`browser-school-walk-${provider}`);
    let outside: Awaited<ReturnType<typeof startOutsideProvider>> | undefined;
    let s: StaffApp;
    let browser: Browser;
    let principalToken: string;
    const good = tmp.path("lop-9a1.xlsx");
    const wrong = tmp.path("lop-9a1-loi.xlsx");
    const p12 = tmp.path("gvcn.p12");
    const chainPem = tmp.path("intermediate.pem");
    /** What the department does through the admin API: DEMO01's certificates (journalled for the chain). */
    const admin = async (method: "POST" | "PUT", url: string, payload: unknown) => {
      const res = await s.api.app.inject({
        method,
        url: `/api/v1/admin/issuers/DEMO01/${url}`,
        headers: { authorization: `Bearer ${s.api.adminToken}` },
        payload: payload as Record<string, unknown>,
      });
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    };
    const pemOf = (der: Uint8Array) =>
      `-----BEGIN CERTIFICATE-----\n${Buffer.from(der)
        .toString("base64")
        .match(/.{1,64}/g)!
        .join("\n")}\n-----END CERTIFICATE-----\n`;
    const homeroomRegistration = (removed: boolean) =>
      admin(
        "POST",
        "certificates",
        removed
          ? { remove: [fingerprintOf(s.api.pki.homeroom)] }
          : {
              add: [
                {
                  pem: s.api.pki.homeroom.certificatePem + s.api.pki.intermediate.certificatePem,
                  role: "homeroom",
                },
              ],
            },
      );

    const named = (name: string) =>
      provider === "embedded" ? `school-walk-${name}` : `school-walk-outside-${name}`;
    /** The whole page, and what a phone shows now (the viewport only). */
    const shot = (page: Page, name: string) => screenshot(page, named(name));
    const viewShot = (page: Page, name: string) =>
      page.screenshot({ path: path.join(SCREENSHOTS, `${named(name)}.png`) });

    beforeAll(async () => {
      const pagesDir = buildPagesInto(tmp.path("pages"));
      if (provider === "embedded") s = await startStaffApp("browser-school-walk", { pagesDir });
      else {
        const accounts: ProviderAccount[] = [];
        const clientSecret = randomSecret();
        let base = "http://127.0.0.1:1";
        outside = await startOutsideProvider(accounts, {
          clientId: "hocba-walk",
          clientSecret,
          redirectUri: () => `${base}/auth/callback`,
        });
        s = await startStaffApp("browser-school-walk-outside", {
          pagesDir,
          env: {
            OIDC_ISSUER_URL: outside.issuer,
            OIDC_CLIENT_ID: "hocba-walk",
            OIDC_CLIENT_SECRET: clientSecret,
          },
        });
        base = s.api.url;
        // The outside provider knows the same people; hocba's admin assigns their roles there.
        for (const person of s.staff) {
          accounts.push({ username: person.username, password: person.password, name: person.name });
          if (person.roles.includes("department")) continue;
          const assigned = await s.api.app.inject({
            method: "PUT",
            url: `/api/v1/schools/${person.school}/staff`,
            headers: { authorization: `Bearer ${s.api.adminToken}` },
            payload: {
              issuer: outside.issuer,
              subject: person.username,
              roles: person.roles,
              ...(person.classes ? { classes: person.classes } : {}),
            },
          });
          if (assigned.statusCode !== 200) throw new Error(assigned.body);
        }
        outside.start();
      }
      browser = await launchChromium();
      const tables = () => workbookTables(CLASS.info, CLASS.transcripts);
      writeFileSync(good, await writeWorkbook(tables()));
      const mistaken = tables();
      setCell(tableNamed(mistaken, yearSheetName("2024-2025")), 2, "Toán – Cả năm", 12);
      writeFileSync(wrong, await writeWorkbook(mistaken));
      const { pki, db } = s.api;
      // DEMO01 requires its homeroom teacher's and its principal's signatures; the homeroom
      // teacher's certificate is the test PKI's, the principal's is made on her SoftHSM token below.
      await homeroomRegistration(false);
      await admin("PUT", "required-roles", { requiredRoles: ["homeroom", "principal"] });
      writeFileSync(
        p12,
        writeP12({
          privateKeyPkcs8: new Uint8Array(
            createPrivateKey(pki.homeroom.privateKeyPkcs8Pem).export({ format: "der", type: "pkcs8" }),
          ),
          certificates: [pki.homeroom.certificate, pki.intermediate.certificate, pki.root.certificate],
          password: P12_PASSWORD,
        }),
      );
      writeFileSync(chainPem, pki.intermediate.certificatePem);
      const token = createToken(tmp.path("token"), "hieu-truong");
      process.env.SOFTHSM2_CONF = token.conf;
      const certificate = certify(
        token.dir,
        generateKeyPair(token, "EC:prime256v1", "01", "principal"),
        "/C=VN/O=Trường THCS Demo/title=Hiệu trưởng/CN=Phạm Thị Lan",
        pki.intermediate,
      );
      writeCertificate(token, certificate, "01", "principal");
      await admin("POST", "certificates", {
        add: [{ pem: pemOf(certificate) + pki.intermediate.certificatePem, role: "principal" }],
      });
      // The registrations reach the chain before anything is signed (the verifier asks it).
      await eventually(async () => {
        await anchorPending(s.api.anchoring);
        const { rows } = await db.query(
          "SELECT 1 FROM issuer_certificate_changes WHERE state <> 'confirmed'",
        );
        return rows.length === 0;
      }, 60_000);
    }, 400_000);
    afterAll(async () => {
      await browser?.close();
      await s?.dispose();
      await outside?.close();
      tmp.dispose();
    });

    const signedIn = (username: string, width = 1280) => signInOnPage(browser, s, username, width);
    const statuses = documentStatuses;
    /** The homeroom teacher signs what awaits her in the page with her .p12, and is told `said`. */
    const signWithP12 = async (page: Page, said: string) => {
      await page.setInputFiles("input[type=file][name=p12]", p12);
      await page.fill("input[name=p12Password]", P12_PASSWORD);
      await page.click('[data-testid="sign"]');
      await expect.poll(() => page.locator("#signing-status").innerText(), { timeout: 120_000 }).toBe(said);
    };
    /** `hocba sign-pending` on the principal's signing station: the token key, the device token. */
    const signPendingAsPrincipal = () => {
      const io = captureIo({
        HOCBA_API_URL: s.api.url,
        HOCBA_DEVICE_TOKEN: principalToken,
        TOKEN_PIN: USER_PIN,
      });
      const args = ["--pkcs11", SOFTHSM_MODULE, "--token", "hieu-truong", "--pin-env", "TOKEN_PIN"];
      const run = signPending([...args, "--chain", chainPem, "--class", "9A1", "--yes"], io);
      return { io, run };
    };
    /** Reads the QR code the page shows, as a camera would: its pixels, drawn on a canvas. */
    const qrOf = async (page: Page): Promise<string | undefined> => {
      const { width, data } = await page.locator('[data-testid="share-qr"]').evaluate(async (svg) => {
        const image = new Image();
        const copy = svg.cloneNode(true) as Element;
        copy.setAttribute("width", "400");
        copy.setAttribute("height", "400");
        image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(copy))}`;
        await image.decode();
        const canvas = document.createElement("canvas");
        canvas.width = canvas.height = 400;
        const context = canvas.getContext("2d")!;
        context.drawImage(image, 0, 0, 400, 400);
        return { width: 400, data: [...context.getImageData(0, 0, 400, 400).data] };
      });
      return jsQR(new Uint8ClampedArray(data), width, width)?.data;
    };
    /** The verifier page's verdict for a file dropped on it, or for the link it was opened at. */
    const verdictOn = async (page: Page) => {
      const verdict = page.locator('[data-testid="verdict"]');
      await verdict.waitFor({ timeout: 60_000 });
      return [await verdict.getAttribute("data-status"), (await verdict.locator("h2").textContent())?.trim()];
    };

    it("walks the check: the clerk imports with a mistake and fixes it, the homeroom teacher signs in the page with a .p12, the principal with hocba sign-pending on a SoftHSM token, the documents are anchored, a PDF of the class ZIP verifies, a share link's QR code opens the credential, and another school's clerk sees none of it", async () => {
      // The clerk: one mistake in the file, said by sheet, row and column; nothing imported; fixed.
      const clerk = await signedIn("giaovu");
      await clerk.locator('[data-testid="import"]').waitFor();
      await clerk.setInputFiles("input[type=file][name=workbook]", wrong);
      await clerk.click("#import-submit");
      await clerk.locator('[data-testid="import-problem"]').first().waitFor({ timeout: 60_000 });
      const problems = await clerk
        .locator('[data-testid="import-problem"]')
        .evaluateAll((rows) =>
          rows.map((r) => [
            r.getAttribute("data-sheet"),
            r.getAttribute("data-row"),
            r.getAttribute("data-column"),
          ]),
        );
      expect([problems, await clerk.locator('[data-testid="document"]').count()]).toEqual([
        [["Năm 2024-2025", "2", "Toán – Cả năm"]],
        0,
      ]);
      await clerk.setInputFiles("input[type=file][name=workbook]", good);
      await clerk.click("#import-submit");
      await expect.poll(() => statuses(clerk), { timeout: 60_000 }).toEqual(["draft", "draft", "draft"]);

      // The homeroom teacher signs the class in the page; the file and password stay there.
      const homeroom = await signedIn("gvcn9a", 390);
      await homeroom.locator('[data-testid="signing"]').waitFor();
      expect(await homeroom.locator("#signing-count").innerText()).toBe(
        "3 học bạ của lớp 9A1 đang chờ chữ ký của bạn.",
      );
      await signWithP12(homeroom, "Trần Thị Mai đã ký 3 học bạ; 0 học bạ đủ chữ ký đã được gửi đi neo.");
      expect(await statuses(homeroom)).toEqual(["awaiting", "awaiting", "awaiting"]);
      expect(await homeroom.locator('[data-testid="awaiting"]').first().innerText()).toBe(
        "Chờ chữ ký: Hiệu trưởng",
      );

      // The principal makes a device token for her signing station in the page (shown once).
      const principal = await signedIn("hieutruong");
      await principal.locator('[data-testid="devices"]').waitFor();
      await principal.getByLabel("Tên máy").fill("Máy ký phòng hiệu trưởng");
      await principal.click('[data-testid="make-device"]');
      await principal.locator('[data-testid="device-token"]').waitFor();
      principalToken = await principal
        .locator('[data-testid="device-token"] .token-value')
        .first()
        .innerText();
      expect([
        principalToken.startsWith("hocba_d_"),
        await principal.locator('[data-testid="device"] .document-name').allInnerTexts(),
      ]).toEqual([true, ["Máy ký phòng hiệu trưởng"]]);
      await principal.locator('[data-testid="devices"]').scrollIntoViewIfNeeded();
      await shot(principal, "device-token-vi");

      // …and signs with `hocba sign-pending` on her SoftHSM token.
      const { io, run } = signPendingAsPrincipal();
      expect(await run).toBe(0);
      expect(
        io
          .stdoutText()
          .trim()
          .split("\n")
          .map((l) => (JSON.parse(l) as { status: string }).status),
      ).toEqual(["pending", "pending", "pending"]);
      await settle(s.api.anchoring);
      await clerk.reload();
      await clerk.locator('[data-testid="document"]').first().waitFor();
      expect(await statuses(clerk)).toEqual(["anchored", "anchored", "anchored"]);

      // The class ZIP; a PDF from it, dropped on the verifier page, is valid.
      const [download] = await Promise.all([
        clerk.waitForEvent("download", { timeout: 240_000 }),
        clerk.click('[data-testid="class-zip"]'),
      ]);
      const files = unzipSync(new Uint8Array(readFileSync(await download.path())));
      const pdfs = Object.keys(files).filter((name) => name.endsWith(".pdf"));
      const firstPdf = tmp.path(pdfs[0]!);
      writeFileSync(firstPdf, files[pdfs[0]!]!);
      const verifier = await (await browser.newContext({ locale: "vi-VN" })).newPage();
      await verifier.goto(`${s.api.url}/`);
      await verifier.locator("input[type=file]").setInputFiles(firstPdf);
      expect([pdfs.length, await verdictOn(verifier)]).toEqual([3, ["valid", "Học bạ hợp lệ"]]);
      await shot(verifier, "zip-pdf-verified-vi");
      await verifier.context().close();

      // A share link and its QR code for the first student's parents.
      const first = clerk.locator('[data-testid="document"]').first();
      const name = await first.locator(".document-name").innerText();
      await first.locator('[data-testid="share"]').click();
      await clerk.locator('[data-testid="share-panel"]').waitFor();
      expect(await clerk.locator('[data-testid="share-row"]').count()).toBe(0);
      await clerk.click('[data-testid="share-make"]');
      await clerk.locator('[data-testid="share-qr"]').waitFor();
      const link = await clerk.locator('[data-testid="share-link"]').innerText();
      const scanned = await qrOf(clerk);
      expect([
        link.startsWith(`${s.api.url}/#credential=`),
        scanned,
        await clerk.locator('[data-testid="share-qr"]').getAttribute("aria-label"),
        await clerk
          .locator('[data-testid="share-row"]')
          .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-state"))),
      ]).toEqual([true, link, `Mã QR mở học bạ của ${name} trên trang xác minh`, ["active"]]);
      await shot(clerk, "share-desktop-vi");
      await clerk.click('button[data-lang="en"]');
      expect(await clerk.locator('[data-testid="share-qr"]').getAttribute("aria-label")).toBe(
        `QR code opening the transcript of ${name} on the verifier page`,
      );
      await shot(clerk, "share-desktop-en");
      await clerk.setViewportSize({ width: 390, height: 900 });
      await clerk.locator('[data-testid="share-panel"]').scrollIntoViewIfNeeded();
      await viewShot(clerk, "share-phone-view-en");
      await clerk.click('button[data-lang="vi"]');
      await clerk.locator('[data-testid="share-qr"]').scrollIntoViewIfNeeded();
      await viewShot(clerk, "share-phone-view-vi");
      await clerk.setViewportSize({ width: 1280, height: 900 });

      // A parent's phone scans it: the verifier page opens the credential and finds it valid.
      const parent = await (
        await browser.newContext({ locale: "vi-VN", viewport: { width: 390, height: 800 } })
      ).newPage();
      await parent.goto(scanned!);
      expect(await verdictOn(parent)).toEqual(["valid", "Học bạ hợp lệ"]);
      await shot(parent, "share-opened-phone-vi");
      await parent.context().close();

      // A clerk of another school: no class, and the drafts and links answer as unknown.
      const other = await signedIn("giaovu2");
      await other.locator("#no-classes").waitFor();
      const id = await first.getAttribute("data-id");
      const answers = await other.evaluate(async (draft) => {
        const statuses: number[] = [];
        for (const url of [
          `/api/v1/drafts/${draft}`,
          `/api/v1/drafts/${draft}/shares`,
          "/api/v1/drafts?school=DEMO01",
        ])
          statuses.push((await fetch(url)).status);
        return statuses;
      }, id);
      expect([await other.locator('[data-testid="class-row"]').count(), answers]).toEqual([
        0,
        [404, 404, 404],
      ]);

      for (const page of [clerk, homeroom, principal, other]) {
        expect(page.problems).toEqual([]);
        await page.context().close();
      }
    });

    // Once is enough: the correction and the refused submission do not depend on the provider.
    if (provider === "embedded")
      it("lets the clerk correct a transcript; a refused final submission is shown with its reason in plain words and submitted again from the page; the principal revokes her device token", async () => {
        const clerk = await signedIn("giaovu");
        await clerk.locator('[data-testid="document"]').first().waitFor();
        const first = clerk.locator('[data-testid="document"]').first();
        const name = await first.locator(".document-name").innerText();
        await first.locator('[data-testid="correct"]').click();
        await expect
          .poll(() => clerk.locator("#follow-status").innerText(), { timeout: 30_000 })
          .toBe(`Đã tạo bản nháp sửa học bạ của ${name}. Hãy sửa trong bảng tính, nhập lại lớp rồi ký.`);
        expect((await statuses(clerk)).sort()).toEqual(["anchored", "anchored", "anchored", "draft"]);
        await clerk.setInputFiles("input[type=file][name=workbook]", good);
        await clerk.click("#import-submit");
        await expect
          .poll(() => clerk.locator("#import-status").innerText(), { timeout: 60_000 })
          .toMatch(/^Đã nhập lop-9a1\.xlsx: lớp 9A1, năm học 2024-2025, 3 học sinh/);

        // The homeroom teacher signs the correction; then her certificate leaves the registry and
        // the principal's signature completes a draft the service refuses.
        const homeroom = await signedIn("gvcn9a");
        await homeroom.locator('[data-testid="signing"]').waitFor();
        await signWithP12(homeroom, "Trần Thị Mai đã ký 1 học bạ; 0 học bạ đủ chữ ký đã được gửi đi neo.");
        await homeroomRegistration(true);
        const { run } = signPendingAsPrincipal();
        expect(await commandError(run)).toEqual({
          code: "DRAFT_SUBMISSION_REFUSED",
          message: expect.stringMatching(
            /^1 document\(s\) signed by everyone were refused at submission \(SIGNER_NOT_AUTHORIZED: /,
          ) as unknown,
        });

        const principal = await signedIn("hieutruong");
        const refused = principal.locator('[data-testid="document"][data-status="refused"]');
        await refused.waitFor();
        expect([
          await refused.locator('[data-testid="refusal"]').innerText(),
          await refused.locator('[data-testid="retry-submission"]').count(),
          await refused.locator('[data-testid="remove-signature"]').getAttribute("data-role"),
          await principal.locator('[data-testid="class-row"] [data-state="refused"]').innerText(),
        ]).toEqual([
          expect.stringMatching(
            /^Đủ chữ ký nhưng học bạ bị từ chối khi gửi đi: Chứng thư số này chưa được đăng ký cho nhà trường\. Chữ ký có vấn đề là của giáo viên chủ nhiệm \(.*Trần Thị Mai.*\): gỡ chữ ký đó để người ký ký lại bằng chứng thư hợp lệ\.$/,
          ) as unknown,
          1,
          "homeroom",
          "1",
        ]);
        await refused.scrollIntoViewIfNeeded();
        await shot(principal, "refused-desktop-vi");
        await principal.click('button[data-lang="en"]');
        expect(await refused.locator('[data-testid="refusal"]').innerText()).toMatch(
          /^Every signature is there, but the transcript was refused at submission: This certificate is not registered for the school\. The signature at fault is the homeroom teacher's/,
        );
        await shot(principal, "refused-desktop-en");
        await principal.setViewportSize({ width: 390, height: 900 });
        await refused.scrollIntoViewIfNeeded();
        await viewShot(principal, "refused-phone-view-en");
        await principal.click('button[data-lang="vi"]');
        await refused.scrollIntoViewIfNeeded();
        await viewShot(principal, "refused-phone-view-vi");

        // The department registers the certificate again; the clerk submits it again from the page.
        await homeroomRegistration(false);
        await clerk.reload();
        const again = clerk.locator('[data-testid="document"][data-status="refused"]');
        await again.locator('[data-testid="retry-submission"]').click();
        await expect
          .poll(() => clerk.locator("#follow-status").innerText(), { timeout: 60_000 })
          .toBe(`Đã gửi lại học bạ của ${name}; học bạ đang chờ neo.`);
        await settle(s.api.anchoring);
        await clerk.reload();
        await clerk.locator('[data-testid="document"]').first().waitFor();
        expect((await statuses(clerk)).sort()).toEqual(["anchored", "anchored", "anchored", "superseded"]);

        // The principal revokes her device token in the page: sign-pending is refused with it.
        await principal.locator('[data-testid="device"] button').click();
        await expect.poll(() => principal.locator('[data-testid="device"]').count()).toBe(0);
        expect(await commandError(signPendingAsPrincipal().run)).toEqual({
          code: "DEVICE_TOKEN_INVALID",
          message: "invalid, revoked or expired device token",
        });
        for (const page of [clerk, homeroom, principal]) {
          expect(page.problems).toEqual([]);
          await page.context().close();
        }
      });
  });
}

describe.skipIf(!ready)(
  `the school's walk on /truong in Chromium${ready ? "" : ` (skipped: no ${CHROMIUM} or SoftHSM2)`}`,
  { timeout: 900_000 },
  () => {
    walkOn("embedded");
    walkOn("outside");
  },
);
