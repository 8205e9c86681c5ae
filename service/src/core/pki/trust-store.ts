/**
 * The configured trust anchors (a folder of PEM roots in production, never code — docs/school-records.md),
 * built once at start-up. The store also owns the cache of chain-validation outcomes, because an
 * outcome is only meaningful relative to the anchors it was computed against.
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

export interface TrustStore {
  readonly anchors: readonly CertificateInfo[];
  /** Anchors by fingerprint. */
  readonly byFingerprint: ReadonlyMap<string, CertificateInfo>;
  /** Anchors by hex of their subject name DER. */
  readonly bySubject: ReadonlyMap<string, readonly CertificateInfo[]>;
  /** Chain outcomes keyed by the signer's and the offered certificates' fingerprints. */
  readonly chainCache: BoundedCache<string, Promise<ChainOutcome>>;
}

/**
 * Builds a trust store from root certificates: PEM text (one or several certificates) or DER bytes.
 * @throws HocbaError CONFIG_INVALID when an entry holds no certificate or a malformed one.
 * @example
 * const store = createTrustStore([readFileSync("trust/root-ca.pem", "utf8")]);
 */
export function createTrustStore(roots: ReadonlyArray<string | Uint8Array>): TrustStore {
  const anchors: CertificateInfo[] = [];
  for (const root of roots) {
    const ders = typeof root === "string" ? pemToDer(root, "CERTIFICATE") : [root];
    if (ders.length === 0)
      throw new HocbaError("CONFIG_INVALID", "a trust anchor entry holds no PEM certificate");
    for (const der of ders) anchors.push(certificateInfo(der, webCrypto, "CONFIG_INVALID"));
  }
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
