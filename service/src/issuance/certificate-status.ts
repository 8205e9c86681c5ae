/**
 * Certificate status on submission and registration (docs/verification.md, certStatus): every
 * certificate of a signer's path but the trust anchor is checked by OCSP (the responder its
 * authority information access names) or, failing that, by its CRL distribution point, under the
 * policy CERT_STATUS:
 *
 * - `off`: nothing is checked;
 * - `prefer`: a revoked certificate is refused (CERT_REVOKED); a status that cannot be obtained
 *   (no responder named, responder down, an answer that does not verify) is accepted without evidence;
 * - `require`: as prefer, but an unobtainable status is refused (CERT_STATUS_UNAVAILABLE).
 *
 * The answers are verified (core/pki/status.ts), cached per certificate until their nextUpdate
 * (at most `maxAgeMs`; failures for `retryAfterMs`) and shared across documents and requests, so a
 * batch from one school costs one OCSP request; what they prove is embedded in the stored CMS as
 * revocation values (core/pki/revocation-values.ts), so the credential verifies years later
 * without the CA's servers.
 */
import { HocbaError, isHocbaError } from "../core/errors";
import type { PkiCrypto, SignatureReport } from "../core/pki";
import { BoundedCache } from "../core/pki/bounded-cache";
import type { CertificateInfo } from "../core/pki/certificate";
import { keyRingFor } from "../core/pki/key-ring";
import { revocationValuesAttribute, withRevocationValues } from "../core/pki/revocation-values";
import {
  basicOcspResponseOf,
  ocspRequest,
  statusLocations,
  verifyCrlEvidence,
  verifyOcspEvidence,
  type StatusEvidence,
} from "../core/pki/status";
import { trustedTime, type TrustedTime } from "../core/pki/trusted-time";
import { signerStatusOf, verifiedSignersOf } from "../core/pki/verify";
import type { StatusFetcher } from "./ports";

export type CertStatusPolicy = "off" | "prefer" | "require";

/** The status of one certificate: verified evidence, or why none could be had. */
export type CertificateStatusOutcome =
  | { certificate: CertificateInfo; evidence: StatusEvidence }
  | { certificate: CertificateInfo; unavailable: string };

export interface CertificateStatusChecker {
  readonly policy: CertStatusPolicy;
  /** The status of every certificate of `path` (signer first, trust anchor last) but the anchor. */
  check(path: readonly CertificateInfo[]): Promise<CertificateStatusOutcome[]>;
}

export interface CertificateStatusOptions {
  policy: CertStatusPolicy;
  fetch: StatusFetcher;
  crypto: PkiCrypto;
  /** Longest a good or revoked answer is reused, even when its nextUpdate is later. */
  maxAgeMs: number;
  /** How long a failure is remembered before the responder is asked again. */
  retryAfterMs?: number;
  now?: () => Date;
}

/** An OCSP response is a few KB; a CRL of a large CA a few MB. */
const OCSP_MAX_BYTES = 256 * 1024;
const CRL_MAX_BYTES = 20 * 1024 * 1024;
/** Tolerated clock difference with a responder. */
const SKEW_MS = 5 * 60_000;

interface CacheEntry {
  expires: number;
  outcome: Promise<CertificateStatusOutcome>;
}

export function createCertificateStatusChecker(options: CertificateStatusOptions): CertificateStatusChecker {
  const now = options.now ?? (() => new Date());
  const retryAfterMs = options.retryAfterMs ?? 60_000;
  const ring = keyRingFor(options.crypto);
  const cache = new BoundedCache<string, CacheEntry>(10_000);

  const fresh = (evidence: StatusEvidence, at: number): string | undefined => {
    if (evidence.thisUpdate.getTime() > at + SKEW_MS)
      return `its thisUpdate ${evidence.thisUpdate.toISOString()} is in the future`;
    if (evidence.nextUpdate !== undefined && evidence.nextUpdate.getTime() < at - SKEW_MS)
      return `it is stale (nextUpdate ${evidence.nextUpdate.toISOString()})`;
    return undefined;
  };

  const obtain = async (
    certificate: CertificateInfo,
    issuer: CertificateInfo,
  ): Promise<CertificateStatusOutcome> => {
    const where = statusLocations(certificate);
    const problems: string[] = [];
    const attempt = async (url: string, get: () => Promise<StatusEvidence | undefined>) => {
      try {
        const evidence = await get();
        const why =
          evidence === undefined
            ? "the answer is not about this certificate"
            : evidence.state === "unknown"
              ? "the responder does not know this certificate"
              : fresh(evidence, now().getTime());
        if (why === undefined) return evidence;
        problems.push(`${url}: ${why}`);
      } catch (error) {
        problems.push(`${url}: ${error instanceof Error ? error.message : String(error)}`);
      }
      return undefined;
    };
    for (const url of where.ocsp) {
      const evidence = await attempt(url, async () => {
        const answer = await options.fetch({
          url,
          body: ocspRequest(certificate, issuer),
          contentType: "application/ocsp-request",
          accept: "application/ocsp-response",
          maxBytes: OCSP_MAX_BYTES,
        });
        return verifyOcspEvidence(basicOcspResponseOf(answer), certificate, issuer, ring);
      });
      if (evidence !== undefined) return { certificate, evidence };
    }
    for (const url of where.crl) {
      const evidence = await attempt(url, async () => {
        const answer = await options.fetch({ url, accept: "application/pkix-crl", maxBytes: CRL_MAX_BYTES });
        return verifyCrlEvidence(answer, certificate, issuer, ring);
      });
      if (evidence !== undefined) return { certificate, evidence };
    }
    if (problems.length === 0)
      return { certificate, unavailable: "it names no OCSP responder or CRL (http)" };
    return { certificate, unavailable: problems.join("; ") };
  };

  const statusOf = (
    certificate: CertificateInfo,
    issuer: CertificateInfo,
  ): Promise<CertificateStatusOutcome> => {
    const key = certificate.fingerprint + issuer.fingerprint;
    const at = now().getTime();
    const cached = cache.get(key);
    if (cached !== undefined && cached.expires > at) return cached.outcome;
    const entry: CacheEntry = { expires: at + retryAfterMs, outcome: obtain(certificate, issuer) };
    cache.set(key, entry);
    void entry.outcome.then(
      (outcome) => {
        if (!("evidence" in outcome)) return;
        const next = outcome.evidence.nextUpdate?.getTime() ?? Infinity;
        entry.expires = Math.min(next, at + options.maxAgeMs);
      },
      () => cache.delete(key),
    );
    return entry.outcome;
  };

  return {
    policy: options.policy,
    async check(path) {
      const checks: Promise<CertificateStatusOutcome>[] = [];
      for (let i = 0; i + 1 < path.length; i++) checks.push(statusOf(path[i]!, path[i + 1]!));
      return Promise.all(checks);
    },
  };
}

