/**
 * `GET /api/v1/transcripts/:id/pdf`: who may fetch it (as for /credential), 409 before anchoring,
 * and what is in it — the credential attached (it verifies), the text a person reads (Vietnamese
 * intact, the citizen ID masked), and a QR code that opens the verifier on a working share link.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../service/src/adapters/db/database";
import type { Transcript } from "../../service/src/core/documents";
import { loadPdfSeal } from "../../service/src/adapters/pdf/seal";
import { renderTranscriptPdf } from "../../service/src/adapters/pdf/transcript-pdf";
import { writeP12 } from "../../service/src/adapters/pki/p12";
import { httpTimestamper } from "../../service/src/adapters/pki/tsa-http";
import { extractCredentialFromPdf } from "../../service/src/core/pdf/extract";
import { CHECK_NAMES, type VerificationResult } from "../../service/src/core/verification";
import { SHARE_TOKEN_ID_HEADER } from "../../service/src/http/routes/transcripts";
import { apiKeyFor, settle, signedItem } from "../helpers/app";
import { allowSchoolSigner } from "../helpers/chain";
import { startBackendApp, type BackendApp } from "../helpers/backend-app";
import { databaseBackends } from "../helpers/databases";
import { makeTranscript } from "../helpers/fixtures";
import { pdfText, popplerAvailable, qrOnPage, pdfPages } from "../helpers/pdf";
import { deadTsaUrl } from "../helpers/tsa";
import { fingerprintOf, makeSchoolPki, SCHOOL_CODE, type SchoolPki } from "../helpers/pki";

const backends = await databaseBackends();
const poppler = popplerAvailable();
const dir = mkdtempSync(path.join(os.tmpdir(), "hocba-http-pdf-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OTHER_SCHOOL = "79000702";
const PUBLIC_URL = "https://hocba.sgd.example.vn";
let pki: SchoolPki;
beforeAll(async () => {
  pki = await makeSchoolPki("P-256");
});

let seed = 71_000;
function transcript(): Transcript {
  return makeTranscript({
    seed: seed++,
    school: { code: SCHOOL_CODE, name: "Trường THCS Nguyễn Du", province: "79", level: "THCS" },
  });
}

describe.each(backends)("the transcript PDF on $name", (backend) => {
  let db: Database;
  let t: BackendApp;
  let app: FastifyInstance;
  let otherKey: string;

  beforeAll(async () => {
    t = await startBackendApp(backend, dir, { pki });
    db = t.db;
    await allowSchoolSigner(t.chain, fingerprintOf(pki.principal));
    t.services.publicUrl = () => PUBLIC_URL;
    app = t.app;
    otherKey = await apiKeyFor(db, OTHER_SCHOOL);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  const auth = (key: string) => ({ authorization: `Bearer ${key}` });
  const reply = (res: LightMyRequestResponse) => [res.statusCode, res.json<unknown>()];
  const pdfOf = (res: LightMyRequestResponse) => new Uint8Array(res.rawPayload);

  async function submitted(document = transcript()): Promise<Transcript> {
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/transcripts",
      headers: auth(t.schoolKey),
      payload: await signedItem(pki, document),
    });
    expect(res.statusCode).toBe(202);
    return document;
  }

  async function anchored(): Promise<Transcript> {
    const document = await submitted();
    await settle(t.anchoring);
    return document;
  }

  const credentialOf = (id: string) =>
    app.inject({ method: "GET", url: `/api/v1/transcripts/${id}/credential`, headers: auth(t.schoolKey) });

  it("answers 409 NOT_ANCHORED_YET before the batch is confirmed, and makes no share token", async () => {
    const { id } = await submitted();
    const res = await app.inject({
      method: "GET",
      url: `/api/v1/transcripts/${id}/pdf`,
      headers: auth(t.schoolKey),
    });
    const tokens = await db.query("SELECT id FROM share_tokens WHERE document_id = $1", [id]);
    expect([reply(res), tokens.rows]).toEqual([
      [
        409,
        {
          error: {
            code: "NOT_ANCHORED_YET",
            message: `document ${id} is not anchored yet: try again after its batch is confirmed`,
          },
        },
      ],
      [],
    ]);
  });

  it("gives the school a PDF carrying the credential, which verifies, and a new audited share token", async () => {
    const document = await anchored();
    const res = await app.inject({
      method: "GET",
      url: `/api/v1/transcripts/${document.id}/pdf`,
      headers: auth(t.schoolKey),
    });
    const tokenId = res.headers[SHARE_TOKEN_ID_HEADER] as string;
    const credential = (await credentialOf(document.id)).json<unknown>();
    const extracted = await extractCredentialFromPdf(pdfOf(res));
    const verified = await app.inject({
      method: "POST",
      url: "/api/v1/verify",
      payload: extracted as object,
    });
    const stored = await db.query(
      "SELECT document_id, created_by, revoked_at FROM share_tokens WHERE id = $1",
      [tokenId],
    );
    const audit = await db.query(
      "SELECT action, details FROM audit_log WHERE subject = $1 AND action <> 'document.submitted' ORDER BY id",
      [document.id],
    );
    expect({
      status: res.statusCode,
      type: res.headers["content-type"],
      disposition: res.headers["content-disposition"],
      magic: res.rawPayload.subarray(0, 5).toString("latin1"),
      tokenId,
      extracted,
      verdict: verified.json<VerificationResult>().checks.map((c) => `${c.name}: ${c.status}`),
      stored: stored.rows,
      audit: audit.rows,
    }).toEqual({
      status: 200,
      type: "application/pdf",
      disposition: `inline; filename="${document.id}.pdf"`,
      magic: "%PDF-",
      tokenId: expect.stringMatching(/^[0-9a-f]{16}$/) as unknown,
      extracted: credential,
      verdict: CHECK_NAMES.map((name) => `${name}: valid`),
      stored: [
        {
          document_id: document.id,
          created_by: expect.stringMatching(/^issuer:79000701:/) as unknown,
          revoked_at: null,
        },
      ],
      audit: [
        { action: "document.read", details: { view: "credential" } },
        { action: "share_token.created", details: { tokenId } },
        { action: "document.read", details: { view: "credential" } },
      ],
    });
  });

  it.runIf(poppler)(
    "prints the transcript in Vietnamese with the citizen ID masked, and a QR code to the verifier on the PDF's own share link",
    async () => {
      const document = await anchored();
      const res = await app.inject({
        method: "GET",
        url: `/api/v1/transcripts/${document.id}/pdf`,
        headers: auth(t.schoolKey),
      });
      const pdf = pdfOf(res);
      const text = pdfText(pdf);
      const pages = pdfPages(pdf);
      const link = qrOnPage(pdf, pages);
      const fragment = new URLSearchParams(new URL(link ?? PUBLIC_URL).hash.slice(1));
      const credentialUrl = new URL(fragment.get("credential") ?? PUBLIC_URL);
      const token = credentialUrl.searchParams.get("token") ?? "";
      const opened = await app.inject({
        method: "GET",
        url: credentialUrl.pathname + credentialUrl.search,
        remoteAddress: "10.1.0.1",
      });
      const tokenRow = await db.query("SELECT id FROM share_tokens WHERE document_id = $1", [document.id]);
      const { student, years } = document;
      expect({
        link: link?.startsWith(`${PUBLIC_URL}/#credential=`),
        credentialUrl: `${credentialUrl.origin}${credentialUrl.pathname}`,
        opened: opened.statusCode,
        tokenIds: tokenRow.rows.map((r) => r.id as string),
        printed: [
          text.includes("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
          text.includes("Độc lập - Tự do - Hạnh phúc"),
          text.includes("HỌC BẠ"),
          text.includes(student.fullName.toUpperCase()),
          text.includes(`•••••••••${student.citizenId.slice(-3)}`),
          text.includes(student.citizenId),
          text.includes("Dân tộc"),
          years.every((y) => text.includes(`Năm học ${y.schoolYear.replace("-", " - ")}`)),
          years.every((y) => text.includes(y.homeroomTeacher)),
          text.includes(`${document.id}.hocba.json`),
        ],
      }).toEqual({
        link: true,
        credentialUrl: `${PUBLIC_URL}/api/v1/transcripts/${document.id}/credential`,
        opened: 200,
        tokenIds: [res.headers[SHARE_TOKEN_ID_HEADER]],
        printed: [true, true, true, true, true, false, false, true, true, true],
      });
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    },
  );

  it.runIf(poppler)(
    "uses the caller's share token for the QR code, makes none of its own, and stops with the token",
    async () => {
      const document = await anchored();
      const share = (
        await app.inject({
          method: "POST",
          url: `/api/v1/transcripts/${document.id}/share`,
          headers: auth(t.schoolKey),
        })
      ).json<{ tokenId: string; token: string }>();
      const url = `/api/v1/transcripts/${document.id}/pdf?token=${share.token}`;
      const res = await app.inject({ method: "GET", url, remoteAddress: "10.1.0.2" });
      const pdf = pdfOf(res);
      const link = qrOnPage(pdf, pdfPages(pdf));
      const tokens = await db.query("SELECT id FROM share_tokens WHERE document_id = $1", [document.id]);
      await app.inject({
        method: "DELETE",
        url: `/api/v1/transcripts/${document.id}/share/${share.tokenId}`,
        headers: auth(t.schoolKey),
      });
      const afterRevoke = await app.inject({ method: "GET", url, remoteAddress: "10.1.0.2" });
      expect({
        status: res.statusCode,
        header: res.headers[SHARE_TOKEN_ID_HEADER],
        link,
        tokens: tokens.rows,
        afterRevoke: reply(afterRevoke),
      }).toEqual({
        status: 200,
        header: undefined,
        link:
          `${PUBLIC_URL}/#credential=` +
          encodeURIComponent(
            `${PUBLIC_URL}/api/v1/transcripts/${document.id}/credential?token=${share.token}`,
          ),
        tokens: [{ id: share.tokenId }],
        afterRevoke: [404, { error: { code: "NOT_FOUND", message: `no document ${document.id}` } }],
      });
    },
  );

  it("lets the admin fetch it, answers 401 without a key or token, and 404 to another school or for an unknown token", async () => {
    const { id } = await anchored();
    const url = `/api/v1/transcripts/${id}/pdf`;
    const adminRes = await app.inject({ method: "GET", url, headers: auth(t.adminToken) });
    const none = await app.inject({ method: "GET", url });
    const other = await app.inject({ method: "GET", url, headers: auth(otherKey) });
    const unknown = await app.inject({
      method: "GET",
      url: `${url}?token=${"C".repeat(43)}`,
      remoteAddress: "10.1.0.3",
    });
    const notFound = [404, { error: { code: "NOT_FOUND", message: `no document ${id}` } }];
    expect([
      adminRes.statusCode,
      adminRes.headers["content-type"],
      none.statusCode,
      reply(other),
      reply(unknown),
    ]).toEqual([200, "application/pdf", 401, notFound, notFound]);
  });

  it("answers 503 PDF_TIMESTAMP_UNAVAILABLE when the seal's timestamp authority gives no timestamp, and revokes the share token made for it", async () => {
    const document = await anchored();
    const seal = await loadPdfSeal(
      writeP12({
        privateKeyPkcs8: Buffer.from(
          pki.homeroom.privateKeyPkcs8Pem.replace(/-----[^-]+-----|\s/g, ""),
          "base64",
        ),
        certificates: [pki.homeroom.certificate, pki.intermediate.certificate],
        password: "p",
      }),
      "p",
      httpTimestamper(await deadTsaUrl()),
    );
    const render = t.services.renderPdf;
    t.services.renderPdf = (credential, links) => renderTranscriptPdf(credential, { ...links, seal });
    let res: LightMyRequestResponse;
    try {
      res = await app.inject({
        method: "GET",
        url: `/api/v1/transcripts/${document.id}/pdf`,
        headers: auth(t.schoolKey),
      });
    } finally {
      t.services.renderPdf = render;
    }
    const tokens = await db.query(
      "SELECT revoked_at IS NOT NULL AS revoked FROM share_tokens WHERE document_id = $1",
      [document.id],
    );
    const audit = await db.query(
      "SELECT action FROM audit_log WHERE subject = $1 AND action LIKE 'share_token.%' ORDER BY id",
      [document.id],
    );
    expect([reply(res), res.headers[SHARE_TOKEN_ID_HEADER], tokens.rows, audit.rows]).toEqual([
      [
        503,
        {
          error: {
            code: "PDF_TIMESTAMP_UNAVAILABLE",
            message:
              "the printable PDF cannot be sealed now: its timestamp authority gave no timestamp (TSA_UNAVAILABLE); try again later — the credential file (…/credential) is available meanwhile",
          },
        },
      ],
      undefined,
      [{ revoked: true }],
      [{ action: "share_token.created" }, { action: "share_token.revoked" }],
    ]);
  });
});
