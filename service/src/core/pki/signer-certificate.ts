/**
 * The rules a signer's certificate must meet to sign documents, beyond its chain: every certificate
 * of the path valid at the time, and the signer's key usage and extended key usage allowing
 * document signing. Registration (issuance/issuers.ts) and verification (verify.ts) apply them
 * alike; each words the time its own way around the message.
 */
import type { ErrorCode } from "../errors";
import type { CertificateInfo } from "./certificate";
import { DOCUMENT_SIGNING_EKUS } from "./oids";

/** A broken rule: its error code and what is wrong, naming the certificate by its subject. */
export interface CertificateRuleFailure {
  code: ErrorCode;
  message: string;
}

/**
 * The first certificate of `path` that is not valid at `at`: CERT_NOT_YET_VALID or CERT_EXPIRED.
 * @example
 * validityFailure(path, new Date())?.code; // "CERT_EXPIRED" for an expired signer
 */
export function validityFailure(
  path: readonly CertificateInfo[],
  at: Date,
): CertificateRuleFailure | undefined {
  const time = at.getTime();
  for (const certificate of path) {
    if (time < certificate.notBefore.getTime())
      return {
        code: "CERT_NOT_YET_VALID",
        message: `"${certificate.subject}" is valid from ${certificate.notBefore.toISOString()}`,
      };
    if (time > certificate.notAfter.getTime())
      return {
        code: "CERT_EXPIRED",
        message: `"${certificate.subject}" expired ${certificate.notAfter.toISOString()}`,
      };
  }
  return undefined;
}

/**
 * Whether the signer's key usage allows digitalSignature or nonRepudiation and its extended key
 * usage (when it has one) a document-signing purpose: CERT_KEY_USAGE or CERT_EXTENDED_KEY_USAGE.
 */
export function signingUseFailure(certificate: CertificateInfo): CertificateRuleFailure | undefined {
  const usage = certificate.keyUsage;
  if (usage !== undefined && !usage.has("digitalSignature") && !usage.has("nonRepudiation"))
    return {
      code: "CERT_KEY_USAGE",
      message: `"${certificate.subject}" key usage (${[...usage].join(", ") || "none"}) allows neither digitalSignature nor nonRepudiation`,
    };
  const purposes = certificate.extendedKeyUsage;
  if (purposes !== undefined && !purposes.some((purpose) => DOCUMENT_SIGNING_EKUS.includes(purpose)))
    return {
      code: "CERT_EXTENDED_KEY_USAGE",
      message: `"${certificate.subject}" extended key usage (${purposes.join(", ")}) excludes document signing`,
    };
  return undefined;
}
