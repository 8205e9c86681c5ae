/**
 * Certification path building and validation (RFC 5280 §6, the parts hocba needs), written out
 * because pkijs's chain engine checks neither the CA path-length limit nor key usage.
 * Everything here depends only on the certificates and the trust anchors, never on
 * the document, so the outcome is computed once per (signer certificate, offered certificates,
 * trust store) and cached; the time-dependent checks (validity at signing time) stay per document
 * in verify.ts.
 */
import { isHocbaError } from "../errors";
import { certificatesOfBundle, isFetchableUrl } from "./aia";
import { certificateInfo, type CertificateInfo } from "./certificate";
import type { SignatureAlgorithm } from "./crypto";
import { bytesEqual } from "./der";
import type { KeyRing } from "./key-ring";
import { OID } from "./oids";
import { subjectKey, type ChainFailure, type ChainOutcome, type TrustStore } from "./trust-store";

export type { ChainFailure, ChainOutcome };

const MAX_PATH = 8;
/** Path-building steps before giving up: bounds the work a CMS stuffed with look-alike CAs can cause. */
const MAX_STEPS = 256;

/**
 * The valid certification paths from `signer` to an anchor of `store`. Issuers are looked up in
 * the certificates the CMS offered, then the store's intermediates (TRUST_INTERMEDIATES_DIR), then
 * — when no path reaches an anchor and the store has a fetcher — through the caIssuers URL of
 * each certificate where a path stopped (aia.ts), at most MAX_FETCHES URLs. Cached in the store;
 * a rejected (crashed) computation is not, nor one that failed because an issuer could not be
 * fetched (the CA's site may answer next time).
 */
export function validateChain(
  signer: CertificateInfo,
  offered: readonly CertificateInfo[],
  store: TrustStore,
  ring: KeyRing,
): Promise<ChainOutcome> {
  let key = signer.fingerprint;
  for (const certificate of offered) key += certificate.fingerprint;
  const cached = store.chainCache.get(key);
  if (cached !== undefined) return cached;
  const outcome = computeChain(signer, offered, store, ring);
  store.chainCache.set(key, outcome);
  outcome.then(
    (result) => {
      if (result.failure?.code === "CERT_CHAIN_INCOMPLETE") store.chainCache.delete(key);
    },
    () => store.chainCache.delete(key),
  );
  return outcome;
}

/** caIssuers URLs followed per path computation (a certificate names one or two; a path has few CAs). */
const MAX_FETCHES = 4;

async function computeChain(
  signer: CertificateInfo,
  offered: readonly CertificateInfo[],
  store: TrustStore,
  ring: KeyRing,
): Promise<ChainOutcome> {
  const pool = new Map<string, CertificateInfo[]>();
  const known = new Set<string>();
  const addToPool = (certificate: CertificateInfo): void => {
    if (known.has(certificate.fingerprint)) return;
    known.add(certificate.fingerprint);
    const name = subjectKey(certificate.subjectDer);
    pool.set(name, [...(pool.get(name) ?? []), certificate]);
  };
  for (const certificate of offered) addToPool(certificate);
  const fetched = new Set<string>();
  const fetchFailures: string[] = [];
  let complete: CertificateInfo[][] = [];
  let deadEnds: CertificateInfo[] = [];
  let steps = 0;
  const extend = (path: CertificateInfo[]): void => {
    if (++steps > MAX_STEPS) return;
    const last = path[path.length - 1]!;
    if (path.length > 1 && store.byFingerprint.has(last.fingerprint)) {
      complete.push(path);
      return;
    }
    if (path.length >= MAX_PATH) return;
    const name = subjectKey(last.issuerDer);
    const candidates = [
      ...(store.bySubject.get(name) ?? []),
      ...(pool.get(name) ?? []),
      ...(store.intermediates.bySubject.get(name) ?? []).filter((ca) => !known.has(ca.fingerprint)),
    ];
    let extended = false;
    for (const issuer of candidates) {
      if (path.some((certificate) => certificate.fingerprint === issuer.fingerprint)) continue;
      const aki = last.authorityKeyIdentifier;
      const ski = issuer.subjectKeyIdentifier;
      if (aki !== undefined && ski !== undefined && !bytesEqual(aki, ski)) continue;
      extended = true;
      extend([...path, issuer]);
    }
    if (!extended && !bytesEqual(last.subjectDer, last.issuerDer)) deadEnds.push(last);
  };
  extend([signer]);
  // No anchor reached: fetch the missing issuers named by the dead ends' AIA, and build again.
  while (complete.length === 0 && store.fetchIssuer !== undefined) {
    const urls = deadEnds
      .flatMap((certificate) => (certificate.caIssuers ?? []).filter(isFetchableUrl))
      .filter((url) => !fetched.has(url));
    if (urls.length === 0 || fetched.size >= MAX_FETCHES) break;
    let added = false;
    for (const url of [...new Set(urls)].slice(0, MAX_FETCHES - fetched.size)) {
      fetched.add(url);
      try {
        const ders = certificatesOfBundle(await store.fetchIssuer(url), url);
        for (const der of ders) {
          const certificate = certificateInfo(der, ring.crypto, "SIGNATURE_MALFORMED");
          if (!known.has(certificate.fingerprint)) added = true;
          addToPool(certificate);
        }
      } catch (error) {
        if (!isHocbaError(error)) throw error;
        fetchFailures.push(error.message);
      }
    }
    if (!added) break;
    complete = [];
    deadEnds = [];
    steps = 0;
    extend([signer]);
  }
  if (complete.length === 0) {
    if (fetchFailures.length > 0) {
      return {
        paths: [],
        failure: {
          code: "CERT_CHAIN_INCOMPLETE",
          message: `no path from "${signer.subject}" to a trust anchor: the issuer certificate of "${deadEnds[0]?.subject ?? signer.subject}" is not installed (TRUST_INTERMEDIATES_DIR) and could not be fetched: ${fetchFailures.join("; ")}`,
        },
      };
    }
    return {
      paths: [],
      failure: {
        code: "CERT_UNTRUSTED",
        message: `no path from "${signer.subject}" to a trust anchor (issuer "${signer.issuer}")`,
      },
    };
  }
  const valid: CertificateInfo[][] = [];
  let firstFailure: ChainFailure | undefined;
  for (const path of complete) {
    const failure = await checkPath(path, ring);
    if (failure === undefined) valid.push(path);
    else firstFailure ??= failure;
  }
  if (valid.length > 0) {
    // A fetched CA on a valid path becomes a known intermediate (the verifier page is given these).
    if (fetched.size > 0)
      for (const path of valid)
        for (const ca of path.slice(1, -1)) if (!offered.includes(ca)) store.intermediates.add(ca);
    return { paths: valid };
  }
  return { paths: [], failure: firstFailure!, candidate: complete[0]! };
}

