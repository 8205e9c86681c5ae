/**
 * Roles, including the school seal, end to end (issue 12 item 2): the admin adds the school's
 * organisation certificate with role `organisation` and requires principal + organisation
 * (admin API); a transcript signed by the principal alone is refused naming the missing role; the
 * co-signed one is accepted and anchored; its verification (API) reports each signer with role,
 * name and organisation; and the verifier page in Chromium shows each signer by role and name, in
 * Vietnamese and English, at desktop and phone widths (screenshots
 * test-results/screenshots/verifier-roles-*.png).
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { IssuedCertificate } from "../../service/src/adapters/pki/certificates";
import { canonicalBytes } from "../../service/src/core/documents/hash";
import { signDetached } from "../../service/src/core/pki";
import { anchorPending } from "../../service/src/issuance/anchoring";
import type { Credential } from "../../service/src/issuance/credential";
import { settle } from "../helpers/app";
import { BROWSER_TEST_TIMEOUT_MS, launchChromium, openPage, screenshot } from "../helpers/browser";
import { describeInChromium } from "../helpers/chromium-tests";
import { allowSchoolSigner, eventually } from "../helpers/chain";
import { schoolTranscript, TEST_SCHOOL } from "../helpers/credentials";
import { tempDir } from "../helpers/files";
import { startListeningApp, type ListeningApp } from "../helpers/listening-app";
import { fingerprintOf, issue, SCHOOL_CODE, signerOf } from "../helpers/pki";

describeInChromium("signer roles in the API and the verifier page", BROWSER_TEST_TIMEOUT_MS, () => {
  const tmp = tempDir("browser-roles");
  let api: ListeningApp;
  let browser: Browser;
  let seal: IssuedCertificate;
  let credential: Credential;
  let file: string;
  let refused: { status: number; body: unknown };

  const admin = (method: "POST" | "PUT", url: string, payload: Record<string, unknown>) =>
    api.app.inject({ method, url, payload, headers: { authorization: `Bearer ${api.adminToken}` } });
  const submit = async (seed: number, signers: IssuedCertificate[]) => {
    const document = schoolTranscript(seed);
    const cms = await signDetached(
      canonicalBytes(document),
      signers.map((signer) => signerOf(signer, api.pki.intermediate)),
    );
    const res = await api.app.inject({
      method: "POST",
      url: "/api/v1/transcripts",
      headers: { authorization: `Bearer ${api.schoolKey}` },
      payload: { document, signature: Buffer.from(cms).toString("base64") },
    });
    return { document, status: res.statusCode, body: res.json<unknown>() };
  };

  beforeAll(async () => {
    api = await startListeningApp("browser-roles");
    // The test app registers the principal in the database only; the chain learns it here.
    await allowSchoolSigner(api.chain, fingerprintOf(api.pki.principal));
    seal = await issue({
      subject: `CN=${TEST_SCHOOL.name}, O=${TEST_SCHOOL.name}, C=VN`,
      issuer: api.pki.intermediate,
      keyAlgorithm: "P-256",
    });
    const addSeal = await admin("POST", `/api/v1/admin/issuers/${SCHOOL_CODE}/certificates`, {
      add: [{ pem: seal.certificatePem + api.pki.intermediate.certificatePem, role: "organisation" }],
    });
    const roles = await admin("PUT", `/api/v1/admin/issuers/${SCHOOL_CODE}/required-roles`, {
      requiredRoles: ["principal", "organisation"],
    });
    expect([addSeal.statusCode, roles.statusCode, roles.json<unknown>()]).toEqual([
      200,
      200,
      { code: SCHOOL_CODE, requiredRoles: ["principal", "organisation"] },
    ]);
    // The seal's registration reaches the chain before anything it signs is anchored.
    await eventually(async () => {
      await anchorPending(api.anchoring);
      const { rows } = await api.db.query(
        "SELECT 1 FROM issuer_certificate_changes WHERE state <> 'confirmed'",
      );
      return rows.length === 0;
    });
    const alone = await submit(140_001, [api.pki.principal]);
    refused = { status: alone.status, body: alone.body };
    const both = await submit(140_002, [api.pki.principal, seal]);
    expect(both.status).toBe(202);
    await settle(api.anchoring);
    const res = await api.app.inject({
      method: "GET",
      url: `/api/v1/transcripts/${both.document.id}/credential`,
      headers: { authorization: `Bearer ${api.schoolKey}` },
    });
    credential = res.json<Credential>();
    file = tmp.write("co-signed.hocba.json", JSON.stringify(credential));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.dispose();
    tmp.dispose();
  });

  it("refuses the transcript signed by the principal alone, naming the missing organisation role", () => {
    expect(refused).toEqual({
      status: 422,
      body: {
        error: {
          code: "SIGNER_ROLE_MISSING",
          message: "no authorized signer in role(s) organisation",
          details: expect.objectContaining({ ok: false }) as unknown,
        },
      },
    });
  });

  it("verifies the co-signed credential, reporting each signer with role, name and organisation", async () => {
    const res = await api.app.inject({ method: "POST", url: "/api/v1/verify", payload: credential });
    const signer = res
      .json<{ checks: { name: string; status: string; data: { signers: unknown[] } }[] }>()
      .checks.find((check) => check.name === "signer")!;
    const who = (certificate: IssuedCertificate) => ({
      fingerprint: fingerprintOf(certificate),
      authorized: true,
    });
    expect([res.statusCode, signer.status, signer.data.signers]).toEqual([
      200,
      "valid",
      [
        expect.objectContaining({
          role: "principal",
          name: "Nguyễn Văn Hùng",
          organisation: TEST_SCHOOL.name,
          ...who(api.pki.principal),
        }) as unknown,
        expect.objectContaining({
          role: "organisation",
          name: TEST_SCHOOL.name,
          organisation: TEST_SCHOOL.name,
          ...who(seal),
        }) as unknown,
      ],
    ]);
  });

  it("answers the school's roles on the public route the page asks", async () => {
    const res = await api.app.inject({ method: "GET", url: `/api/v1/issuers/${SCHOOL_CODE}/roles` });
    const unknown = await api.app.inject({ method: "GET", url: "/api/v1/issuers/79999999/roles" });
    expect([res.statusCode, res.json(), unknown.json()]).toEqual([
      200,
      {
        code: SCHOOL_CODE,
        known: true,
        requiredRoles: ["principal", "organisation"],
        certificates: [
          { fingerprint: fingerprintOf(api.pki.principal), role: "principal" },
          { fingerprint: fingerprintOf(seal), role: "organisation" },
        ],
      },
      { code: "79999999", known: false, requiredRoles: ["principal"], certificates: [] },
    ]);
  });

  it("shows each signer on the page by role and name, in Vietnamese and English, on desktop and phone", async () => {
    const read = (page: Page) =>
      page
        .locator('[data-testid="signer"]')
        .evaluateAll((dds) =>
          dds.map((dd) => `${dd.previousElementSibling?.textContent}: ${dd.textContent}`),
        );
    const views: Record<number, unknown> = {};
    for (const width of [1280, 390]) {
      const { page, problems } = await openPage(browser, api.url, { width });
      await page.locator("input[type=file]").setInputFiles(file);
      const verdict = page.locator('[data-testid="verdict"]');
      await verdict.waitFor();
      const status = await verdict.getAttribute("data-status");
      await page.locator('[data-testid="signer"]').first().scrollIntoViewIfNeeded();
      const vi = await read(page);
      await screenshot(page, `verifier-roles-vi-${width}`);
      await page.getByRole("button", { name: "English" }).click();
      const en = await read(page);
      await page.locator('[data-testid="signer"]').first().scrollIntoViewIfNeeded();
      await screenshot(page, `verifier-roles-en-${width}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      await page.context().close();
      views[width] = { status, vi, en, overflow, problems };
    }
    const expected = {
      status: "valid",
      vi: [`Hiệu trưởng: Nguyễn Văn Hùng — ${TEST_SCHOOL.name}`, `Con dấu của trường: ${TEST_SCHOOL.name}`],
      en: [`Principal: Nguyễn Văn Hùng — ${TEST_SCHOOL.name}`, `School seal: ${TEST_SCHOOL.name}`],
      overflow: 0,
      problems: [],
    };
    expect(views).toEqual({ 1280: expected, 390: expected });
  });
});
