/**
 * Signed PDFs end to end through the API and the command line (issue 17 items 1, 3, 4, 6): a PDF
 * signed outside hocba's code (OpenSSL PKI the project never saw, principal then the school's
 * seal) is submitted, anchored on a real chain (anvil), its `hocba/pdf-1` proof found by the
 * file's SHA-256, and verified by sending the PDF alone or with its proof — with the byte-changed,
 * page-appended and never-anchored PDFs each not valid, saying why. `pdfsig` (poppler) agrees.
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { submitPdf } from "../../service/src/cli/commands/submit-pdf";
import { verify } from "../../service/src/cli/commands/verify";
import { CHECK_NAMES, type PdfProof, type VerificationResult } from "../../service/src/core/verification";
import { settle } from "../helpers/app";
import { captureIo } from "../helpers/cli";
import { tempDir } from "../helpers/files";
import { pdfsig, pdfsigAvailable } from "../helpers/pdf";
import { SCHOOL_CODE } from "../helpers/pki";
import { startSignedPdfApp, submitSignedPdf, type SignedPdfApp } from "../helpers/signed-pdf-app";

const tmp = tempDir("signed-pdfs");
let s: SignedPdfApp;
beforeAll(async () => {
  s = await startSignedPdfApp("signed-pdfs-api");
}, 120_000);
afterAll(async () => {
  await s?.dispose();
  tmp.dispose();
});

const sha256 = (bytes: Uint8Array) => "0x" + createHash("sha256").update(bytes).digest("hex");
const reply = (res: LightMyRequestResponse) => [res.statusCode, res.json<unknown>()];

const submit = (pdf: Uint8Array, key: string | null = s.api.schoolKey) => submitSignedPdf(s.api, pdf, key);

async function verifyPdf(pdf: Uint8Array, proof?: unknown): Promise<VerificationResult> {
  const res = await s.api.app.inject({
    method: "POST",
    url: "/api/v1/verify",
    headers: {
      "content-type": "application/pdf",
      ...(proof === undefined
        ? {}
        : { "hocba-pdf-proof": Buffer.from(JSON.stringify(proof)).toString("base64") }),
    },
    payload: Buffer.from(pdf),
  });
  expect(res.statusCode).toBe(200);
  return res.json<VerificationResult>();
}

/** Each check as "name status", and the message of the ones not valid. */
function summary(result: VerificationResult) {
  return {
    verdict: result.verdict,
    checks: result.checks.map((c) =>
      c.status === "valid" ? `${c.name} valid` : `${c.name} ${c.status}: ${c.message}`,
    ),
  };
}

