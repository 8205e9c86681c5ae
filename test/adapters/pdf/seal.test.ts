/**
 * The operator's PAdES seal on the printable PDF, judged by tools that are not hocba's: poppler's
 * `pdfsig` (valid, whole document signed), OpenSSL (the CMS verifies over the signed byte ranges and
 * carries the PAdES signed attributes), and pdftotext (the conversion block). The seal comes from a
 * .p12 made by OpenSSL. With a TSA (PDF_SEAL_TSA_URL, PAdES B-T) the seal's signature timestamp
 * comes from OpenSSL's own `openssl ts -reply` (test/helpers/tsa.ts) and `openssl ts -verify`
 * accepts it; a TSA that gives none fails the seal with PDF_TIMESTAMP_UNAVAILABLE.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPdfSeal, type PdfSeal } from "../../../service/src/adapters/pdf/seal";
import { httpTimestamper } from "../../../service/src/adapters/pki/tsa-http";
import { renderTranscriptPdf, type PdfCredential } from "../../../service/src/adapters/pdf/transcript-pdf";
import { docHash } from "../../../service/src/core/documents/hash";
import { isHocbaError } from "../../../service/src/core/errors";
import { extractCredentialFromPdf } from "../../../service/src/core/pdf/extract";
import { verifyPdfSignatures } from "../../../service/src/core/pdf/signatures";
import { createTrustStore } from "../../../service/src/core/pki";
import { parseDetachedSignedData } from "../../../service/src/core/pki/cms";
import { openssl, tempDir } from "../../helpers/files";
import { makeTranscript } from "../../helpers/fixtures";
import { pdfText, pdfsig, pdfsigAvailable, popplerAvailable } from "../../helpers/pdf";
import { deadTsaUrl, startTsa, type TestTsa } from "../../helpers/tsa";

const poppler = popplerAvailable() && pdfsigAvailable();
const tmp = tempDir("seal");
const OPTIONS = { verifierLink: "https://hocba.example.vn/#x", verifierPage: "https://hocba.example.vn/" };
const AT = new Date("2026-03-04T05:06:07.000Z");

function credentialOf(document: unknown): PdfCredential {
  return {
    format: "hocba/1",
    document,
    signature: "MAA=",
    anchor: {
      chainId: 31337,
      registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      merkleRoot: `0x${"ab".repeat(32)}`,
      leaf: `0x${"cd".repeat(32)}`,
      proof: [`0x${"01".repeat(32)}`],
      txHash: `0x${"ef".repeat(32)}`,
      blockNumber: 12,
      anchoredAt: "2024-06-05T01:02:03.000Z",
    },
  };
}

/** The [offset, length] pairs of the last /ByteRange of a PDF. */
function byteRangeOf(pdf: Uint8Array): number[] {
  const text = Buffer.from(pdf).toString("latin1");
  const all = [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)];
  return all.at(-1)!.slice(1).map(Number);
}

/** Writes the seal's CMS (DER, without the /Contents padding) and the signed bytes to files. */
function sealFiles(sealed: Uint8Array, name: string): { cms: string; content: string } {
  const [, length1, offset2, length2] = byteRangeOf(sealed) as [number, number, number, number];
  const hex = Buffer.from(sealed.subarray(length1 + 1, offset2 - 1)).toString("latin1");
  const der = Buffer.from(hex, "hex");
  return {
    cms: tmp.write(`${name}.cms`, der.subarray(0, 2 + (der[1]! & 0x7f) + der.readUIntBE(2, der[1]! & 0x7f))),
    content: tmp.write(
      `${name}.bin`,
      Buffer.concat([sealed.subarray(0, length1), sealed.subarray(offset2, offset2 + length2)]),
    ),
  };
}

let seal: PdfSeal;
let credential: PdfCredential;
let pdf: Uint8Array;

