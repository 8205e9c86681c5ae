/**
 * Verifies a detached CMS signature over a document's canonical bytes and says, check by check,
 * what holds: structure, digest (= docHash), signature, chain to the trust anchors, validity at
 * signing time, key usage, and the signer's authorization for the school. It never throws for a
 * bad signature — callers (the CLI, the verification pipeline of docs/verification.md) print or map the
 * checks; `assertSignatureValid` is the throwing form for the issuance path.
 *
 * Speed comes from caching what does not depend on the document — the parsed certificates, their
 * imported public keys and the chain outcome — and from reading the CMS with the DER reader;
 * every check still runs for every document.
 */
import { HocbaError, isHocbaError, type ErrorCode } from "../errors";
import { toHex } from "../documents/hash";
import { certificateInfo, type CertificateInfo } from "./certificate";
import { validateChain, type ChainOutcome } from "./chain";
import { parseDetachedSignedData, type ParsedSignerInfo } from "./cms";
import { webCrypto, type PkiCrypto, type SignatureAlgorithm } from "./crypto";
import { keyRingFor, type KeyRing } from "./key-ring";
import { bytesEqual } from "./der";
import { OID } from "./oids";
import { signingUseFailure, validityFailure } from "./signer-certificate";
import {
  embeddedStatus,
  judgeStatus,
  mergeRevocationValues,
  readRevocationValues,
  type RevocationValues,
} from "./revocation-values";
import type { StatusEvidence } from "./status";
import { checkSignerTimestamp, type SignerTimestampPolicy } from "./timestamp";
import { trustedTime, type TrustedTime } from "./trusted-time";
import type { TrustStore } from "./trust-store";

export type SignatureCheckName =
  | "structure"
  | "digest"
  | "signature"
  | "timestamp"
  | "chain"
  | "validity"
  | "certStatus"
  | "keyUsage"
  | "authorization"
  | "roles";

/** What a check reports (the signer's here, and every check of the verification pipeline). */
export const CHECK_STATUSES = ["valid", "invalid", "error", "skipped"] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export interface SignatureCheck {
  name: SignatureCheckName;
  status: CheckStatus;
  /** Present unless the status is "valid" or "skipped". */
  code?: ErrorCode;
  message: string;
}

export interface SignerReport {
  /** 0x + lowercase hex SHA-256 of the signer certificate's DER. */
  fingerprint: string;
  subject: string;
  issuer: string;
  /** Lowercase hex, no 0x. */
  serialNumber: string;
  /** ISO-8601, from the signing-time signed attribute (the signer's claim). */
  signingTime: string;
  /** The signer's verified RFC 3161 timestamp: its genTime (ISO-8601) and the TSA's subject. */
  timestamp?: { time: string; tsa: string };
  /** 0x-hex of the message-digest signed attribute (equals docHash when the digest check passes). */
  messageDigest: string;
  /** Fingerprints from the signer to the trust anchor; [] when no path was found. */
  chain: string[];
  /** From the authorization lookup; absent when none was configured or it failed. */
  authorized?: boolean;
  role?: string;
  /** The signer certificate's status, from the evidence embedded in the signature (CAdES-LT). */
  status?: SignerStatus;
}

/** A certificate's status as the verified evidence tells it. */
export interface SignerStatus {
  state: "good" | "revoked" | "unknown";
  /** ISO-8601: the OCSP response's producedAt or the CRL's thisUpdate. */
  at: string;
  /** ISO-8601, for "revoked". */
  revokedAt?: string;
  /** Subject of the OCSP responder's certificate, or of the CA that issued the CRL. */
  responder: string;
  source: "ocsp" | "crl";
}

export interface SignatureReport {
  /** True only when no check is "invalid" or "error". */
  ok: boolean;
  checks: SignatureCheck[];
  signers: SignerReport[];
}

export interface Authorization {
  authorized: boolean;
  /** e.g. "principal", "homeroom"; an authorized signer without a role counts as "principal". */
  role?: string;
}

/**
 * The issuer registry port: is the certificate with this fingerprint registered for this school
 * (or district office) at this time, and in which role?
 */
export type AuthorizationLookup = (
  issuerCode: string,
  fingerprint: string,
  at: Date,
) => Promise<Authorization>;

