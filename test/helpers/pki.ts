/**
 * PKI fixtures for signature tests and the benchmark: a school's chain as the Department of
 * Education would have it (root CA → intermediate CA → principal and homeroom teacher), plus the
 * small builders that make the malformed CMS a real signer never would (no signed attributes,
 * attributes missing) — through pkijs, so only the one defect under test differs.
 */
import { createHash } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import {
  issueCertificate,
  type IssueCertificateOptions,
  type IssuedCertificate,
  type KeyAlgorithm,
} from "../../service/src/adapters/pki/certificates";
import {
  createTrustStore,
  OID,
  SIGNATURE_CHECKS,
  type Authorization,
  type AuthorizationLookup,
  type SignatureReport,
  type SignerInput,
  type TrustStore,
} from "../../service/src/core/pki";

export interface SchoolPki {
  root: IssuedCertificate;
  intermediate: IssuedCertificate;
  principal: IssuedCertificate;
  homeroom: IssuedCertificate;
  store: TrustStore;
}

export const SCHOOL_CODE = "79000701";

/**
 * issueCertificate with a fixed validity of 2020–2040 unless told otherwise, so tests can sign at
 * fixed dates (a transcript is signed in June) whatever the machine's clock says.
 */
export function issue(options: IssueCertificateOptions): Promise<IssuedCertificate> {
  return issueCertificate({
    notBefore: new Date("2020-01-01T00:00:00Z"),
    notAfter: new Date("2040-01-01T00:00:00Z"),
    ...options,
  });
}

/** Root (RSA-2048, as Vietnamese CAs) → intermediate (pathLength 0) → two signers of `keyAlgorithm`. */
export async function makeSchoolPki(keyAlgorithm: KeyAlgorithm = "P-256"): Promise<SchoolPki> {
  const root = await issue({
    subject: "CN=Demo Root CA, O=Bộ GDĐT, C=VN",
    ca: true,
    keyAlgorithm: "RSA-2048",
  });
  const intermediate = await issue({
    subject: "CN=Demo School CA, O=Sở GDĐT TP.HCM, C=VN",
    ca: { pathLength: 0 },
    issuer: root,
    keyAlgorithm: "RSA-2048",
  });
  const principal = await issue({
    subject: "CN=Nguyễn Văn Hùng, T=Hiệu trưởng, O=Trường THCS Nguyễn Du, C=VN",
    issuer: intermediate,
    keyAlgorithm,
  });
  const homeroom = await issue({
    subject: "CN=Trần Thị Mai, T=Giáo viên chủ nhiệm, O=Trường THCS Nguyễn Du, C=VN",
    issuer: intermediate,
    keyAlgorithm,
  });
  return { root, intermediate, principal, homeroom, store: createTrustStore([root.certificatePem]) };
}

/** The signer input of `certificate`, with the given CA certificates as its included chain. */
export function signerOf(certificate: IssuedCertificate, ...chain: IssuedCertificate[]): SignerInput {
  return {
    certificate: certificate.certificate,
    chain: chain.map((ca) => ca.certificate),
    privateKey: certificate.privateKey,
  };
}

export function fingerprintOf(certificate: IssuedCertificate | Uint8Array): string {
  const der = certificate instanceof Uint8Array ? certificate : certificate.certificate;
  return "0x" + createHash("sha256").update(der).digest("hex");
}

/**
 * Registers the school SCHOOL_CODE in a migrated database with `certificate` as its principal's
 * (added a day ago), as `hocba` would after the admin's registration and the registry's mirror.
 */
export async function registerSchoolPrincipal(
  db: { query(sql: string, params?: readonly unknown[]): Promise<unknown> },
  certificate: IssuedCertificate,
): Promise<void> {
  await db.query("INSERT INTO issuers (code, kind, name) VALUES ($1, 'school', 'Trường THCS Nguyễn Du')", [
    SCHOOL_CODE,
  ]);
  await db.query(
    `INSERT INTO issuer_certificates (issuer_code, fingerprint, certificate, subject, role, added_at)
     VALUES ($1, $2, $3, 'principal', 'principal', now() - interval '1 day')`,
    [SCHOOL_CODE, fingerprintOf(certificate), certificate.certificate],
  );
}

