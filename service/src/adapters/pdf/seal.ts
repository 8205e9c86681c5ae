/**
 * The operator's seal on the printable PDF (README, Printable PDF; docs/decisions.md, "The printable
 * PDF is sealed with PAdES"): a PAdES baseline signature (ETSI EN 319 142-1, SubFilter
 * ETSI.CAdES.detached) by the certificate in PDF_SEAL_P12, so PDF readers show the document as
 * signed and unchanged, and the conversion it prints (converter, time, source id) is attributable.
 *
 * @signpdf places the signature: @signpdf/placeholder-pdf-lib adds the signature field and its
 * /ByteRange–/Contents hole to the pdf-lib document, @signpdf/signpdf computes the byte range and
 * fills the hole. The CMS itself is made by hocba's own signer (core/pki/sign.ts, profile "pades"):
 * content-type, message-digest and ESS signing-certificate-v2, no signing-time — the set PAdES
 * B-B asks for, which @signpdf/signer-p12 (node-forge's PKCS#7, signing-time and no
 * signing-certificate-v2) does not produce.
 *
 * B-T (PDF_SEAL_TSA_URL): `timestamp` asks a TSA for an RFC 3161 token over the signature value,
 * which hocba's signer adds to the SignerInfo as id-aa-signatureTimeStampToken — the same
 * signature timestamp `hocba sign --tsa` adds to a credential's signers. Unset = B-B. A TSA that
 * gives no timestamp fails the seal with PDF_TIMESTAMP_UNAVAILABLE: no PDF is sealed B-B in its
 * place (docs/decisions.md, "A PDF seal with a TSA is never served without its timestamp").
 */
import { pdflibAddPlaceholder } from "@signpdf/placeholder-pdf-lib";
import signpdf from "@signpdf/signpdf";
import { Signer, SUBFILTER_ETSI_CADES_DETACHED } from "@signpdf/utils";
import type { PDFDocument, PDFPage } from "pdf-lib";
import { HocbaError, isHocbaError } from "../../core/errors";
import { signerName } from "../../core/pki/names";
import { signDetached } from "../../core/pki/sign";
import { loadSignerFromP12, type LoadedSigner } from "../pki/keys";

/**
 * Returns an RFC 3161 timestamp token (DER) over a signature value (SignOptions.timestamp), e.g.
 * httpTimestamper(PDF_SEAL_TSA_URL) (adapters/pki/tsa-http.ts).
 */
export type SignatureTimestamper = (signatureValue: Uint8Array) => Promise<Uint8Array>;

/** What seals a PDF: the operator's key and certificate, and who they name. */
export interface PdfSeal {
  /** The converter as printed: the seal certificate's organisation and common name. */
  converter: string;
  /** The seal certificate's subject (for logs and docs). */
  subject: string;
  signer: LoadedSigner;
  timestamp?: SignatureTimestamper;
}

/** Room for the CMS in the PDF (bytes): the certificates, the signature, and a timestamp token. */
const SIGNATURE_ROOM = 8192;
const SIGNATURE_ROOM_WITH_TIMESTAMP = 16384;

/**
 * Loads the seal from a `.p12` (PDF_SEAL_P12 / PDF_SEAL_PASSWORD).
 * @throws HocbaError P12_INVALID, P12_PASSWORD_INVALID, KEY_INVALID (as loadSignerFromP12).
 */
export async function loadPdfSeal(
  p12: Uint8Array,
  password: string,
  timestamp?: SignatureTimestamper,
): Promise<PdfSeal> {
  const signer = await loadSignerFromP12(p12, password);
  return { converter: converterOf(signer.subject), subject: signer.subject, signer, timestamp };
}

/** "O — CN" of a subject, or the CN alone when it names no organisation. */
function converterOf(subject: string): string {
  const { name } = signerName(subject);
  const organisation = /(?:^|,\s*)O=((?:[^,\\]|\\.)+)/.exec(subject)?.[1]?.replace(/\\(.)/g, "$1");
  return organisation && organisation !== name ? `${organisation} — ${name}` : name;
}

/** @signpdf's signer interface over hocba's CMS signer. */
class PadesSigner extends Signer {
  constructor(private readonly seal: PdfSeal) {
    super();
  }

  override async sign(content: Buffer): Promise<Buffer> {
    const { certificate, chain, privateKey } = this.seal.signer;
    const timestamp = this.seal.timestamp;
    const cms = await signDetached(new Uint8Array(content), [{ certificate, chain, privateKey }], {
      profile: "pades",
      ...(timestamp === undefined ? {} : { timestamp: (value) => timestampOrFail(timestamp, value) }),
    });
    return Buffer.from(cms);
  }
}

/**
 * The seal's timestamp, its failures said as PDF_TIMESTAMP_UNAVAILABLE: what reaches the caller
 * names no TSA address; the TSA's own error (code, URL, reason) stays as the cause for the log.
 */
async function timestampOrFail(timestamp: SignatureTimestamper, value: Uint8Array): Promise<Uint8Array> {
  try {
    return await timestamp(value);
  } catch (cause) {
    const code = isHocbaError(cause) ? ` (${cause.code})` : "";
    throw new HocbaError(
      "PDF_TIMESTAMP_UNAVAILABLE",
      `the printable PDF cannot be sealed now: its timestamp authority gave no timestamp${code}; try again later — the credential file (…/credential) is available meanwhile`,
      { cause },
    );
  }
}

export interface SealPlacement {
  /** The page whose widget shows the signature (the one with the conversion block). */
  page: PDFPage;
  /** The widget rectangle [x1, y1, x2, y2] in that page's points. */
  rect: [number, number, number, number];
  /** The signature dictionary's /M. */
  at: Date;
}

/**
 * Seals `doc` (fully laid out, not yet saved) and returns the signed file.
 * @throws HocbaError PDF_SEAL_FAILED when the signature cannot be made or placed.
 */
export async function sealPdf(
  doc: PDFDocument,
  seal: PdfSeal,
  placement: SealPlacement,
): Promise<Uint8Array> {
  try {
    pdflibAddPlaceholder({
      pdfDoc: doc,
      pdfPage: placement.page,
      reason: "Chuyển đổi từ học bạ số (conversion of the electronic học bạ)",
      contactInfo: "",
      name: seal.converter,
      location: "Việt Nam",
      signingTime: placement.at,
      subFilter: SUBFILTER_ETSI_CADES_DETACHED,
      signatureLength: seal.timestamp ? SIGNATURE_ROOM_WITH_TIMESTAMP : SIGNATURE_ROOM,
      widgetRect: placement.rect,
      appName: "hocba",
    });
    // No object streams: @signpdf finds /ByteRange by scanning the file's bytes.
    const unsigned = await doc.save({ useObjectStreams: false });
    return new Uint8Array(await signpdf.sign(Buffer.from(unsigned), new PadesSigner(seal), placement.at));
  } catch (cause) {
    if (cause instanceof HocbaError) throw cause;
    throw new HocbaError("PDF_SEAL_FAILED", `the PDF could not be sealed: ${String(cause)}`, { cause });
  }
}