export interface VerifyContext {
  trustAnchors: TrustStore;
  /** The verification time (default now). A signing time later than this plus five minutes is rejected. */
  at?: Date;
  /** Who may sign for whom. Without it the authorization and roles checks are "skipped". */
  authorization?: { issuerCode: string; lookup: AuthorizationLookup };
  /** Roles that authorized signers must cover together; default ["principal"]. */
  policy?: { requiredRoles?: string[] };
  /** Signature arithmetic; default WebCrypto. The service passes the node:crypto adapter. */
  crypto?: PkiCrypto;
  /** Trusted TSAs and whether every signer needs a signature timestamp; default: none, not required. */
  timestamps?: SignerTimestampPolicy;
  /**
   * The signing time the container claims, used when the CMS has no signing-time attribute (a PDF
   * signature's /M: PAdES leaves signing-time out). Unset = signing-time is required.
   */
  claimedTime?: Date;
  /**
   * Certificate status evidence kept outside the CMS — a signed PDF's Document Security Store
   * (PAdES B-LT) or the answers the service obtained when it accepted the PDF (its hocba/pdf-1
   * proof) — judged together with the CMS's own revocation values, the same way.
   */
  statusEvidence?: RevocationValues;
}

/**
 * What the verification of a report's signature read of each signer, in signer order: its
 * SignerInfo (with the timestamp once it verified) and its path to a trust anchor (empty when none
 * was found). Kept beside the report, not in it (the report is answered and stored as is), for the
 * certificate status checks of issuance, which would otherwise parse the CMS again.
 */
export interface VerifiedSigner {
  signer: ParsedSignerInfo;
  path: readonly CertificateInfo[];
}

const verifiedSigners = new WeakMap<SignatureReport, readonly VerifiedSigner[]>();

/** The signers verifyDetached read for `report`; undefined for a report it did not return. */
export function verifiedSignersOf(report: SignatureReport): readonly VerifiedSigner[] | undefined {
  return verifiedSigners.get(report);
}

const CLOCK_SKEW_MS = 5 * 60_000;
const DEFAULT_ROLE = "principal";
/** The checks of a signature report, in report order. */
export const SIGNATURE_CHECKS: readonly SignatureCheckName[] = [
  "structure",
  "digest",
  "signature",
  "timestamp",
  "chain",
  "validity",
  "certStatus",
  "keyUsage",
  "authorization",
  "roles",
];

type Verdict =
  | { status: "valid"; message: string }
  | { status: "invalid" | "error"; code: ErrorCode; message: string }
  | { status: "skipped"; message: string };

/**
 * Verifies a detached CMS SignedData over `content` and reports every check.
 * @example
 * const store = createTrustStore([rootPem]);
 * const report = await verifyDetached(canonicalBytes(document), cms, {
 *   trustAnchors: store,
 *   authorization: { issuerCode: document.school.code, lookup: registry.lookup },
 * });
 * if (!report.ok) console.log(report.checks.filter((check) => check.status !== "valid"));
 */
