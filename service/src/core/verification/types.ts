/**
 * The vocabulary of verification (docs/verification.md): what a check reports, what a verification
 * returns, and the ports through which the pipeline learns what the credential alone cannot tell —
 * the chain's state and the service's knowledge of corrections. The service, the browser page and
 * the CLI pass different ports; the checks are the same.
 */
import type { ValidationOptions } from "../documents";
import {
  CHECK_STATUSES,
  type CheckStatus,
  type PkiCrypto,
  type SignerTimestampPolicy,
  type TrustStore,
} from "../pki";

export type CheckName =
  "format" | "integrity" | "signature" | "signer" | "inclusion" | "anchored" | "revocation" | "supersession";

/** The eight checks, in report order. */
export const CHECK_NAMES: readonly CheckName[] = [
  "format",
  "integrity",
  "signature",
  "signer",
  "inclusion",
  "anchored",
  "revocation",
  "supersession",
];

/** valid / invalid / error / skipped: one status type for the pipeline's checks and the signer's. */
export { CHECK_STATUSES, type CheckStatus };

export interface Check {
  name: CheckName;
  /** `invalid`: the credential is wrong (forged, revoked…); `error`: the check could not be made (chain down). */
  status: CheckStatus;
  /** Plain English for people; programs key on name, status and data. */
  message: string;
  /** What a UI shows beside the message (docHash, signer, root, anchoredAt, revokedAt, supersededBy…). */
  data?: Record<string, unknown>;
}

/**
 * What a verification concludes, for people and programs alike (`verdictOf`):
 *  - `valid`: no check is invalid or error;
 *  - `not-hocba`: the file is not a hocba/1 credential at all (its structure is wrong);
 *  - `invalid`: a hocba file that must not be trusted — changed after signing, forged, untrusted
 *    signer, not anchored, corrected…;
 *  - `revoked`: a genuine document its issuer revoked (the revocation is the only failure);
 *  - `error`: nothing is known wrong but a check could not be made (chain or service unreachable).
 */
export type Verdict = "valid" | "not-hocba" | "invalid" | "revoked" | "error";

/** The verdicts, for schemas. */
export const VERDICTS: readonly Verdict[] = ["valid", "not-hocba", "invalid", "revoked", "error"];

export interface VerificationResult {
  /** True iff no check is invalid or error (skipped checks do not count): `verdict === "valid"`. */
  valid: boolean;
  verdict: Verdict;
  checks: Check[];
}

/**
 * What verification asks the chain. Times are seconds since the epoch (block time), 0 for "never".
 * Failures to reach the chain throw (HocbaError CHAIN_UNAVAILABLE) and become `error` checks.
 */
export interface ChainStatusPort {
  /** The chain and registry this port reads; a credential naming others is not accepted. */
  readonly chainId: number;
  readonly registry: string;
  anchoredAt(root: string): Promise<number>;
  revokedAt(leaf: string): Promise<number>;
  /** Was the certificate (0x SHA-256 of its DER) registered for the issuer at time `at`? */
  isIssuerCertificate(issuerCode: string, fingerprint: string, at: Date): Promise<boolean>;
}

/** The service's knowledge of corrections: the id of the document that supersedes this one, if any. */
export type SupersessionLookup = (documentId: string) => Promise<{ supersededBy: string } | null>;

/**
 * The service's knowledge of revocations: when the issuer revoked the document of this leaf, if it
 * did — known at once, while the chain learns it only when the next anchoring round writes it.
 */
export type RevocationLookup = (leaf: string) => Promise<{ revokedAt: Date } | null>;

/**
 * The issuer registry's word on roles, which the chain does not hold: the role of each of the
 * issuer's certificates (fingerprint → role) and the roles its documents require together; null
 * for an issuer the service does not know (the defaults then apply).
 */
export type IssuerRolesLookup = (
  issuerCode: string,
) => Promise<{ requiredRoles: string[]; roles: Record<string, string> } | null>;

export interface VerificationContext {
  /** The root CAs a signer must chain to. */
  trustAnchors: TrustStore;
  /** Signature arithmetic; default WebCrypto (the service passes node:crypto). */
  crypto?: PkiCrypto;
  /** The chain; without it (offline) the anchored and revocation checks and the signer's authorization are skipped. */
  chain?: ChainStatusPort;
  /** Without it (offline) the supersession check is skipped. */
  supersession?: SupersessionLookup;
  /**
   * Revocations the issuing service knows of, asked beside the chain: a revocation whose on-chain
   * write is still pending is reported as such (`invalid`), not as "not revoked".
   */
  revocations?: RevocationLookup;
  /**
   * Signer roles and the issuer's required roles (the service's database, or its public route on
   * the page). Without it an authorized signer counts as "principal" and policy.requiredRoles applies.
   */
  issuerRoles?: IssuerRolesLookup;
  policy?: {
    /** Roles authorized signers must cover together; default ["principal"] (see core/pki). */
    requiredRoles?: string[];
    /** Options of the document format check. */
    validation?: ValidationOptions;
  };
  /** The verification time (default now): a signature dated after it is rejected. */
  at?: Date;
  /**
   * The TSAs whose signature timestamps are trusted, and whether one is required of every signer;
   * without trusted TSAs a timestamp is checked but its time is not used (docs/verification.md).
   */
  timestamps?: SignerTimestampPolicy;
}
