/**
 * The signatures of PDFs signed outside hocba (OpenSSL keys and CMS, placed by @signpdf), found and
 * verified by core/pdf/signatures.ts — and poppler's `pdfsig` judging the same files, so that a PDF
 * pdfsig calls valid and wholly signed verifies in hocba and one it calls broken does not.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTrustStore } from "../../../service/src/core/pki";
import {
  findPdfSignatures,
  parsePdfDate,
  verifyPdfSignatures,
} from "../../../service/src/core/pdf/signatures";
import { pdfsig, pdfsigAvailable } from "../../helpers/pdf";
import { registryOf, SCHOOL_CODE } from "../../helpers/pki";
import {
  appendUpdate,
  makeOpensslPdfPki,
  signPdf,
  unsignedPdf,
  type OpensslPdfPki,
} from "../../helpers/signed-pdf";

const hasPdfsig = pdfsigAvailable();
let pki: OpensslPdfPki;
let unsigned: Uint8Array;
let oneSignature: Uint8Array;
let twoSignatures: Uint8Array;

beforeAll(async () => {
  pki = makeOpensslPdfPki();
  unsigned = await unsignedPdf();
  oneSignature = await signPdf(unsigned, pki.principal, pki.dir, "Phạm Văn Đức");
  twoSignatures = await signPdf(oneSignature, pki.seal, pki.dir, "Trường THPT Lê Lợi");
});

afterAll(() => pki.dispose());

function contextOf(requiredRoles = ["principal", "organisation"]) {
  return {
    trustAnchors: createTrustStore([pki.root.pem]),
    authorization: {
      issuerCode: SCHOOL_CODE,
      lookup: registryOf({
        [pki.principal.fingerprint]: "principal",
        [pki.seal.fingerprint]: "organisation",
      }),
    },
    requiredRoles,
  };
}

/** What matters of a verification: ok, each signature's problem and coverage, the file's problems, the roles. */
async function outcome(pdf: Uint8Array, requiredRoles?: string[]) {
  const result = await verifyPdfSignatures(pdf, contextOf(requiredRoles));
  return {
    ok: result.ok,
    signatures: result.signatures.map((s) => ({
      subFilter: s.subFilter,
      coversWholeFile: s.coversWholeFile,
      problem: s.problem?.code,
      signers: s.report?.signers.map((signer) => ({ role: signer.role, authorized: signer.authorized })),
    })),
    problems: result.problems.map((p) => p.code),
    roles: result.roles,
  };
}