/**
 * Applies the policy to a path's statuses; returns the evidence to keep.
 * @throws HocbaError CERT_REVOKED for a revoked certificate — unless a signature timestamp proves
 * the signature older than the revocation (a claimed signing-time proves nothing: whoever holds a
 * compromised key writes any time) — and CERT_STATUS_UNAVAILABLE under `require`.
 */
export async function assertPathStatus(
  checker: CertificateStatusChecker,
  path: readonly CertificateInfo[],
  time?: TrustedTime,
): Promise<{ certificate: CertificateInfo; evidence: StatusEvidence }[]> {
  if (checker.policy === "off") return [];
  const outcomes = await checker.check(path);
  const kept: { certificate: CertificateInfo; evidence: StatusEvidence }[] = [];
  for (const outcome of outcomes) {
    const subject = outcome.certificate.subject;
    if ("unavailable" in outcome) {
      if (checker.policy === "require")
        throw new HocbaError(
          "CERT_STATUS_UNAVAILABLE",
          `the status of "${subject}" could not be obtained: ${outcome.unavailable}`,
          { details: { fingerprint: outcome.certificate.fingerprint, subject } },
        );
      continue;
    }
    const { evidence } = outcome;
    if (evidence.state === "revoked") {
      const revokedAt = evidence.revokedAt!;
      const older = time?.source === "timestamp" && time.time.getTime() < revokedAt.getTime();
      if (!older)
        throw new HocbaError(
          "CERT_REVOKED",
          `"${subject}" was revoked at ${revokedAt.toISOString()} (per ${evidence.source === "ocsp" ? "OCSP responder" : "CRL of"} "${evidence.responder}")`,
          {
            details: {
              fingerprint: outcome.certificate.fingerprint,
              subject,
              revokedAt: revokedAt.toISOString(),
            },
          },
        );
    }
    kept.push(outcome);
  }
  return kept;
}

/**
 * Checks the status of every signer's path of a verified signature (`report`, as verifyDetached or
 * assertSignatureValid returned it: the paths and trusted times are those its verification found):
 * each signer's status lands in `report`, and the evidence to keep is returned per signer ([] for a
 * signer without any; [] for all under CERT_STATUS=off).
 * @throws HocbaError as assertPathStatus
 */
export async function signerStatusEvidence(
  checker: CertificateStatusChecker,
  report: SignatureReport,
): Promise<StatusEvidence[][]> {
  if (checker.policy === "off") return [];
  const verified = verifiedSignersOf(report);
  if (verified === undefined)
    throw new HocbaError("INTERNAL", "the signature report is not a verification's");
  return Promise.all(
    verified.map(async ({ signer, path }, index) => {
      const signerReport = report.signers[index]!;
      let evidence: { certificate: CertificateInfo; evidence: StatusEvidence }[];
      try {
        evidence = await assertPathStatus(checker, path, trustedTime(signer));
      } catch (error) {
        if (isHocbaError(error) && verified.length > 1)
          throw new HocbaError(error.code, `signer "${signerReport.subject}": ${error.message}`, {
            details: error.details,
          });
        throw error;
      }
      const own = evidence.find((item) => item.certificate === path[0]);
      if (own !== undefined) signerReport.status = signerStatusOf(own.evidence);
      return evidence.map((item) => item.evidence);
    }),
  );
}

/**
 * Checks the status of every signer's path of a verified signature and returns the CMS to store:
 * with the evidence as each signer's revocation values (unchanged when there is none), and each
 * signer's status in `report`.
 * @throws HocbaError as assertPathStatus
 */
export async function withCertificateStatus(
  checker: CertificateStatusChecker,
  cms: Uint8Array,
  report: SignatureReport,
): Promise<Uint8Array> {
  const evidence = await signerStatusEvidence(checker, report);
  return evidence.some((list) => list.length > 0)
    ? withRevocationValues(
        cms,
        evidence.map((list) => (list.length === 0 ? undefined : revocationValuesAttribute(list))),
      )
    : cms;
}