async function checkPath(path: CertificateInfo[], ring: KeyRing): Promise<ChainFailure | undefined> {
  for (let i = 0; i + 1 < path.length; i++) {
    const subject = path[i]!;
    const issuer = path[i + 1]!;
    const failure = await checkIssuedBy(subject, issuer, ring);
    if (failure !== undefined) return failure;
  }
  for (let j = 1; j < path.length; j++) {
    const issuer = path[j]!;
    if (issuer.basicConstraints?.ca !== true) {
      return {
        code: "CERT_ISSUER_NOT_CA",
        message: `"${issuer.subject}" issued a certificate but is not a CA (basicConstraints)`,
      };
    }
    if (issuer.keyUsage !== undefined && !issuer.keyUsage.has("keyCertSign")) {
      return {
        code: "CERT_ISSUER_NOT_CA",
        message: `"${issuer.subject}" issued a certificate but its key usage lacks keyCertSign`,
      };
    }
    const limit = issuer.basicConstraints.pathLength;
    if (limit !== undefined) {
      // Non-self-issued intermediates between this CA and the signer (RFC 5280 §4.2.1.9).
      const below = path
        .slice(1, j)
        .filter((certificate) => !bytesEqual(certificate.subjectDer, certificate.issuerDer)).length;
      if (below > limit) {
        return {
          code: "CERT_PATH_LENGTH",
          message: `"${issuer.subject}" allows ${limit} intermediate CA(s) below it, the path has ${below}`,
        };
      }
    }
  }
  for (const certificate of path) {
    if (certificate.unknownCriticalExtensions.length > 0) {
      return {
        code: "CERT_CHAIN_INVALID",
        message: `"${certificate.subject}" has unsupported critical extension(s) ${certificate.unknownCriticalExtensions.join(", ")}`,
      };
    }
  }
  return undefined;
}

async function checkIssuedBy(
  subject: CertificateInfo,
  issuer: CertificateInfo,
  ring: KeyRing,
): Promise<ChainFailure | undefined> {
  const invalid = (why: string): ChainFailure => ({
    code: "CERT_CHAIN_INVALID",
    message: `"${subject.subject}": ${why}`,
  });
  if (subject.signatureAlgorithmMismatch) return invalid("its inner and outer signature algorithms differ");
  const algorithm = certificateSignatureAlgorithm(subject.signatureAlgorithm.oid);
  if (algorithm === undefined)
    return invalid(`unsupported signature algorithm ${subject.signatureAlgorithm.oid}`);
  const why = await ring.check(issuer, algorithm, subject.tbs, subject.signatureValue);
  return why === undefined ? undefined : invalid(why);
}

const CERTIFICATE_SIGNATURE_ALGORITHMS: Record<string, SignatureAlgorithm> = {
  [OID.sha256WithRSAEncryption]: { kind: "RSA", hash: "SHA-256" },
  [OID.sha384WithRSAEncryption]: { kind: "RSA", hash: "SHA-384" },
  [OID.sha512WithRSAEncryption]: { kind: "RSA", hash: "SHA-512" },
  [OID.ecdsaWithSha256]: { kind: "EC", hash: "SHA-256" },
  [OID.ecdsaWithSha384]: { kind: "EC", hash: "SHA-384" },
  [OID.ecdsaWithSha512]: { kind: "EC", hash: "SHA-512" },
};

/** Certificate signature algorithms hocba accepts (no SHA-1, no MD5). */
export function certificateSignatureAlgorithm(oid: string): SignatureAlgorithm | undefined {
  return CERTIFICATE_SIGNATURE_ALGORITHMS[oid];
}
