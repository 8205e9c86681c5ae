/**
 * Signers as people read them: "Hiệu trưởng: Nguyễn Văn Hùng" rather than the certificate's
 * X.500 subject. The name is the subject's common name (CN), the role its title (T / 2.5.4.12),
 * as school certificates carry them (see `hocba demo-pki --subject`).
 */
import { certificateInfo } from "./certificate";
import { parseDetachedSignedData } from "./cms";
import { webCrypto, type PkiCrypto } from "./crypto";
import { identifies } from "./verify";

export interface SignerName {
  /** The common name, e.g. "Nguyễn Văn Hùng"; the whole subject when it has no CN. */
  name: string;
  /** The title, e.g. "Hiệu trưởng"; undefined when the certificate names none. */
  title?: string;
}

/**
 * Reads the attributes of a subject as certificate.ts writes it ("CN=…, title=…, O=…", with `,`
 * `+` `\` escaped by a backslash).
 */
function attributes(subject: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const part of subject.split(/(?<!\\),\s*/)) {
    const at = part.indexOf("=");
    if (at <= 0) continue;
    const key = part.slice(0, at).trim().toLowerCase();
    if (!found.has(key)) found.set(key, part.slice(at + 1).replace(/\\([,+\\])/g, "$1"));
  }
  return found;
}

/**
 * The name and title in a certificate subject.
 * @example
 * signerName("CN=Nguyễn Văn Hùng, title=Hiệu trưởng, O=Trường THCS Nguyễn Du, C=VN");
 * // { name: "Nguyễn Văn Hùng", title: "Hiệu trưởng" }
 */
export function signerName(subject: string): SignerName {
  const found = attributes(subject);
  const title = found.get("title") ?? found.get("t");
  return { name: found.get("cn") ?? subject, ...(title ? { title } : {}) };
}

export interface SignatureSigner extends SignerName {
  subject: string;
  /** The CMS signing-time, ISO 8601. */
  signingTime: string;
}

/**
 * Who signed a detached CMS SignedData and when (its signing-time attribute), in signer order,
 * without verifying anything — for printing what the verified credential carries.
 * @throws HocbaError SIGNATURE_MALFORMED when the bytes are not such a structure.
 */
export function signersOf(cms: Uint8Array, crypto: PkiCrypto = webCrypto): SignatureSigner[] {
  const parsed = parseDetachedSignedData(cms);
  const certificates = parsed.certificates.map((der) => certificateInfo(der, crypto, "SIGNATURE_MALFORMED"));
  return parsed.signers.map((signer) => {
    const certificate = certificates.find((candidate) => identifies(signer, candidate));
    const subject = certificate?.subject ?? "";
    return { subject, ...signerName(subject), signingTime: signer.signingTime.toISOString() };
  });
}