export async function verifyDetached(
  content: Uint8Array,
  cms: Uint8Array,
  context: VerifyContext,
): Promise<SignatureReport> {
  const crypto = context.crypto ?? webCrypto;
  let parsed: ReturnType<typeof parseDetachedSignedData>;
  let offered: CertificateInfo[];
  const signerCertificates: CertificateInfo[] = [];
  try {
    parsed = parseDetachedSignedData(cms, { claimedTime: context.claimedTime });
    offered = parsed.certificates.map((der) => certificateInfo(der, crypto, "SIGNATURE_MALFORMED"));
    for (const [index, signer] of parsed.signers.entries()) {
      const certificate = offered.find((candidate) => identifies(signer, candidate));
      if (certificate === undefined) {
        throw new HocbaError(
          "SIGNATURE_MALFORMED",
          `signer ${index + 1}: its certificate is not included in the signature`,
        );
      }
      signerCertificates.push(certificate);
    }
  } catch (error) {
    const failed = fromError(error);
    return report(
      [
        { name: "structure", ...failed },
        ...SIGNATURE_CHECKS.slice(1).map((name) => skipped(name, "the signature could not be read")),
      ],
      [],
    );
  }
  const structure: Verdict = {
    status: "valid",
    message: `CMS SignedData, detached, ${parsed.signers.length} signer(s)`,
  };

  const contentDigest = crypto.sha256(content);
  const at = context.at ?? new Date();
  const ring = keyRingFor(crypto);
  const many = parsed.signers.length > 1;
  const signers: SignerReport[] = [];
  // Per signer, in signer order, so that the reported failure does not depend on timing.
  const verdicts = parsed.signers.map(() => new Map<SignatureCheckName, Verdict>());
  const chains: (readonly CertificateInfo[])[] = parsed.signers.map(() => []);

  await Promise.all(
    parsed.signers.map(async (signer, index) => {
      const certificate = signerCertificates[index]!;
      const label = (message: string): string =>
        many ? `signer "${certificate.subject}": ${message}` : message;
      const guarded = async (
        name: SignatureCheckName,
        check: () => Promise<Verdict> | Verdict,
      ): Promise<void> => {
        let verdict: Verdict;
        try {
          verdict = await check();
        } catch (error) {
          verdict = fromError(error);
        }
        verdicts[index]!.set(name, { ...verdict, message: label(verdict.message) });
      };
      const signerReport: SignerReport = {
        fingerprint: certificate.fingerprint,
        subject: certificate.subject,
        issuer: certificate.issuer,
        serialNumber: certificate.serialHex,
        signingTime: signer.signingTime.toISOString(),
        messageDigest: toHex(signer.messageDigest),
        chain: [],
      };
      signers[index] = signerReport;

      await guarded("digest", () =>
        bytesEqual(signer.messageDigest, contentDigest)
          ? { status: "valid", message: `message digest ${toHex(contentDigest)} matches the document` }
          : {
              status: "invalid",
              code: "DIGEST_MISMATCH",
              message: `message digest ${toHex(signer.messageDigest)} is not the document's SHA-256 ${toHex(contentDigest)}`,
            },
      );
      await guarded("signature", () => checkSignature(signer, certificate, ring));
      // Before every check that asks when the signer signed: a verified timestamp answers that.
      await guarded("timestamp", async () => {
        const verdict = await checkSignerTimestamp(signer, context.timestamps ?? {}, ring, at);
        const stamp = signer.verifiedTimestamp;
        if (stamp !== undefined) signerReport.timestamp = { time: stamp.time.toISOString(), tsa: stamp.tsa };
        return verdict;
      });
      let outcome: ChainOutcome | undefined;
      let path: CertificateInfo[] | undefined;
      await guarded("chain", async () => {
        outcome = await validateChain(certificate, offered, context.trustAnchors, ring);
        if (outcome.failure !== undefined) return { status: "invalid", ...outcome.failure };
        return { status: "valid", message: `chains to trust anchor "${outcome.paths[0]!.at(-1)!.subject}"` };
      });
      await guarded("validity", () => {
        // Without a path (untrusted, or the chain check crashed) the signer's own validity is still told.
        const paths =
          outcome?.failure === undefined ? outcome?.paths : outcome.candidate && [outcome.candidate];
        const verdict = checkValidity(trustedTime(signer), at, paths ?? [[certificate]]);
        signerReport.chain = paths === undefined ? [] : verdict.path.map((entry) => entry.fingerprint);
        if (paths !== undefined) chains[index] = verdict.path;
        if (paths !== undefined && outcome?.failure === undefined) path = verdict.path;
        return verdict.verdict;
      });
      await guarded("certStatus", () =>
        checkCertStatus(signer, path, ring, signerReport, context.statusEvidence),
      );
      await guarded("keyUsage", () => checkKeyUsage(certificate));
      await guarded("authorization", async () => {
        if (context.authorization === undefined)
          return { status: "skipped", message: "no issuer registry given" };
        const { issuerCode, lookup } = context.authorization;
        const answer = await lookup(issuerCode, certificate.fingerprint, trustedTime(signer).time);
        signerReport.authorized = answer.authorized;
        if (!answer.authorized) {
          return {
            status: "invalid",
            code: "SIGNER_NOT_AUTHORIZED",
            message: `certificate ${certificate.fingerprint} is not authorized to sign for ${issuerCode}`,
          };
        }
        signerReport.role = answer.role ?? DEFAULT_ROLE;
        return { status: "valid", message: `authorized for ${issuerCode} as ${signerReport.role}` };
      });
    }),
  );

  let roles: Verdict;
  if (context.authorization === undefined) {
    roles = { status: "skipped", message: "no issuer registry given" };
  } else {
    const covered = new Set(
      signers.filter((signer) => signer.authorized === true).map((signer) => signer.role),
    );
    const required = context.policy?.requiredRoles ?? [DEFAULT_ROLE];
    const missing = required.filter((role) => !covered.has(role));
    roles =
      missing.length === 0
        ? { status: "valid", message: `required roles present: ${required.join(", ") || "none"}` }
        : {
            status: "invalid",
            code: "SIGNER_ROLE_MISSING",
            message: `no authorized signer in role(s) ${missing.join(", ")}`,
          };
  }
  const checks = SIGNATURE_CHECKS.map((name) => {
    if (name === "structure") return { name, ...structure };
    if (name === "roles") return { name, ...roles };
    return combine(
      name,
      verdicts.map((perSigner) => perSigner.get(name)!),
    );
  });
  const result = report(checks, signers);
  verifiedSigners.set(
    result,
    parsed.signers.map((signer, index) => ({ signer, path: chains[index]! })),
  );
  return result;
}