describe("a PDF the school signed, through the API", () => {
  let id: string;
  let proof: PdfProof;

  it("refuses a submission without the school's key before reading the PDF", async () => {
    expect(reply(await submit(s.pdfs.twoSignatures, null))[0]).toBe(401);
  });

  it("accepts the two-signature PDF with 202 {id, docHash, status}, and the same file again with 200 and the same id", async () => {
    const first = await submit(s.pdfs.twoSignatures);
    id = first.json<{ id: string }>().id;
    expect(reply(first)).toEqual([202, { id, docHash: sha256(s.pdfs.twoSignatures), status: "pending" }]);
    expect(reply(await submit(s.pdfs.twoSignatures))).toEqual([
      200,
      { id, docHash: sha256(s.pdfs.twoSignatures), status: "pending" },
    ]);
  });

  it("refuses the PDF signed by the principal alone (the seal is required) and the page-appended one, saying why", async () => {
    expect(reply(await submit(s.pdfs.byPrincipal))).toEqual([
      422,
      {
        error: {
          code: "SIGNER_ROLE_MISSING",
          message: "no valid signature by an authorized signer in role(s) organisation",
          details: [
            {
              code: "SIGNER_ROLE_MISSING",
              message: "no valid signature by an authorized signer in role(s) organisation",
            },
          ],
        },
      },
    ]);
    const appended = await submit(s.pdfs.pageAppended);
    expect([appended.statusCode, appended.json<{ error: { code: string } }>().error.code]).toEqual([
      422,
      "PDF_MODIFIED_AFTER_SIGNING",
    ]);
    expect(reply(await submit(new TextEncoder().encode("not a pdf")))).toEqual([
      400,
      { error: { code: "PDF_INVALID", message: "the file is not a PDF" } },
    ]);
  });

  it("answers 409 NOT_ANCHORED_YET for the proof until the batch is confirmed, and the PDF alone is then not valid as not anchored yet", async () => {
    const hash = sha256(s.pdfs.twoSignatures);
    expect(reply(await s.api.app.inject({ method: "GET", url: `/api/v1/pdf-proofs/${hash}` }))).toEqual([
      409,
      {
        error: {
          code: "NOT_ANCHORED_YET",
          message: `the signed PDF with hash ${hash} is not anchored yet: try again after its batch is confirmed`,
        },
      },
    ]);
    const result = summary(await verifyPdf(s.pdfs.twoSignatures));
    expect(result.verdict).toBe("invalid");
    expect(result.checks.slice(4, 6)).toEqual([
      `inclusion invalid: this PDF was never anchored: the signed PDF with hash ${hash} is not anchored yet: try again after its batch is confirmed`,
      `anchored invalid: this PDF was never anchored: the signed PDF with hash ${hash} is not anchored yet: try again after its batch is confirmed`,
    ]);
  });

  it("gives the hocba/pdf-1 proof by the PDF's SHA-256 once anchored, to anyone, with nothing personal", async () => {
    await settle(s.api.anchoring);
    const hash = sha256(s.pdfs.twoSignatures);
    const res = await s.api.app.inject({ method: "GET", url: `/api/v1/pdf-proofs/${hash}` });
    proof = res.json<PdfProof>();
    expect([res.statusCode, proof]).toEqual([
      200,
      {
        format: "hocba/pdf-1",
        documentId: id,
        issuerCode: SCHOOL_CODE,
        docHash: hash,
        structured: false,
        anchor: {
          chainId: s.api.services.chain.chainId,
          registry: s.api.services.chain.registry,
          merkleRoot: expect.stringMatching(/^0x[0-9a-f]{64}$/) as unknown,
          leaf: expect.stringMatching(/^0x[0-9a-f]{64}$/) as unknown,
          proof: expect.any(Array) as unknown,
          txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) as unknown,
          blockNumber: expect.any(Number) as unknown,
          anchoredAt: expect.any(String) as unknown,
        },
      },
    ]);
    expect(res.headers["x-ratelimit-limit"]).toBeDefined();
    expect(
      reply(
        await s.api.app.inject({ method: "GET", url: `/api/v1/pdf-proofs/${sha256(s.pdfs.byPrincipal)}` }),
      ),
    ).toEqual([
      404,
      {
        error: {
          code: "NOT_FOUND",
          message: `hocba knows no signed PDF with hash ${sha256(s.pdfs.byPrincipal)}`,
        },
      },
    ]);
  });

  it("verifies the PDF sent alone (proof found by hash) and with its proof: valid, both signers named by role", async () => {
    for (const result of [
      await verifyPdf(s.pdfs.twoSignatures),
      await verifyPdf(s.pdfs.twoSignatures, proof),
    ]) {
      expect(summary(result)).toEqual({
        verdict: "valid",
        checks: CHECK_NAMES.map((name) => `${name} valid`),
      });
      const signers = result.checks.find((c) => c.name === "signer")!.data!.signers as Record<
        string,
        unknown
      >[];
      expect(
        signers.map(({ signature, role, name, organisation, authorized }) => ({
          signature,
          role,
          name,
          organisation,
          authorized,
        })),
      ).toEqual([
        {
          signature: 1,
          role: "principal",
          name: "Phạm Văn Đức",
          organisation: "Trường THPT Lê Lợi",
          authorized: true,
        },
        {
          signature: 2,
          role: "organisation",
          name: "Trường THPT Lê Lợi",
          organisation: "Trường THPT Lê Lợi",
          authorized: true,
        },
      ]);
    }
    if (pdfsigAvailable())
      expect(pdfsig(s.pdfs.twoSignatures).map((sig) => sig.validation)).toEqual([
        "Signature is Valid.",
        "Signature is Valid.",
      ]);
  });

  it("says the byte-changed PDF was changed after signing, alone or with the proof of the original", async () => {
    const alone = summary(await verifyPdf(s.pdfs.byteChanged));
    expect(alone.verdict).toBe("invalid");
    expect(alone.checks[1]).toMatch(
      /^integrity invalid: the PDF was changed after it was signed: signature 1: /,
    );
    expect(alone.checks[4]).toBe(
      `inclusion invalid: this PDF was never anchored: hocba knows no signed PDF with hash ${sha256(s.pdfs.byteChanged)}`,
    );
    const withProof = summary(await verifyPdf(s.pdfs.byteChanged, proof));
    expect([withProof.verdict, withProof.checks[1]?.slice(0, 58)]).toEqual([
      "invalid",
      "integrity invalid: the PDF was changed after it was signed",
    ]);
    if (pdfsigAvailable())
      expect(pdfsig(s.pdfs.byteChanged).map((sig) => sig.validation)).not.toContain("Signature is Valid.");
  });

  it("says the page-appended PDF was changed after its last signature", async () => {
    const result = summary(await verifyPdf(s.pdfs.pageAppended, proof));
    expect(result.verdict).toBe("invalid");
    expect(result.checks[1]).toMatch(
      /^integrity invalid: the PDF was changed after it was signed: the PDF was changed after its last signature: \d+ bytes added that are not validation data$/,
    );
  });

  it("says plainly that a PDF the service never took was never anchored", async () => {
    const result = summary(await verifyPdf(s.pdfs.byPrincipal));
    expect(result).toEqual({
      verdict: "invalid",
      checks: [
        "format valid",
        "integrity valid",
        "signature valid",
        "signer valid",
        `inclusion invalid: this PDF was never anchored: hocba knows no signed PDF with hash ${sha256(s.pdfs.byPrincipal)}`,
        `anchored invalid: this PDF was never anchored: hocba knows no signed PDF with hash ${sha256(s.pdfs.byPrincipal)}`,
        "revocation skipped: not checked: no anchoring to look revocations up by",
        "supersession skipped: not checked: no document id to look corrections up by",
      ],
    });
  });
});

