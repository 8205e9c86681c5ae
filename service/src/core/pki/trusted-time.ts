/**
 * The time a signature is taken to have been made. Minimal form: the claimed signing-time signed
 * attribute. Where an RFC 3161 signature timestamp is present, the timestamp's time replaces it
 * (issue 12, trusted time); callers ask here and never read `signingTime` themselves for that.
 */
import type { ParsedSignerInfo } from "./cms";

export interface TrustedTime {
  time: Date;
  source: "timestamp" | "signing-time";
  /** The time-stamping authority, when `source` is "timestamp". */
  tsa?: string;
}

export function trustedTime(signer: ParsedSignerInfo): TrustedTime {
  return { time: signer.signingTime, source: "signing-time" };
}
