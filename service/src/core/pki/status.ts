/**
 * Certificate status (RFC 6960 OCSP, RFC 5280 CRLs), browser-safe: where a certificate says its
 * status is published, the OCSP request for it, and the verification of an OCSP response or a CRL
 * as evidence about one certificate — signed by the issuing CA (or, for OCSP, a responder the CA
 * delegated with id-kp-OCSPSigning), about this very certificate (CertID / CRL issuer and serial).
 * Fetching is not done here: the service fetches through a port (issuance/certificate-status.ts)
 * and the verifier reads the evidence embedded in the signature (revocation-values.ts).
 */
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { sha1 } from "@noble/hashes/legacy.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { HocbaError } from "../errors";
import { BoundedCache } from "./bounded-cache";
import { certificateInfo, type CertificateInfo } from "./certificate";
import { certificateSignatureAlgorithm } from "./chain";
import { bytesEqual, childrenOf, contentOf, expectTag, readRoot, TAG } from "./der";
import type { KeyRing } from "./key-ring";
import { OID } from "./oids";

export type StatusSource = "ocsp" | "crl";
export type CertificateState = "good" | "revoked" | "unknown";

/** What one OCSP response or CRL says, once verified, about one certificate. */
export interface StatusEvidence {
  source: StatusSource;
  state: CertificateState;
  /** When the status was asserted: the OCSP response's producedAt, the CRL's thisUpdate. */
  at: Date;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** For "revoked". */
  revokedAt?: Date;
  /** Subject of the OCSP response's signer, or of the CRL's issuer. */
  responder: string;
  /** DER of the BasicOCSPResponse or the CertificateList: what is embedded as evidence. */
  der: Uint8Array;
}

export interface StatusLocations {
  /** HTTP URLs of OCSP responders (authority information access, id-ad-ocsp). */
  ocsp: string[];
  /** HTTP URLs of CRLs (CRL distribution points, full names). */
  crl: string[];
}

const locations = new BoundedCache<string, StatusLocations>(10_000);