/**
 * Like verifyDetached, but throws the first failing check's error (in check order).
 * @throws HocbaError with that check's code and the whole report as `details`.
 */
export async function assertSignatureValid(
  content: Uint8Array,
  cms: Uint8Array,
  context: VerifyContext,
): Promise<SignatureReport> {
  const result = await verifyDetached(content, cms, context);
  const failed = result.checks.find((check) => check.status === "invalid" || check.status === "error");
  if (failed !== undefined)
    throw new HocbaError(failed.code ?? "INTERNAL", failed.message, { details: result });
  return result;
}

/** Whether `certificate` is the one a SignerInfo names (by key identifier or issuer and serial). */
export function identifies(signer: ParsedSignerInfo, certificate: CertificateInfo): boolean {
  const sid = signer.sid;
  if (sid.kind === "subjectKeyIdentifier") {
    return (
      certificate.subjectKeyIdentifier !== undefined &&
      bytesEqual(sid.keyIdentifier, certificate.subjectKeyIdentifier)
    );
  }
  return (
    bytesEqual(sid.serialNumber, certificate.serialNumber) && bytesEqual(sid.issuer, certificate.issuerDer)
  );
}

/** The CMS signer algorithms: SHA-256 only, RSA (either OID OpenSSL or pkijs writes) or ECDSA. */
function signerAlgorithm(signer: ParsedSignerInfo): SignatureAlgorithm | undefined {
  if (signer.digestAlgorithm.oid !== OID.sha256) return undefined;
  switch (signer.signatureAlgorithm.oid) {
    case OID.rsaEncryption:
    case OID.sha256WithRSAEncryption:
      return { kind: "RSA", hash: "SHA-256" };
    case OID.ecdsaWithSha256:
      return { kind: "EC", hash: "SHA-256" };
    default:
      return undefined;
  }
}

async function checkSignature(
  signer: ParsedSignerInfo,
  certificate: CertificateInfo,
  ring: KeyRing,
): Promise<Verdict> {
  const invalid = (message: string): Verdict => ({ status: "invalid", code: "SIGNATURE_INVALID", message });
  const algorithm = signerAlgorithm(signer);
  if (algorithm === undefined) {
    return invalid(
      `unsupported algorithms: digest ${signer.digestAlgorithm.oid}, signature ${signer.signatureAlgorithm.oid}`,
    );
  }
  const key = certificate.publicKeyAlgorithm;
  if (key?.kind === "EC" && key.namedCurve !== "P-256")
    return invalid(`ECDSA key on ${key.namedCurve} (hocba accepts P-256)`);
  const why = await ring.check(certificate, algorithm, signer.signedAttributes, signer.signature);
  if (why !== undefined) return invalid(why);
  const kind = key?.kind === "RSA" ? `RSA-${key.modulusBits}` : "ECDSA P-256";
  return { status: "valid", message: `${kind} signature by "${certificate.subject}" verifies` };
}

/**
 * Every certificate of the path must be valid at the signing time — the trusted time, i.e. the
 * verified timestamp's when there is one (trusted-time.ts). A transcript signed in 2024 stays valid
 * after the certificate expires — that is what anchoring and timestamps are for — and the signing
 * time may not lie in the future of the verification time.
 */
function checkValidity(
  when: TrustedTime,
  at: Date,
  paths: CertificateInfo[][],
): { verdict: Verdict; path: CertificateInfo[] } {
  const signingTime = when.time;
  const signed = `${when.source === "timestamp" ? "timestamped" : "signed"} ${signingTime.toISOString()}`;
  if (signingTime.getTime() > at.getTime() + CLOCK_SKEW_MS) {
    return {
      verdict: {
        status: "invalid",
        code: "SIGNATURE_INVALID",
        message: `${when.source === "timestamp" ? "timestamp" : "signing time"} ${signingTime.toISOString()} is after the verification time ${at.toISOString()}`,
      },
      path: paths[0]!,
    };
  }
  let first: Verdict | undefined;
  for (const path of paths) {
    const failure = validityVerdict(signingTime, signed, path);
    if (failure === undefined) {
      return {
        verdict: {
          status: "valid",
          message: `all ${path.length} certificate(s) valid at ${signingTime.toISOString()}${when.source === "timestamp" ? " (timestamp)" : ""}`,
        },
        path,
      };
    }
    first ??= failure;
  }
  return { verdict: first!, path: paths[0]! };
}