describe("hocba submit-pdf and hocba verify with a PDF", () => {
  it("submits a PDF and prints its id, docHash and status; verify --api checks it alone and offline with --proof", async () => {
    const pdf = tmp.path("other.pdf");
    // A second school document: the principal and the seal sign another one-page PDF.
    const { signPdf, unsignedPdf } = await import("../helpers/signed-pdf");
    const bytes = await signPdf(
      await signPdf(
        await unsignedPdf({ name: "note.txt", bytes: new Uint8Array([1]), mimeType: "text/plain" }),
        s.pki.principal,
        s.pki.dir,
        "Phạm Văn Đức",
      ),
      s.pki.seal,
      s.pki.dir,
      "Trường THPT Lê Lợi",
    );
    writeFileSync(pdf, bytes);
    const io = captureIo({ HOCBA_API_URL: s.api.url, HOCBA_API_KEY: s.api.schoolKey });
    expect(await submitPdf([pdf], io)).toBe(0);
    expect(io.stdoutText()).toMatch(new RegExp(`^${pdf}\\t[0-9a-f-]{36}\\t${sha256(bytes)}\\tpending\\n$`));
    await settle(s.api.anchoring);

    const viaApi = captureIo({ HOCBA_API_URL: s.api.url });
    expect(await verify([pdf], viaApi)).toBe(0);
    expect(viaApi.stdoutText()).toContain(
      "signed by principal: Phạm Văn Đức (Trường THPT Lê Lợi)\nsigned by organisation: Trường THPT Lê Lợi (Trường THPT Lê Lợi)\nresult: VALID\n",
    );

    const proofFile = tmp.path("other.proof.json");
    const proofRes = await s.api.app.inject({ method: "GET", url: `/api/v1/pdf-proofs/${sha256(bytes)}` });
    writeFileSync(proofFile, proofRes.body);
    const trust = tmp.path("trust");
    (await import("node:fs")).mkdirSync(trust);
    writeFileSync(`${trust}/root.pem`, s.pki.root.pem);
    const offline = captureIo({});
    expect(await verify([pdf, "--proof", proofFile, "--trust", trust], offline)).toBe(0);
    expect(offline.stdoutText()).toMatch(
      /^format +VALID +a PDF with 2 signature\(s\) and its hocba\/pdf-1 proof/,
    );

    const changed = tmp.path("changed.pdf");
    const { withByteChanged } = await import("../helpers/signed-pdf-app");
    writeFileSync(changed, withByteChanged(bytes));
    const bad = captureIo({});
    expect(await verify([changed, "--proof", proofFile, "--trust", trust], bad)).toBe(1);
    expect(bad.stdoutText()).toMatch(/integrity +INVALID +the PDF was changed after it was signed/);
  });
});

describe("a signed PDF its school revoked", () => {
  it("reports a revoked signed PDF as revoked", async () => {
    const revoke = await s.api.app.inject({
      method: "POST",
      url: `/api/v1/transcripts/${await idOf(s.pdfs.twoSignatures)}/revoke`,
      headers: { authorization: `Bearer ${s.api.schoolKey}` },
      payload: { reason: "cấp nhầm" },
    });
    expect(revoke.statusCode).toBe(202);
    const result = await verifyPdf(s.pdfs.twoSignatures);
    expect([result.verdict, result.checks[6]?.status, result.checks[6]?.message]).toEqual([
      "revoked",
      "invalid",
      expect.stringMatching(
        /^the document was revoked by its issuer at .+; the on-chain write is pending$/,
      ) as unknown,
    ]);
  });
});

async function idOf(pdf: Uint8Array): Promise<string> {
  const { rows } = await s.api.db.query<{ id: string }>("SELECT id FROM documents WHERE doc_hash = $1", [
    sha256(pdf),
  ]);
  return rows[0]!.id;
}
