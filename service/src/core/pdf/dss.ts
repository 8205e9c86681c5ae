/**
 * The Document Security Store of a signed PDF (PAdES B-LT, ETSI EN 319 142-1 §5.4.2; ISO 32000-2
 * §12.8.4.3), browser-safe: the catalog's /DSS dictionary, whose /Certs, /OCSPs and /CRLs are
 * arrays of streams — each one DER certificate, OCSP response or CRL — and whose optional /VRI
 * holds, per signature (keyed by the SHA-1 of its /Contents), the same three arrays as /Cert,
 * /OCSP and /CRL. A signer or a later validator writes it as an incremental update after the last
 * signature, so the signatures stay intact (core/pdf/signatures.ts accepts such an update).
 *
 * Every OCSP response and CRL found anywhere in the DSS is read as one set: each names the
 * certificate it is about (the OCSP CertID; the CRL's issuer and the serials it lists), so the
 * status check (core/pki, the same code as a CMS's revocation values) takes from it what concerns
 * each signer's path, and /VRI is not needed to pair them — nor trusted to: a VRI entry is not
 * signed. Certificates are counted, not used: the signatures carry their own chains.
 */
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFRawStream,
  PDFStream,
  decodePDFRawStream,
} from "pdf-lib";
import { HocbaError } from "../errors";
import { mergeRevocationValues, type RevocationValues } from "../pki/revocation-values";
import { basicOcspResponseIn } from "../pki/status";

export interface DocumentSecurityStore extends RevocationValues {
  /** DER certificates of /Certs and the VRI entries' /Cert. */
  certificates: Uint8Array[];
  /** How many signatures /VRI has an entry for. */
  vri: number;
}

/** More validation data than any real PDF carries is a file built to make verification slow. */
const MAX_ITEMS = 2000;

const latin1 = new TextDecoder("latin1");

/** The decoded streams of `dict[key]` (an array of streams); [] when absent. */
function streams(dict: PDFDict, key: string, into: Uint8Array[]): void {
  const array = dict.lookup(PDFName.of(key));
  if (!(array instanceof PDFArray)) return;
  for (let i = 0; i < array.size(); i++) {
    const item = array.lookup(i);
    if (into.length >= MAX_ITEMS)
      throw new HocbaError("PDF_INVALID", `the PDF's DSS holds more than ${MAX_ITEMS} ${key} entries`);
    if (item instanceof PDFRawStream) into.push(decodePDFRawStream(item).decode());
    else if (item instanceof PDFStream) into.push(item.getContents());
  }
}

/**
 * The validation data of the PDF's DSS; undefined when it has none. The file is parsed only when
 * it may have one (a /DSS key in its bytes, or object streams that could hide it).
 * @throws HocbaError PDF_INVALID when the PDF names a DSS that cannot be read.
 * @example
 * const dss = await readDss(bytes); // { ocsp: [...], crl: [...], certificates: [...], vri: 2 }
 */
export async function readDss(bytes: Uint8Array): Promise<DocumentSecurityStore | undefined> {
  const text = latin1.decode(bytes);
  const named = /\/DSS\b/.test(text);
  if (!named && !/\/ObjStm\b/.test(text)) return undefined;
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(bytes, { ignoreEncryption: true, updateMetadata: false });
  } catch (cause) {
    if (!named) return undefined; // no DSS to miss: the signatures are read from the bytes
    throw new HocbaError("PDF_INVALID", "the PDF's Document Security Store cannot be read", { cause });
  }
  try {
    const dss = doc.catalog.lookup(PDFName.of("DSS"));
    if (!(dss instanceof PDFDict)) return undefined;
    const ocsp: Uint8Array[] = [];
    const crl: Uint8Array[] = [];
    const certificates: Uint8Array[] = [];
    streams(dss, "OCSPs", ocsp);
    streams(dss, "CRLs", crl);
    streams(dss, "Certs", certificates);
    const vri = dss.lookup(PDFName.of("VRI"));
    let entries = 0;
    if (vri instanceof PDFDict) {
      for (const [, value] of vri.entries()) {
        const entry = vri.context.lookup(value);
        if (!(entry instanceof PDFDict)) continue;
        entries++;
        streams(entry, "OCSP", ocsp);
        streams(entry, "CRL", crl);
        streams(entry, "Cert", certificates);
      }
    }
    const basic = ocsp.flatMap((der) => basicOcspResponseIn(der) ?? []);
    return { ...mergeRevocationValues({ ocsp: basic, crl }), certificates, vri: entries };
  } catch (cause) {
    if (cause instanceof HocbaError) throw cause;
    throw new HocbaError("PDF_INVALID", "the PDF's Document Security Store cannot be read", { cause });
  }
}