/** The first validity failure of the path at signing time, as a verdict naming the time. */
function validityVerdict(signingTime: Date, signed: string, path: CertificateInfo[]): Verdict | undefined {
  const failure = validityFailure(path, signingTime);
  return failure && { status: "invalid", code: failure.code, message: `${failure.message}, ${signed}` };
}

/**
 * The status of the path's certificates from the evidence embedded in the signer's unsigned
 * revocation-values attribute and the evidence given beside the CMS, judged at the trusted time
 * (core/pki/revocation-values.ts).
 */
async function checkCertStatus(
  signer: ParsedSignerInfo,
  path: CertificateInfo[] | undefined,
  ring: KeyRing,
  signerReport: SignerReport,
  beside: RevocationValues | undefined,
): Promise<Verdict> {
  const values = signer.unsignedAttributes.get(OID.revocationValues);
  const besideCount = (beside?.ocsp.length ?? 0) + (beside?.crl.length ?? 0);
  if (values === undefined && besideCount === 0)
    return { status: "skipped", message: "no certificate status evidence in the signature" };
  if (values !== undefined && values.length !== 1)
    return {
      status: "invalid",
      code: "CERT_STATUS_INVALID",
      message: "the revocation values attribute must have one value",
    };
  if (path === undefined) return { status: "skipped", message: "no trusted path to check the status of" };
  let entries: Awaited<ReturnType<typeof embeddedStatus>>;
  try {
    const embedded = values === undefined ? undefined : readRevocationValues(values[0]!);
    entries = await embeddedStatus(mergeRevocationValues(embedded, beside), path, ring);
  } catch (error) {
    // Evidence that does not verify is a forgery or damage, not a failure to check.
    if (isHocbaError(error) && error.code === "CERT_STATUS_INVALID")
      return { status: "invalid", code: error.code, message: error.message };
    throw error;
  }
  const own = entries[0]?.evidence;
  if (own !== undefined) signerReport.status = signerStatusOf(own);
  return judgeStatus(entries, trustedTime(signer));
}

/** The report form of a certificate's verified status. */
export function signerStatusOf(evidence: StatusEvidence): SignerStatus {
  return {
    state: evidence.state,
    at: evidence.at.toISOString(),
    ...(evidence.revokedAt === undefined ? {} : { revokedAt: evidence.revokedAt.toISOString() }),
    responder: evidence.responder,
    source: evidence.source,
  };
}

/**
 * A certificate status in words, for the CLI and logs: "good at <time>, per OCSP responder "<subject>"",
 * "revoked at <revocation time>, per CRL of "<CA>"". (The page says it in Vietnamese or English.)
 */
export function signerStatusText(status: SignerStatus): string {
  const per = `per ${status.source === "ocsp" ? "OCSP responder" : "CRL of"} "${status.responder}"`;
  return status.state === "revoked"
    ? `revoked at ${status.revokedAt ?? status.at}, ${per}`
    : `${status.state} at ${status.at}, ${per}`;
}

function checkKeyUsage(certificate: CertificateInfo): Verdict {
  const failure = signingUseFailure(certificate);
  if (failure !== undefined) return { status: "invalid", ...failure };
  return { status: "valid", message: "the certificate may sign documents" };
}

function fromError(error: unknown): { status: "invalid" | "error"; code: ErrorCode; message: string } {
  if (isHocbaError(error)) {
    const invalid = error.code === "SIGNATURE_MALFORMED";
    return { status: invalid ? "invalid" : "error", code: error.code, message: error.message };
  }
  return {
    status: "error",
    code: "INTERNAL",
    message: error instanceof Error ? error.message : String(error),
  };
}

function skipped(name: SignatureCheckName, message: string): SignatureCheck {
  return { name, status: "skipped", message };
}

/** One check from the verdicts of all signers: the first failure wins, errors before skips. */
function combine(name: SignatureCheckName, verdicts: Verdict[]): SignatureCheck {
  const failed =
    verdicts.find((verdict) => verdict.status === "invalid") ??
    verdicts.find((verdict) => verdict.status === "error");
  if (failed !== undefined) return { name, ...failed };
  if (verdicts.length > 0 && verdicts.every((verdict) => verdict.status === "skipped"))
    return { name, status: "skipped", message: verdicts[0]!.message };
  return { name, status: "valid", message: verdicts.map((verdict) => verdict.message).join("; ") };
}

function report(checks: SignatureCheck[], signers: SignerReport[]): SignatureReport {
  return {
    ok: checks.every((check) => check.status === "valid" || check.status === "skipped"),
    checks,
    signers,
  };
}