function flipAt(pdf: Uint8Array, at: number): Uint8Array {
  const copy = pdf.slice();
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

describe("signatures of a PDF signed outside hocba", () => {
  it("reads PDF dates with and without a time zone", () => {
    expect(
      ["D:20261207140943Z", "D:20261207210943+07'00'", "D:20261207", "nonsense"].map((d) =>
        parsePdfDate(d)?.toISOString(),
      ),
    ).toEqual([
      "2026-12-07T14:09:43.000Z",
      "2026-12-07T14:09:43.000Z",
      "2026-12-07T00:00:00.000Z",
      undefined,
    ]);
  });

  it("verifies one signature by the principal, over the whole file", async () => {
    expect(await outcome(oneSignature, ["principal"])).toEqual({
      ok: true,
      signatures: [
        {
          subFilter: "ETSI.CAdES.detached",
          coversWholeFile: true,
          problem: undefined,
          signers: [{ role: "principal", authorized: true }],
        },
      ],
      problems: [],
      roles: ["principal"],
    });
    if (hasPdfsig)
      expect(pdfsig(oneSignature)).toEqual([
        {
          type: "ETSI.CAdES.detached",
          signer: "Phạm Văn Đức",
          totalDocumentSigned: true,
          validation: "Signature is Valid.",
        },
      ]);
  });

  it("verifies two signatures, principal then the school's seal in an incremental update, covering both roles", async () => {
    expect(await outcome(twoSignatures)).toEqual({
      ok: true,
      signatures: [
        {
          subFilter: "ETSI.CAdES.detached",
          coversWholeFile: false,
          problem: undefined,
          signers: [{ role: "principal", authorized: true }],
        },
        {
          subFilter: "ETSI.CAdES.detached",
          coversWholeFile: true,
          problem: undefined,
          signers: [{ role: "organisation", authorized: true }],
        },
      ],
      problems: [],
      roles: ["principal", "organisation"],
    });
    if (hasPdfsig)
      expect(pdfsig(twoSignatures).map((s) => [s.signer, s.validation])).toEqual([
        ["Phạm Văn Đức", "Signature is Valid."],
        ["Trường THPT Lê Lợi", "Signature is Valid."],
      ]);
  });

  it("names the missing role when only the principal signed and the school's seal is required", async () => {
    expect((await outcome(oneSignature)).problems).toEqual(["SIGNER_ROLE_MISSING"]);
  });

  it("refuses a PDF with a page added after signing, as pdfsig says it is not wholly signed", async () => {
    const changed = appendUpdate(oneSignature, ["<< /Type /Page /MediaBox [0 0 595 842] /Contents 1 0 R >>"]);
    expect(await outcome(changed, ["principal"])).toEqual({
      ok: false,
      signatures: [
        {
          subFilter: "ETSI.CAdES.detached",
          coversWholeFile: false,
          problem: undefined,
          signers: [{ role: "principal", authorized: true }],
        },
      ],
      problems: ["PDF_MODIFIED_AFTER_SIGNING"],
      roles: ["principal"],
    });
    if (hasPdfsig) expect(pdfsig(changed).map((s) => s.totalDocumentSigned)).toEqual([false]);
  });

  it("accepts validation data (a DSS) added after the last signature", async () => {
    const withDss = appendUpdate(oneSignature, ["<< /Type /DSS /Certs [] /OCSPs [] /CRLs [] >>"]);
    expect((await outcome(withDss, ["principal"])).ok).toBe(true);
  });

  it("refuses a PDF with one signed byte changed, as pdfsig does", async () => {
    const [, , offset2] = findPdfSignatures(oneSignature)[0]!.signature.byteRange;
    const changed = flipAt(oneSignature, offset2 + 40);
    expect(await outcome(changed, ["principal"])).toEqual({
      ok: false,
      signatures: [
        {
          subFilter: "ETSI.CAdES.detached",
          coversWholeFile: true,
          problem: "DIGEST_MISMATCH",
          signers: [{ role: "principal", authorized: true }],
        },
      ],
      problems: ["SIGNER_ROLE_MISSING"],
      roles: [],
    });
    if (hasPdfsig) expect(pdfsig(changed).map((s) => s.validation)).not.toEqual(["Signature is Valid."]);
  });

  it("refuses a signature by a certificate not registered for the school", async () => {
    const strangers = await signPdf(unsigned, pki.stranger, pki.dir, "Người lạ");
    const result = await verifyPdfSignatures(strangers, contextOf(["principal"]));
    expect([result.ok, result.signatures.map((s) => s.problem), result.problems.map((p) => p.code)]).toEqual([
      false,
      [
        {
          code: "SIGNER_NOT_AUTHORIZED",
          message: `signature 1: certificate ${pki.stranger.fingerprint} is not authorized to sign for ${SCHOOL_CODE}`,
        },
      ],
      ["SIGNER_ROLE_MISSING"],
    ]);
  });

  it("says PDF_NOT_SIGNED for a PDF without signatures and PDF_INVALID for bytes that are not a PDF", async () => {
    const notPdf: unknown = await verifyPdfSignatures(new TextEncoder().encode("hello"), contextOf()).catch(
      (error: unknown) => (error as { code?: string }).code,
    );
    expect([(await verifyPdfSignatures(unsigned, contextOf())).problems, notPdf]).toEqual([
      [{ code: "PDF_NOT_SIGNED", message: "the PDF carries no signature" }],
      "PDF_INVALID",
    ]);
  });

  it("refuses a byte range that does not leave out exactly /Contents", () => {
    const text = Buffer.from(oneSignature).toString("latin1");
    const match = /\/ByteRange\s*\[\s*0\s+(\d+)/.exec(text)!;
    const wrong = String(Number(match[1]) - 1).padStart(match[1]!.length, "0");
    const edited = new Uint8Array(
      Buffer.from(
        text.slice(0, match.index) +
          match[0].replace(match[1]!, wrong) +
          text.slice(match.index + match[0].length),
        "latin1",
      ),
    );
    expect(findPdfSignatures(edited).map((f) => f.problem)).toEqual([
      {
        code: "PDF_SIGNATURE_INVALID",
        message: "signature 1: its byte range does not leave out exactly the /Contents hex string",
      },
    ]);
  });
});
