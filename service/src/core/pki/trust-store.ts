/**
 * The configured trust anchors (a folder of PEM roots in production, never code — docs/school-records.md),
 * built once at start-up, with the intermediate CA certificates the operator installed
 * (TRUST_INTERMEDIATES_DIR) and, optionally, the port that fetches a missing issuer through its
 * AIA caIssuers URL (aia.ts). Intermediates are never trusted by themselves: they are only
 * candidates when a path to an anchor is built. The store also owns the cache of chain-validation
 * outcomes, because an outcome is only meaningful relative to the anchors it was computed against.
 */
import { HocbaError, type ErrorCode } from "../errors";
import { BoundedCache } from "./bounded-cache";
import { certificateInfo, type CertificateInfo } from "./certificate";
import { webCrypto } from "./crypto";

export interface ChainFailure {
  code: ErrorCode;
  message: string;
}

/** What chain.ts found for a signer: structurally valid paths (signer first, anchor last), or why there is none. */
export type ChainOutcome =
  | { paths: CertificateInfo[][]; failure?: undefined }
  | { paths: []; failure: ChainFailure; candidate?: CertificateInfo[] };

/**
 * The port that completes a path: the body of an HTTP GET of a caIssuers URL (DER certificate,
 * PKCS#7 certs-only bundle, or PEM text), fetched once and cached by the implementation.
 * @throws HocbaError CERT_CHAIN_INCOMPLETE when the URL gives no body (unreachable, not 200, too
 *   large, too slow).
 */
export type IssuerFetcher = (url: string) => Promise<Uint8Array>;

/** Intermediate CA certificates known to the store (installed, or fetched and found on a valid path). */
export interface IntermediatePool {
  /** By hex of their subject name DER (subjectKey). */
  readonly bySubject: ReadonlyMap<string, readonly CertificateInfo[]>;
  /** Every known intermediate, in the order it became known. */
  list(): readonly CertificateInfo[];
  /** Adds a certificate (a no-op when it is known). */
  add(certificate: CertificateInfo): void;
}

export interface TrustStoreOptions {
  /** Intermediate CA certificates: PEM text (one or several) or DER bytes. */
  intermediates?: ReadonlyArray<string | Uint8Array>;
  /** Fetches an issuer missing from the CMS and the intermediates through its AIA caIssuers URL. */
  fetchIssuer?: IssuerFetcher;
}

export interface TrustStore {
  readonly anchors: readonly CertificateInfo[];
  /** Anchors by fingerprint. */
  readonly byFingerprint: ReadonlyMap<string, CertificateInfo>;
  /** Anchors by hex of their subject name DER. */
  readonly bySubject: ReadonlyMap<string, readonly CertificateInfo[]>;
  /** Chain outcomes keyed by the signer's and the offered certificates' fingerprints. */
  readonly chainCache: BoundedCache<string, Promise<ChainOutcome>>;
  readonly intermediates: IntermediatePool;
  readonly fetchIssuer?: IssuerFetcher;
}

/** The certificates of PEM text (one or several) or DER bytes entries. */
function certificatesOf(entries: ReadonlyArray<string | Uint8Array>, what: string): CertificateInfo[] {
  const certificates: CertificateInfo[] = [];
  for (const entry of entries) {
    const ders = typeof entry === "string" ? pemToDer(entry, "CERTIFICATE") : [entry];
    if (ders.length === 0) throw new HocbaError("CONFIG_INVALID", `${what} entry holds no PEM certificate`);
    for (const der of ders) certificates.push(certificateInfo(der, webCrypto, "CONFIG_INVALID"));
  }
  return certificates;
}

function intermediatePool(initial: readonly CertificateInfo[]): IntermediatePool {
  const byFingerprint = new Map<string, CertificateInfo>();
  const bySubject = new Map<string, CertificateInfo[]>();
  const pool: IntermediatePool = {
    bySubject,
    list: () => [...byFingerprint.values()],
    add(certificate) {
      if (byFingerprint.has(certificate.fingerprint)) return;
      byFingerprint.set(certificate.fingerprint, certificate);
      const key = subjectKey(certificate.subjectDer);
      bySubject.set(key, [...(bySubject.get(key) ?? []), certificate]);
    },
  };
  for (const certificate of initial) pool.add(certificate);
  return pool;
}

/**
 * Builds a trust store from root certificates: PEM text (one or several certificates) or DER bytes,
 * with intermediate CA certificates and an AIA fetcher when given.
 * @throws HocbaError CONFIG_INVALID when an entry holds no certificate or a malformed one.
 * @example
 * const store = createTrustStore([readFileSync("trust/root-ca.pem", "utf8")], {
 *   intermediates: [readFileSync("trust/intermediates/vnpt-ca.pem", "utf8")],
 * });
 */
export function createTrustStore(
  roots: ReadonlyArray<string | Uint8Array>,
  options: TrustStoreOptions = {},
): TrustStore {
  const anchors = certificatesOf(roots, "a trust anchor");
  const intermediates = certificatesOf(options.intermediates ?? [], "an intermediate CA");
  const byFingerprint = new Map(anchors.map((anchor) => [anchor.fingerprint, anchor]));
  const bySubject = new Map<string, CertificateInfo[]>();
  for (const anchor of byFingerprint.values()) {
    const key = subjectKey(anchor.subjectDer);
    bySubject.set(key, [...(bySubject.get(key) ?? []), anchor]);
  }
  return {
    anchors: [...byFingerprint.values()],
    byFingerprint,
    bySubject,
    chainCache: new BoundedCache(10_000),
    intermediates: intermediatePool(intermediates.filter((ca) => !byFingerprint.has(ca.fingerprint))),
    ...(options.fetchIssuer ? { fetchIssuer: options.fetchIssuer } : {}),
  };
}

/** The map key of a distinguished name: its DER in hex (names are compared byte for byte). */
export function subjectKey(nameDer: Uint8Array): string {
  let out = "";
  for (const byte of nameDer) out += String.fromCharCode(byte);
  return out;
}

/**
 * The DER bodies of every PEM block with the given label (e.g. "CERTIFICATE") in `text`.
 * @throws HocbaError CONFIG_INVALID when a block's base64 is corrupt.
 */
export function pemToDer(text: string, label: string): Uint8Array[] {
  const pattern = new RegExp(`-----BEGIN ${label}-----([^-]*)-----END ${label}-----`, "g");
  return Array.from(text.matchAll(pattern), (match) => {
    try {
      return Uint8Array.from(atob(match[1]!.replace(/\s+/g, "")), (char) => char.charCodeAt(0));
    } catch (error) {
      throw new HocbaError("CONFIG_INVALID", `corrupt base64 in a PEM ${label} block`, { cause: error });
    }
  });
}