/** An in-memory issuer registry: fingerprint → role, for one school code. */
export function registryOf(
  roles: Record<string, string | undefined>,
  issuerCode = SCHOOL_CODE,
): AuthorizationLookup {
  return (code, fingerprint): Promise<Authorization> => {
    if (code !== issuerCode || !(fingerprint in roles)) return Promise.resolve({ authorized: false });
    const role = roles[fingerprint];
    return Promise.resolve(role === undefined ? { authorized: true } : { authorized: true, role });
  };
}

/** The report without messages: each check's name, status and code — what most tests assert whole. */
export function outcomeOf(report: SignatureReport): { ok: boolean; checks: string[] } {
  return {
    ok: report.ok,
    checks: report.checks.map(
      (check) => `${check.name}: ${check.status}${check.code === undefined ? "" : ` ${check.code}`}`,
    ),
  };
}

/**
 * Every check valid, except those listed (name → "status CODE", or "valid") and the timestamp and
 * certStatus checks, which are skipped unless listed (no timestamp token, no status evidence).
 */
export function expectedOutcome(
  failures: Record<string, string> = {},
  skipped: string[] = [],
): { ok: boolean; checks: string[] } {
  const skips = ["timestamp", "certStatus", ...skipped];
  const checks = SIGNATURE_CHECKS.map(
    (name) => `${name}: ${failures[name] ?? (skips.includes(name) ? "skipped" : "valid")}`,
  );
  return {
    ok: Object.values(failures).every((status) => status === "valid" || status.startsWith("skipped")),
    checks,
  };
}

export type AttributeName = "contentType" | "messageDigest" | "signingTime";

/**
 * A detached CMS whose signer has exactly the signed attributes listed (none: no signedAttrs at all,
 * the signature then covers the content itself) — for the "missing attribute" cases.
 */
export async function signWithAttributes(
  content: Uint8Array,
  signer: IssuedCertificate,
  attributes: AttributeName[],
  signingTime: Date,
): Promise<Uint8Array> {
  const certificate = pkijs.Certificate.fromBER(signer.certificate.slice());
  const digest = createHash("sha256").update(content).digest();
  const values: Record<AttributeName, pkijs.Attribute> = {
    contentType: new pkijs.Attribute({
      type: OID.contentType,
      values: [new asn1js.ObjectIdentifier({ value: OID.data })],
    }),
    messageDigest: new pkijs.Attribute({
      type: OID.messageDigest,
      values: [new asn1js.OctetString({ valueHex: new Uint8Array(digest).buffer })],
    }),
    signingTime: new pkijs.Attribute({
      type: OID.signingTime,
      values: [new asn1js.UTCTime({ valueDate: signingTime })],
    }),
  };
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({
      issuer: certificate.issuer,
      serialNumber: certificate.serialNumber,
    }),
    ...(attributes.length === 0
      ? {}
      : {
          signedAttrs: new pkijs.SignedAndUnsignedAttributes({
            type: 0,
            attributes: attributes.map((name) => values[name]),
          }),
        }),
  });
  const signedData = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    signerInfos: [signerInfo],
    certificates: [certificate],
  });
  await signedData.sign(signer.privateKey, 0, "SHA-256", content.slice().buffer);
  return encodeSignedData(signedData);
}

function encodeSignedData(signedData: pkijs.SignedData): Uint8Array {
  const contentInfo = new pkijs.ContentInfo({
    contentType: OID.signedData,
    content: signedData.toSchema(true),
  });
  return new Uint8Array(contentInfo.toSchema().toBER(false));
}

/** Re-encodes a CMS SignedData after `edit` changed it (e.g. removed a certificate, swapped a signature value). */
export function rebuildSignedData(cms: Uint8Array, edit: (signedData: pkijs.SignedData) => void): Uint8Array {
  const contentInfo = pkijs.ContentInfo.fromBER(cms.slice());
  const signedData = new pkijs.SignedData({ schema: contentInfo.content });
  edit(signedData);
  return encodeSignedData(signedData);
}

/** A copy of `bytes` with the byte at `index` (negative: from the end) XOR-ed with 0x01. */
export function flipByte(bytes: Uint8Array, index: number): Uint8Array {
  const copy = bytes.slice();
  const at = index < 0 ? copy.length + index : index;
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

/** Index of the first occurrence of `needle` in `haystack`, or -1. */
export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(haystack).indexOf(Buffer.from(needle));
}
