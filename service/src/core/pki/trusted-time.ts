/**
 * The one answer to "when was this signed?" (docs/decisions.md, trusted time). A signer's
 * `signing-time` attribute is only the signer's claim — anyone holding the key can write any date
 * into it; an RFC 3161 timestamp is a trusted third party's statement that the signature existed at
 * its genTime. Wherever a verified timestamp is present, its time is the signing time: for the
 * certificate validity check, the issuer registry's authorization lookup, and anything else that
 * asks when a signature was made.
 */
/** A timestamp token that verified (core/pki/timestamp.ts): when, and by which TSA (its certificate's subject). */
export interface VerifiedTimestamp {
  time: Date;
  tsa: string;
}

/** What trustedTime needs of a signer: the claimed time, and the timestamp once it verified. */
export interface TimedSigner {
  /** The signing-time signed attribute. */
  signingTime: Date;
  /**
   * Set by the signature verification (core/pki/verify.ts, the `timestamp` check) only when the
   * signer's timestamp token verified against a trusted TSA; never read from the CMS directly.
   */
  verifiedTimestamp?: VerifiedTimestamp;
}

export interface TrustedTime {
  time: Date;
  source: "timestamp" | "signing-time";
  /** The TSA's certificate subject, when the time is a timestamp's. */
  tsa?: string;
}

/**
 * The time a signature counts as made: the verified timestamp's genTime when there is one,
 * otherwise the claimed signing-time.
 * @example
 * const { time, source } = trustedTime(signer); // source "timestamp" once the token verified
 */
export function trustedTime(signer: TimedSigner): TrustedTime {
  const stamp = signer.verifiedTimestamp;
  if (stamp !== undefined) return { time: stamp.time, source: "timestamp", tsa: stamp.tsa };
  return { time: signer.signingTime, source: "signing-time" };
}
