/**
 * Signers as people read them: "Hiệu trưởng: Nguyễn Văn Hùng" rather than the certificate's
 * X.500 subject. The name is the subject's common name (CN), the role its title (T / 2.5.4.12),
 * as school certificates carry them (see `hocba demo-pki --subject`).
 */
import { certificateInfo } from "./certificate";
import { parseDetachedSignedData } from "./cms";
import { webCrypto, type PkiCrypto } from "./crypto";
import { signerName, type SignerName } from "./subject";
import { identifies } from "./verify";

export { signerName, type SignerName } from "./subject";

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