/** Where the status of `certificate` is published (HTTP only; LDAP and others are ignored). */
export function statusLocations(certificate: CertificateInfo): StatusLocations {
  const cached = locations.get(certificate.fingerprint);
  if (cached !== undefined) return cached;
  const found: StatusLocations = { ocsp: [], crl: [] };
  const http = (name: pkijs.GeneralName | undefined, into: string[]): void => {
    // uniformResourceIdentifier [6] IA5String
    if (name?.type === 6 && typeof name.value === "string" && /^http:\/\//i.test(name.value))
      into.push(name.value);
  };
  let parsed: pkijs.Certificate;
  try {
    parsed = pkijs.Certificate.fromBER(certificate.der.slice());
  } catch (cause) {
    throw new HocbaError("SIGNATURE_MALFORMED", `malformed certificate "${certificate.subject}"`, { cause });
  }
  for (const extension of parsed.extensions ?? []) {
    if (extension.extnID === OID.authorityInfoAccess && extension.parsedValue instanceof pkijs.InfoAccess) {
      for (const access of extension.parsedValue.accessDescriptions)
        if (access.accessMethod === OID.adOcsp) http(access.accessLocation, found.ocsp);
    }
    if (
      extension.extnID === OID.cRLDistributionPoints &&
      extension.parsedValue instanceof pkijs.CRLDistributionPoints
    ) {
      for (const point of extension.parsedValue.distributionPoints) {
        const names = point.distributionPoint;
        if (Array.isArray(names)) for (const name of names) http(name, found.crl);
      }
    }
  }
  locations.set(certificate.fingerprint, found);
  return found;
}

/** The subjectPublicKey bits of a certificate (what an OCSP issuerKeyHash / byKey hashes). */
function publicKeyBits(certificate: CertificateInfo): Uint8Array {
  const parts = childrenOf(certificate.spki, readRoot(certificate.spki));
  return contentOf(certificate.spki, expectTag(parts[1], TAG.bitString, "subjectPublicKey")).subarray(1);
}

/**
 * DER of an OCSP request for `certificate` (issued by `issuer`): one CertID with SHA-1 — the hash
 * every responder supports (RFC 5019) — and no nonce, so that responses can be cached.
 */
export function ocspRequest(certificate: CertificateInfo, issuer: CertificateInfo): Uint8Array {
  const certId = new pkijs.CertID({
    hashAlgorithm: new pkijs.AlgorithmIdentifier({
      algorithmId: OID.sha1,
      algorithmParams: new asn1js.Null(),
    }),
    issuerNameHash: new asn1js.OctetString({ valueHex: sha1(issuer.subjectDer) }),
    issuerKeyHash: new asn1js.OctetString({ valueHex: sha1(publicKeyBits(issuer)) }),
    serialNumber: new asn1js.Integer({ valueHex: certificate.serialNumber }),
  });
  const request = new pkijs.OCSPRequest({
    tbsRequest: new pkijs.TBSRequest({ requestList: [new pkijs.Request({ reqCert: certId })] }),
  });
  return new Uint8Array(request.toSchema(true).toBER());
}

const OCSP_STATUS = [
  "successful",
  "malformedRequest",
  "internalError",
  "tryLater",
  "(unused)",
  "sigRequired",
  "unauthorized",
];

/**
 * The BasicOCSPResponse inside an OCSPResponse (what a responder answers over HTTP).
 * @throws HocbaError CERT_STATUS_UNAVAILABLE when the responder did not answer with a response
 * (an error status, not a basic response, not DER).
 */
export function basicOcspResponseOf(ocspResponse: Uint8Array): Uint8Array {
  const unavailable = (why: string, cause?: unknown): HocbaError =>
    new HocbaError("CERT_STATUS_UNAVAILABLE", `the OCSP responder ${why}`, { cause });
  let response: pkijs.OCSPResponse;
  try {
    response = pkijs.OCSPResponse.fromBER(ocspResponse.slice());
  } catch (cause) {
    throw unavailable("answered something that is not an OCSP response", cause);
  }
  const status = response.responseStatus.valueBlock.valueDec;
  if (status !== 0) throw unavailable(`answered ${OCSP_STATUS[status] ?? status}`);
  const bytes = response.responseBytes;
  if (bytes === undefined || bytes.responseType !== OID.ocspBasic)
    throw unavailable("answered no basic OCSP response");
  return new Uint8Array(bytes.response.valueBlock.valueHexView);
}

/**
 * An OCSP answer as files and PDFs keep it (a PDF's DSS holds the OCSPResponse a responder sent;
 * some writers store the BasicOCSPResponse alone): the BasicOCSPResponse, as evidence is judged;
 * undefined for a responder's error answer (tryLater, unauthorized…), which is no evidence at
 * all. Bytes that are neither are returned as they are: judging them says what is wrong.
 */
export function basicOcspResponseIn(der: Uint8Array): Uint8Array | undefined {
  let first: number | undefined;
  try {
    first = childrenOf(der, readRoot(der))[0]?.tag;
  } catch {
    return der;
  }
  if (first !== 0x0a) return der; // ENUMERATED responseStatus: an OCSPResponse
  try {
    return basicOcspResponseOf(der);
  } catch {
    return undefined;
  }
}

function invalidEvidence(message: string, cause?: unknown): HocbaError {
  return new HocbaError("CERT_STATUS_INVALID", message, { cause });
}

const HASHES: Record<string, (data: Uint8Array) => Uint8Array> = {
  [OID.sha1]: sha1,
  [OID.sha256]: sha256,
};

function matchesCertId(id: pkijs.CertID, certificate: CertificateInfo, issuer: CertificateInfo): boolean {
  const hash = HASHES[id.hashAlgorithm.algorithmId];
  if (hash === undefined) return false;
  return (
    bytesEqual(new Uint8Array(id.serialNumber.valueBlock.valueHexView), certificate.serialNumber) &&
    bytesEqual(new Uint8Array(id.issuerNameHash.valueBlock.valueHexView), hash(issuer.subjectDer)) &&
    bytesEqual(new Uint8Array(id.issuerKeyHash.valueBlock.valueHexView), hash(publicKeyBits(issuer)))
  );
}

function parseDer<T>(der: Uint8Array, parse: (der: Uint8Array) => T, what: string): T {
  try {
    return parse(der);
  } catch (cause) {
    throw invalidEvidence(`malformed ${what}`, cause);
  }
}

/**
 * Verifies one status document (DER) as evidence about `certificate`, issued by `issuer`, with the
 * keys of `ring`: undefined when it says nothing about it, otherwise the verified status.
 */
export type EvidenceCheck = (
  der: Uint8Array,
  certificate: CertificateInfo,
  issuer: CertificateInfo,
  ring: KeyRing,
) => Promise<StatusEvidence | undefined>;

/**
 * Verifies a BasicOCSPResponse as evidence about `certificate`: undefined when it says nothing
 * about it (no SingleResponse for its CertID), otherwise the verified status.
 * @throws HocbaError CERT_STATUS_INVALID when the response is about it but cannot be trusted (bad
 * signature, a signer that is neither the CA nor a responder the CA authorized, malformed).
 */
export const verifyOcspEvidence: EvidenceCheck = async (der, certificate, issuer, ring) => {
  const basic = parseDer(der, (bytes) => pkijs.BasicOCSPResponse.fromBER(bytes.slice()), "OCSP response");
  const data = basic.tbsResponseData;
  const single = data.responses.find((response) => matchesCertId(response.certID, certificate, issuer));
  if (single === undefined) return undefined;
  const about = `OCSP response about "${certificate.subject}"`;

  const offered = (basic.certs ?? []).map((cert) =>
    certificateInfo(new Uint8Array(cert.toSchema().toBER()), ring.crypto, "SIGNATURE_MALFORMED"),
  );
  const id: unknown = data.responderID;
  const named = (candidate: CertificateInfo): boolean =>
    id instanceof asn1js.OctetString
      ? bytesEqual(new Uint8Array(id.valueBlock.valueHexView), sha1(publicKeyBits(candidate)))
      : id instanceof pkijs.RelativeDistinguishedNames &&
        bytesEqual(new Uint8Array(id.valueBeforeDecode), candidate.subjectDer);
  const signer = [issuer, ...offered].find(named);
  if (signer === undefined) throw invalidEvidence(`${about}: its signer's certificate is not included`);
  const producedAt = data.producedAt;
  if (signer.fingerprint !== issuer.fingerprint) {
    // A delegated responder: issued by the CA for OCSP signing (RFC 6960 §4.2.2.2).
    const why = !bytesEqual(signer.issuerDer, issuer.subjectDer)
      ? `its signer "${signer.subject}" was not issued by "${issuer.subject}"`
      : !(signer.extendedKeyUsage ?? []).includes(OID.ocspSigning)
        ? `its signer "${signer.subject}" is not authorized for OCSP signing (id-kp-OCSPSigning)`
        : producedAt < signer.notBefore || producedAt > signer.notAfter
          ? `its signer "${signer.subject}" was not valid at ${producedAt.toISOString()}`
          : await checkSigned(ring, issuer, signer.signatureAlgorithm.oid, signer.tbs, signer.signatureValue);
    if (why !== undefined) throw invalidEvidence(`${about}: ${why}`);
  }
  await assertSigned(
    about,
    ring,
    signer,
    basic.signatureAlgorithm.algorithmId,
    data.tbsView,
    basic.signature,
  );
  const status = single.certStatus as asn1js.BaseBlock;
  const evidence: StatusEvidence = {
    source: "ocsp",
    state: "unknown",
    at: producedAt,
    thisUpdate: single.thisUpdate,
    ...(single.nextUpdate === undefined ? {} : { nextUpdate: single.nextUpdate }),
    responder: signer.subject,
    der,
  };
  if (status.idBlock.tagClass === 3 && status.idBlock.tagNumber === 0) evidence.state = "good";
  if (status.idBlock.tagClass === 3 && status.idBlock.tagNumber === 1) {
    const time = (status as asn1js.Constructed).valueBlock.value[0];
    if (!(time instanceof asn1js.GeneralizedTime))
      throw invalidEvidence(`${about}: malformed revocation time`);
    evidence.state = "revoked";
    evidence.revokedAt = time.toDate();
  }
  return evidence;
};

/**
 * Verifies a CRL as evidence about `certificate`: undefined when `certificate`'s issuer did not
 * issue it, otherwise the verified status (revoked when its serial is listed).
 * @throws HocbaError CERT_STATUS_INVALID when the CRL names that issuer but its signature does not
 * verify with the issuer's key, or the issuer may not sign CRLs.
 */
export const verifyCrlEvidence: EvidenceCheck = async (der, certificate, issuer, ring) => {
  const crl = parseDer(der, (bytes) => pkijs.CertificateRevocationList.fromBER(bytes.slice()), "CRL");
  if (!bytesEqual(new Uint8Array(crl.issuer.valueBeforeDecode), certificate.issuerDer)) return undefined;
  const about = `CRL of "${issuer.subject}"`;
  if (issuer.keyUsage !== undefined && !issuer.keyUsage.has("cRLSign"))
    throw invalidEvidence(`${about}: the CA's key usage lacks cRLSign`);
  await assertSigned(
    about,
    ring,
    issuer,
    crl.signatureAlgorithm.algorithmId,
    crl.tbsView,
    crl.signatureValue,
  );
  const thisUpdate = crl.thisUpdate.value;
  const entry = (crl.revokedCertificates ?? []).find((revoked) =>
    bytesEqual(new Uint8Array(revoked.userCertificate.valueBlock.valueHexView), certificate.serialNumber),
  );
  return {
    source: "crl",
    state: entry === undefined ? "good" : "revoked",
    at: thisUpdate,
    thisUpdate,
    ...(crl.nextUpdate === undefined ? {} : { nextUpdate: crl.nextUpdate.value }),
    ...(entry === undefined ? {} : { revokedAt: entry.revocationDate.value }),
    responder: issuer.subject,
    der,
  };
};

/**
 * Throws CERT_STATUS_INVALID ("`about`: why") unless `signer`'s key made `signature` (a BIT STRING)
 * over `tbs` with `algorithmOid`.
 */
async function assertSigned(
  about: string,
  ring: KeyRing,
  signer: CertificateInfo,
  algorithmOid: string,
  tbs: Uint8Array,
  signature: asn1js.BitString,
): Promise<void> {
  const why = await checkSigned(
    ring,
    signer,
    algorithmOid,
    tbs,
    new Uint8Array(signature.valueBlock.valueHexView),
  );
  if (why !== undefined) throw invalidEvidence(`${about}: ${why}`);
}

async function checkSigned(
  ring: KeyRing,
  signer: CertificateInfo,
  algorithmOid: string,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<string | undefined> {
  const algorithm = certificateSignatureAlgorithm(algorithmOid);
  if (algorithm === undefined) return `unsupported signature algorithm ${algorithmOid}`;
  return ring.check(signer, algorithm, data, signature);
}
