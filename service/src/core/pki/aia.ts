/**
 * Completing a certification path through the Authority Information Access extension: a signer
 * certificate exported from a school's USB token usually comes alone, and its licensed CA's
 * certificate (VNPT-CA, Viettel-CA, the Government CA…) is published at the caIssuers URL the
 * certificate names. The core defines the port and reads what it returns; the HTTP GET, its
 * timeout, size limit and cache are an adapter's (adapters/pki/aia-fetcher.ts), so this stays
 * browser-safe.
 */
import { HocbaError } from "../errors";
import { DerError, TAG, childrenOf, elementOf, expectTag, readOid, readRoot } from "./der";
import { OID } from "./oids";
import { pemToDer } from "./trust-store";

export type { IssuerFetcher } from "./trust-store";

/** Certificates per caIssuers answer: a CA publishes its own certificate, perhaps with its issuer's. */
const MAX_BUNDLE_CERTIFICATES = 8;

/**
 * The DER certificates in a caIssuers answer: one DER certificate (RFC 5280 §4.2.2.1), a
 * "certs-only" CMS SignedData (.p7c), or PEM text with CERTIFICATE blocks.
 * @throws HocbaError CERT_CHAIN_INCOMPLETE when the bytes are none of these (`source` names the URL).
 * @example
 * const ders = certificatesOfBundle(await fetchIssuer(url), url);
 */
export function certificatesOfBundle(bytes: Uint8Array, source: string): Uint8Array[] {
  const garbage = (why: string): HocbaError =>
    new HocbaError("CERT_CHAIN_INCOMPLETE", `${source} did not answer a certificate: ${why}`);
  if (bytes.length === 0) throw garbage("the answer is empty");
  if (bytes[0] !== TAG.sequence) {
    const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
    let ders: Uint8Array[];
    try {
      ders = pemToDer(text, "CERTIFICATE");
    } catch {
      throw garbage("corrupt PEM");
    }
    if (ders.length === 0) throw garbage("neither DER, PKCS#7 nor PEM");
    return ders.slice(0, MAX_BUNDLE_CERTIFICATES);
  }
  try {
    const root = readRoot(bytes);
    const fields = childrenOf(bytes, expectTag(root, TAG.sequence, "answer"));
    if (fields[0]?.tag !== TAG.oid) return [bytes]; // a Certificate starts with the tbs SEQUENCE
    if (readOid(bytes, fields[0]) !== OID.signedData)
      throw new DerError("a ContentInfo that is not SignedData");
    const inner = childrenOf(bytes, expectTag(fields[1], TAG.context0, "ContentInfo.content"));
    const signedData = childrenOf(bytes, expectTag(inner[0], TAG.sequence, "SignedData"));
    const certificates = signedData.find((field) => field.tag === TAG.context0);
    if (certificates === undefined) throw new DerError("a PKCS#7 bundle without certificates");
    return childrenOf(bytes, certificates)
      .filter((choice) => choice.tag === TAG.sequence)
      .slice(0, MAX_BUNDLE_CERTIFICATES)
      .map((choice) => elementOf(bytes, choice));
  } catch (error) {
    if (error instanceof DerError) throw garbage(error.message);
    throw error;
  }
}

/** Whether hocba follows this caIssuers URL: plain http(s) only (no LDAP, no file:). */
export function isFetchableUrl(url: string): boolean {
  return /^https?:\/\/[^\s]+$/i.test(url);
}