beforeAll(async () => {
  openssl(
    ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
    ...["-keyout", tmp.path("root.key"), "-out", tmp.path("root.crt"), "-days", "30", "-utf8"],
    ...["-subj", "/C=VN/CN=Root CA thử nghiệm"],
  );
  openssl(
    ...["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
    ...["-keyout", tmp.path("seal.key"), "-out", tmp.path("seal.csr"), "-utf8"],
    ...["-subj", "/C=VN/O=Sở GDĐT Thử nghiệm/CN=Dấu chuyển đổi PDF"],
  );
  openssl(
    ...[
      "x509",
      "-req",
      "-in",
      tmp.path("seal.csr"),
      "-CA",
      tmp.path("root.crt"),
      "-CAkey",
      tmp.path("root.key"),
    ],
    ...["-CAcreateserial", "-out", tmp.path("seal.crt"), "-days", "30"],
  );
  openssl(
    ...["pkcs12", "-export", "-inkey", tmp.path("seal.key"), "-in", tmp.path("seal.crt")],
    ...["-certfile", tmp.path("root.crt"), "-out", tmp.path("seal.p12"), "-passout", "pass:mật khẩu"],
  );
  seal = await loadPdfSeal(readFileSync(tmp.path("seal.p12")), "mật khẩu");
  credential = credentialOf(makeTranscript({ seed: 11 }));
  pdf = await renderTranscriptPdf(credential, { ...OPTIONS, printedAt: AT, seal });
});

afterAll(() => tmp.dispose());

describe("the sealed printable PDF", () => {
  it("names the converter by the seal certificate's organisation and common name", () => {
    expect(seal.converter).toBe("Sở GDĐT Thử nghiệm — Dấu chuyển đổi PDF");
  });

  it.skipIf(!poppler)("is reported by pdfsig as validly signed over the whole document (PAdES)", () => {
    expect(pdfsig(pdf)).toEqual([
      {
        type: "ETSI.CAdES.detached",
        signer: "Dấu chuyển đổi PDF",
        totalDocumentSigned: true,
        validation: "Signature is Valid.",
      },
    ]);
  });

  it.skipIf(!poppler)("is reported by pdfsig as broken once one signed byte changes", () => {
    const changed = pdf.slice();
    const at = byteRangeOf(pdf)[2]! + 100; // in the second signed range
    changed[at] = changed[at]! ^ 0x01;
    expect(pdfsig(changed).map((s) => s.validation)).not.toEqual(["Signature is Valid."]);
  });

  it("carries a CMS that OpenSSL verifies over the signed ranges, with the PAdES signed attributes and no signing-time", () => {
    const { cms, content } = sealFiles(pdf, "seal");
    const printed = openssl("cms", "-cmsout", "-print", "-inform", "DER", "-in", cms);
    const attributes = [...printed.matchAll(/object: (\S+) \(([\d.]+)\)/g)]
      .map((m) => m[2]!)
      .filter((oid) => oid.startsWith("1.2.840.113549.1.9."));
    const verified = openssl(
      ...["cms", "-verify", "-binary", "-inform", "DER", "-in", cms, "-content", content],
      ...["-noverify", "-out", tmp.path("out.bin")],
    );
    expect({ attributes, verified }).toEqual({
      attributes: ["1.2.840.113549.1.9.3", "1.2.840.113549.1.9.4", "1.2.840.113549.1.9.16.2.47"],
      verified: "",
    });
  });

  it("is verified by hocba's own PDF signature reader, the claimed time taken from /M", async () => {
    const before = new Date(Math.floor(Date.now() / 1000) * 1000);
    const fresh = await renderTranscriptPdf(credential, { ...OPTIONS, seal });
    const result = await verifyPdfSignatures(fresh, {
      trustAnchors: createTrustStore([readFileSync(tmp.path("root.crt"), "utf8")]),
    });
    const [signature] = result.signatures;
    expect({
      ok: result.ok,
      problems: result.problems,
      problem: signature?.problem,
      claimedAfterStart: Date.parse(signature?.claimedTime ?? "") >= before.getTime(),
      signingTimeIsClaimed: signature?.report?.signers[0]?.signingTime === signature?.claimedTime,
    }).toEqual({
      ok: true,
      problems: [],
      problem: undefined,
      claimedAfterStart: true,
      signingTimeIsClaimed: true,
    });
  });

  it("still carries the credential as its attachment", async () => {
    expect(await extractCredentialFromPdf(pdf)).toEqual(credential);
  });

  it.skipIf(!poppler)(
    "prints the conversion block: converter, time of conversion, source id and docHash",
    () => {
      const text = pdfText(pdf).replace(/\s+/g, " ");
      const document = credential.document as { id: string };
      expect(
        [
          "BẢN CHUYỂN ĐỔI TỪ HỌC BẠ SỐ",
          "Conversion of the electronic record",
          "Đơn vị chuyển đổi (converter): Sở GDĐT Thử nghiệm — Dấu chuyển đổi PDF",
          "Thời điểm chuyển đổi (time of conversion): 04/03/2026 12:06 (giờ Việt Nam) · 2026-03-04T05:06:07.000Z",
          `Mã văn bản gốc (source id): ${document.id}`,
          `Mã băm văn bản gốc (source docHash, SHA-256): ${docHash(document)}`,
        ].filter((line) => !text.includes(line)),
      ).toEqual([]);
    },
  );

  it("is not sealed, and has no conversion block, without a seal", async () => {
    const plain = await renderTranscriptPdf(credential, { ...OPTIONS, printedAt: AT });
    const text = Buffer.from(plain).toString("latin1");
    expect([
      text.includes("/ByteRange"),
      poppler ? pdfText(plain).includes("BẢN CHUYỂN ĐỔI") : false,
    ]).toEqual([false, false]);
  });

  it("refuses a seal whose password is wrong with P12_PASSWORD_INVALID", async () => {
    const error: unknown = await loadPdfSeal(readFileSync(tmp.path("seal.p12")), "sai").catch(
      (e: unknown) => e,
    );
    expect(isHocbaError(error) ? error.toJSON() : error).toEqual({
      code: "P12_PASSWORD_INVALID",
      message: "the .p12 password is wrong",
    });
  });
});

describe("the sealed printable PDF with a timestamp authority (PDF_SEAL_TSA_URL, PAdES B-T)", () => {
  let tsa: TestTsa;
  let stamped: Uint8Array;
  let timestamped: PdfSeal;

  beforeAll(async () => {
    tsa = await startTsa();
    timestamped = await loadPdfSeal(readFileSync(tmp.path("seal.p12")), "mật khẩu", httpTimestamper(tsa.url));
    stamped = await renderTranscriptPdf(credential, { ...OPTIONS, printedAt: AT, seal: timestamped });
  });
  afterAll(() => tsa?.close());

  it.skipIf(!poppler)("is reported by pdfsig as validly signed over the whole document", () => {
    expect(pdfsig(stamped)).toEqual([
      {
        type: "ETSI.CAdES.detached",
        signer: "Dấu chuyển đổi PDF",
        totalDocumentSigned: true,
        validation: "Signature is Valid.",
      },
    ]);
  });

  it("carries one signature timestamp from the TSA, which openssl ts -verify accepts over the seal's signature value, and a CMS openssl cms -verify accepts", () => {
    const { cms, content } = sealFiles(stamped, "stamped");
    const verified = openssl(
      ...["cms", "-verify", "-binary", "-inform", "DER", "-in", cms, "-content", content],
      ...["-noverify", "-out", tmp.path("stamped.out")],
    );
    // The token is the unsigned attribute's value; the signature value is what it timestamps.
    // (a PAdES CMS has no signing-time: the claimed time is the /M the reader is given)
    const [signer] = parseDetachedSignedData(readFileSync(cms), { claimedTime: AT }).signers;
    const tokens = signer!.timestampTokens;
    const signatureValue = signer!.signature;
    tmp.write("stamped.tst", tokens[0]!);
    tmp.write("stamped.sig", signatureValue);
    const tsaVerify = openssl(
      ...["ts", "-verify", "-token_in", "-in", tmp.path("stamped.tst"), "-data", tmp.path("stamped.sig")],
      ...["-CAfile", tmp.write("tsa-root.pem", tsa.rootPem), "-untrusted", tmp.write("tsa.pem", tsa.tsaPem)],
    );
    expect({
      verified,
      tokens: tokens.length,
      tsaVerify: tsaVerify.trim(),
      requests: tsa.requests,
    }).toEqual({ verified: "", tokens: 1, tsaVerify: "Verification: OK", requests: 1 });
  });

  it("is verified by hocba's PDF signature reader at the TSA's time, not the claimed /M (before the seal certificate was issued)", async () => {
    const before = Date.now() - 60_000;
    const result = await verifyPdfSignatures(stamped, {
      trustAnchors: createTrustStore([readFileSync(tmp.path("root.crt"), "utf8")]),
      timestamps: { trustAnchors: createTrustStore([tsa.rootPem]), required: true },
    });
    const signer = result.signatures[0]?.report?.signers[0];
    expect({
      ok: result.ok,
      problems: result.problems,
      tsa: signer?.timestamp?.tsa,
      recent: Date.parse(signer?.timestamp?.time ?? "") >= before,
    }).toEqual({
      ok: true,
      problems: [],
      tsa: "CN=Dịch vụ cấp dấu thời gian thử nghiệm, O=hocba tests, C=VN",
      recent: true,
    });
  });

  it("is refused with PDF_TIMESTAMP_UNAVAILABLE, naming no TSA address, when the TSA is down, answers HTTP 500, garbage or refuses", async () => {
    const failures: unknown[] = [];
    const attempt = async (timestamper: ReturnType<typeof httpTimestamper>) => {
      const broken = await loadPdfSeal(readFileSync(tmp.path("seal.p12")), "mật khẩu", timestamper);
      const error: unknown = await renderTranscriptPdf(credential, { ...OPTIONS, seal: broken }).catch(
        (e: unknown) => e,
      );
      failures.push(isHocbaError(error) ? error.toJSON() : error);
    };
    await attempt(httpTimestamper(await deadTsaUrl()));
    for (const mode of ["http-500", "garbage", "rejected"] as const) {
      tsa.mode = mode;
      await attempt(httpTimestamper(tsa.url));
    }
    tsa.mode = "ok";
    const message = (code: string) => ({
      code: "PDF_TIMESTAMP_UNAVAILABLE",
      message: `the printable PDF cannot be sealed now: its timestamp authority gave no timestamp (${code}); try again later — the credential file (…/credential) is available meanwhile`,
    });
    expect(failures).toEqual([
      message("TSA_UNAVAILABLE"),
      message("TSA_UNAVAILABLE"),
      message("TSA_RESPONSE_INVALID"),
      message("TSA_REJECTED"),
    ]);
  });
});
