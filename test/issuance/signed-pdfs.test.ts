/**
 * Intake of PDFs the school signed itself (issue 17 item 1–2; issuance/signed-pdfs.ts), with PDFs
 * signed outside hocba's code (OpenSSL keys and CMS, placed by @signpdf): one and two signatures
 * (principal, then the school's seal), the school's required roles, a change after signing, an
 * unregistered signer, a revoked certificate (OpenSSL's own OCSP responder), an attached
 * hocba.transcript/v1 validated and kept, and the same file twice. On PGlite and, when reachable
 * (always under CI), PostgreSQL: the pdf columns are a migration.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../service/src/adapters/db/database";
import { migrate } from "../../service/src/adapters/db/migrate";
import { nodeCrypto } from "../../service/src/adapters/pki/node-crypto";
import { createTrustStore } from "../../service/src/core/pki";
import type { SubmissionDeps } from "../../service/src/issuance/documents";
import { submitSignedPdf } from "../../service/src/issuance/signed-pdfs";
import { validateDocument } from "../../service/src/core/documents";
import { certificateInfo } from "../../service/src/core/pki/certificate";
import { keyRingFor } from "../../service/src/core/pki/key-ring";
import { statusLocations, verifyOcspEvidence } from "../../service/src/core/pki/status";
import { schoolTranscript } from "../helpers/credentials";
import { databaseBackends } from "../helpers/databases";
import { rejectionOf } from "../helpers/errors";
import { httpStatusChecker, makeStatusPki, type StatusPki } from "../helpers/ocsp";
import { SCHOOL_CODE } from "../helpers/pki";
import {
  appendUpdate,
  makeOpensslPdfPki,
  opensslIdentityOf,
  signPdf,
  unsignedPdf,
  type OpensslIdentity,
  type OpensslPdfPki,
} from "../helpers/signed-pdf";
import { transcriptXml } from "../helpers/transcript-xml";

const backends = await databaseBackends();
const OTHER_SCHOOL = "79000702";
const school = { issuerCode: SCHOOL_CODE, actor: `issuer:${SCHOOL_CODE}` };

let pki: OpensslPdfPki;
let statusPki: StatusPki;
let revokedSigner: OpensslIdentity;
let goodSigner: OpensslIdentity;
let unsigned: Uint8Array;
let byPrincipal: Uint8Array;
let twoSignatures: Uint8Array;
let structured: Uint8Array;
const transcript = schoolTranscript(17_001);

beforeAll(async () => {
  pki = makeOpensslPdfPki();
  statusPki = await makeStatusPki();
  revokedSigner = opensslIdentityOf(pki.dir, "revoked", statusPki.leaves.revoked, statusPki.intermediate.pem);
  goodSigner = opensslIdentityOf(pki.dir, "good", statusPki.leaves.good, statusPki.intermediate.pem);
  unsigned = await unsignedPdf();
  byPrincipal = await signPdf(unsigned, pki.principal, pki.dir, "Phạm Văn Đức");
  twoSignatures = await signPdf(byPrincipal, pki.seal, pki.dir, "Trường THPT Lê Lợi");
  const withTranscript = await unsignedPdf({
    name: "hoc-ba.json",
    bytes: new TextEncoder().encode(JSON.stringify(transcript)),
    mimeType: "application/json",
  });
  structured = await signPdf(
    await signPdf(withTranscript, pki.principal, pki.dir, "Phạm Văn Đức"),
    pki.seal,
    pki.dir,
    "Trường THPT Lê Lợi",
  );
}, 120_000);
afterAll(async () => {
  pki?.dispose();
  await statusPki?.dispose();
});

const sha256 = (bytes: Uint8Array) => "0x" + createHash("sha256").update(bytes).digest("hex");
const der = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");

describe.each(backends)("submitting a PDF the school signed ($name)", (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let deps: SubmissionDeps;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    await migrate(db);
    deps = {
      db,
      trustAnchors: createTrustStore([pki.root.pem, statusPki.rootPem]),
      crypto: nodeCrypto,
      requiredRoles: ["principal"],
    };
    // A first PGlite start takes over a minute on a loaded machine.
  }, 300_000);
  afterAll(() => dispose());
  beforeEach(async () => {
    await db.exec("TRUNCATE issuers, issuer_certificates, api_keys, audit_log, documents, batches CASCADE");
    await db.query(
      `INSERT INTO issuers (code, kind, name, required_roles) VALUES
         ($1, 'school', 'Trường THPT Lê Lợi', '{principal,organisation}'), ($2, 'school', 'Trường khác', NULL)`,
      [SCHOOL_CODE, OTHER_SCHOOL],
    );
    const register = (code: string, who: OpensslIdentity, role: string) =>
      db.query(
        `INSERT INTO issuer_certificates (issuer_code, fingerprint, certificate, subject, role, added_at)
         VALUES ($1, $2, $3, $4, $5, now() - interval '1 day')`,
        [code, who.fingerprint, der(who.pem), role, role],
      );
    await register(SCHOOL_CODE, pki.principal, "principal");
    await register(SCHOOL_CODE, pki.seal, "organisation");
    await register(OTHER_SCHOOL, revokedSigner, "principal");
    await register(OTHER_SCHOOL, goodSigner, "principal");
  });

  /** A PDF with `attachment` attached, signed by the principal and then the school's seal. */
  const signedWith = async (name: string, body: string, mimeType = "application/xml") =>
    signPdf(
      await signPdf(
        await unsignedPdf({ name, bytes: new TextEncoder().encode(body), mimeType }),
        pki.principal,
        pki.dir,
        "Phạm Văn Đức",
      ),
      pki.seal,
      pki.dir,
      "Trường THPT Lê Lợi",
    );

  it("keeps an attached transcript in hocba's XML form as it keeps the JSON one: validated, under its own id, structured", async () => {
    const pdf = await signedWith("hoc-ba.xml", transcriptXml(transcript));
    const result = await submitSignedPdf(deps, school, pdf);
    const { rows } = await db.query<{ id: string; document: unknown; structured: boolean }>(
      "SELECT id, document, structured FROM documents WHERE doc_hash = $1",
      [sha256(pdf)],
    );
    expect([result, rows]).toEqual([
      { ok: true, id: transcript.id, docHash: sha256(pdf), status: "pending", created: true },
      [{ id: transcript.id, document: transcript, structured: true }],
    ]);
  });

  it("refuses hocba's XML form breaking the JSON path's rules with XML_INVALID, listing every problem", async () => {
    const wrong = {
      ...transcript,
      years: [{ ...transcript.years[0]!, grade: 13 }, ...transcript.years.slice(1)],
    };
    const expected = validateDocument(wrong);
    const problems = expected.ok ? [] : expected.problems;
    expect(problems.length).toBeGreaterThan(0);
    const pdf = await signedWith("hoc-ba.xml", transcriptXml(wrong));
    expect(await rejectionOf(submitSignedPdf(deps, school, pdf))).toEqual({
      code: "XML_INVALID",
      message: `the attached transcript hoc-ba.xml: ${problems.length} problem(s), first ${problems[0]!.code} at ${problems[0]!.path}: ${problems[0]!.message}`,
      details: problems,
    });
  });

  it("refuses an attached XML that is not well-formed with XML_MALFORMED, and takes one of another vocabulary without structured data", async () => {
    const malformed = await signedWith("hoc-ba.xml", "<hocBa><hoTen>Nguyễn</hocBa>");
    expect(await rejectionOf(submitSignedPdf(deps, school, malformed))).toEqual({
      code: "XML_MALFORMED",
      message:
        "hoc-ba.xml is not well-formed XML: Expected closing tag 'hoTen' (opened in line 1, col 8) instead of closing tag 'hocBa'. (line 1, column 21)",
      details: { line: 1, column: 21 },
    });
    const other = await signedWith("hoc-ba.xml", "<hocBa><hoTen>Nguyễn Thị Ánh</hoTen></hocBa>");
    const accepted = await submitSignedPdf(deps, school, other);
    const { rows } = await db.query<{ structured: boolean; document: unknown }>(
      "SELECT structured, document FROM documents WHERE id = $1",
      [accepted.id],
    );
    expect(rows).toEqual([{ structured: false, document: {} }]);
  });

  it("keeps, per signature, the OCSP response and CRL obtained on submission beside the PDF, for its proof", async () => {
    const signed = await signPdf(unsigned, goodSigner, pki.dir, "Người ký good");
    const certStatus = httpStatusChecker("require", 3000);
    const accepted = await submitSignedPdf(
      { ...deps, certStatus },
      { issuerCode: OTHER_SCHOOL, actor: "test" },
      signed,
    );
    const { rows } = await db.query<{
      pdf_status_evidence: { signature: number; ocsp: string[]; crl: string[] }[];
    }>("SELECT pdf_status_evidence FROM documents WHERE id = $1", [accepted.id]);
    const [evidence] = rows.map((r) => r.pdf_status_evidence);
    const leaf = certificateInfo(statusPki.leaves.good.der, nodeCrypto, "SIGNATURE_MALFORMED");
    const intermediate = certificateInfo(statusPki.intermediate.der, nodeCrypto, "SIGNATURE_MALFORMED");
    const [rootCrlUrl] = statusLocations(intermediate).crl;
    const rootCrl = Buffer.from(await (await fetch(rootCrlUrl!)).arrayBuffer()).toString("base64");
    const ocsp = evidence?.[0]?.ocsp.map((b64) => Buffer.from(b64, "base64")) ?? [];
    const said = await Promise.all(
      ocsp.map(
        async (der) => (await verifyOcspEvidence(der, leaf, intermediate, keyRingFor(nodeCrypto)))?.state,
      ),
    );
    expect([evidence?.map((e) => ({ ...e, ocsp: e.ocsp.length })), said]).toEqual([
      [{ signature: 1, ocsp: 1, crl: [rootCrl] }],
      ["good"],
    ]);
  });

  it("accepts a PDF signed by the principal and the school's seal, keyed by the SHA-256 of the file, without structured data", async () => {
    const result = await submitSignedPdf(deps, school, twoSignatures);
    expect(result).toEqual({
      ok: true,
      id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
      docHash: sha256(twoSignatures),
      status: "pending",
      created: true,
    });
    const { rows } = await db.query<{
      type: string;
      issuer_code: string;
      document: unknown;
      pdf: Uint8Array;
      structured: boolean;
      signers: { signature: number; role: string; authorized: boolean }[];
    }>("SELECT type, issuer_code, document, pdf, structured, signers FROM documents WHERE id = $1", [
      result.id,
    ]);
    expect(
      rows.map((r) => ({
        ...r,
        pdf: sha256(r.pdf),
        signers: r.signers.map(({ signature, role, authorized }) => ({ signature, role, authorized })),
      })),
    ).toEqual([
      {
        type: "hocba.signed-pdf/v1",
        issuer_code: SCHOOL_CODE,
        document: {},
        pdf: sha256(twoSignatures),
        structured: false,
        signers: [
          { signature: 1, role: "principal", authorized: true },
          { signature: 2, role: "organisation", authorized: true },
        ],
      },
    ]);
  });

  it("answers the same file sent twice with the same id, not a second document", async () => {
    const first = await submitSignedPdf(deps, school, twoSignatures);
    const second = await submitSignedPdf(deps, school, twoSignatures);
    expect(second).toEqual({ ...first, created: false });
    const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM documents");
    expect(rows).toEqual([{ n: 1 }]);
  });

  it("keeps the attached hocba.transcript/v1, validated, under the transcript's own id", async () => {
    const result = await submitSignedPdf(deps, school, structured);
    expect(result).toEqual({
      ok: true,
      id: transcript.id,
      docHash: sha256(structured),
      status: "pending",
      created: true,
    });
    const { rows } = await db.query<{ document: { id: string; type: string }; structured: boolean }>(
      "SELECT document, structured FROM documents WHERE id = $1",
      [result.id],
    );
    expect(rows.map((r) => ({ id: r.document.id, type: r.document.type, structured: r.structured }))).toEqual(
      [{ id: transcript.id, type: "hocba.transcript/v1", structured: true }],
    );
  });

  it("refuses an attached transcript of another school", async () => {
    const other = await submitSignedPdf(
      deps,
      { issuerCode: null, actor: "admin" },
      structured,
      OTHER_SCHOOL,
    ).catch((error: unknown) => error);
    // Signed by the first school's signers: the other school's registry refuses them first.
    expect(await rejectionOf(Promise.reject(other as Error))).toMatchObject({
      code: "SIGNER_NOT_AUTHORIZED",
    });
  });

  it("names the missing role when only the principal signed and the school requires its seal too", async () => {
    expect(await rejectionOf(submitSignedPdf(deps, school, byPrincipal))).toEqual({
      code: "SIGNER_ROLE_MISSING",
      message: "no valid signature by an authorized signer in role(s) organisation",
      details: [
        {
          code: "SIGNER_ROLE_MISSING",
          message: "no valid signature by an authorized signer in role(s) organisation",
        },
      ],
    });
  });

  it("refuses a PDF with a page added after its signatures", async () => {
    const changed = appendUpdate(twoSignatures, [
      "<< /Type /Page /MediaBox [0 0 595 842] /Contents 1 0 R >>",
    ]);
    const refusal = await rejectionOf(submitSignedPdf(deps, school, changed));
    expect(refusal.code).toBe("PDF_MODIFIED_AFTER_SIGNING");
    expect(refusal.message).toMatch(
      /^the PDF was changed after its last signature: \d+ bytes added that are not validation data$/,
    );
  });

  it("refuses a PDF with one signed byte changed, naming the signature", async () => {
    const changed = twoSignatures.slice();
    const at = Buffer.from(changed).indexOf("/MediaBox") + 2;
    changed[at] = changed[at]! ^ 0x01;
    const refusal = await rejectionOf(submitSignedPdf(deps, school, changed));
    expect([refusal.code, refusal.message.slice(0, 13)]).toEqual(["DIGEST_MISMATCH", "signature 1: "]);
  });

  it("refuses a signature by a certificate not registered for the school, naming the signature", async () => {
    const byStranger = await signPdf(byPrincipal, pki.stranger, pki.dir, "Người lạ");
    const refusal = await rejectionOf(submitSignedPdf(deps, school, byStranger));
    expect([refusal.code, refusal.message.slice(0, 13)]).toEqual(["SIGNER_NOT_AUTHORIZED", "signature 2: "]);
  });

  it("refuses an unsigned PDF, a file that is not a PDF, and a school key naming another school", async () => {
    expect([
      await rejectionOf(submitSignedPdf(deps, school, unsigned)),
      await rejectionOf(submitSignedPdf(deps, school, new TextEncoder().encode("{}"))),
      await rejectionOf(submitSignedPdf(deps, school, twoSignatures, OTHER_SCHOOL)),
      await rejectionOf(submitSignedPdf(deps, { issuerCode: null, actor: "admin" }, twoSignatures)),
    ]).toEqual([
      {
        code: "PDF_NOT_SIGNED",
        message: "the PDF carries no signature",
        details: [{ code: "PDF_NOT_SIGNED", message: "the PDF carries no signature" }],
      },
      { code: "PDF_INVALID", message: "the file is not a PDF" },
      { code: "FORBIDDEN", message: `this API key belongs to ${SCHOOL_CODE}, not to school ${OTHER_SCHOOL}` },
      { code: "SCHEMA_INVALID", message: "the admin names the school a signed PDF is for (?school=<code>)" },
    ]);
  });

  it("refuses a PDF signed with a revoked certificate (OCSP), as a JSON submission is refused", async () => {
    await statusPki.revoke("revoked", new Date("2021-03-04T05:06:07Z"));
    const signed = await signPdf(unsigned, revokedSigner, pki.dir, "Bị thu hồi");
    const certStatus = httpStatusChecker("prefer", 3000);
    const refusal = await rejectionOf(
      submitSignedPdf({ ...deps, certStatus }, { issuerCode: OTHER_SCHOOL, actor: "test" }, signed),
    );
    expect([refusal.code, refusal.message]).toEqual([
      "CERT_REVOKED",
      expect.stringMatching(
        /^signature 1: ".+" was revoked at 2021-03-04T05:06:07\.000Z \(per OCSP responder ".+"\)$/,
      ) as unknown,
    ]);
    // Without the status check, the same PDF is accepted: the refusal is the certificate status.
    expect(await submitSignedPdf(deps, { issuerCode: OTHER_SCHOOL, actor: "test" }, signed)).toMatchObject({
      ok: true,
    });
  });
});
