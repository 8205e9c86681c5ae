/**
 * CMS detached signatures and certificate checks for hocba (browser-safe): sign, verify with a
 * report of named checks, and the trust store. Import from here, not from the files behind it.
 */
export { mergeSignedData, withoutSignerInfos } from "./merge";
export { signDetached, type CmsSigner, type SignerInput, type SignOptions } from "./sign";
export { signingUseFailure, validityFailure, type CertificateRuleFailure } from "./signer-certificate";
export {
  verifyDetached,
  assertSignatureValid,
  SIGNATURE_CHECKS,
  type VerifyContext,
  type SignatureReport,
  type SignatureCheck,
  type SignatureCheckName,
  CHECK_STATUSES,
  type CheckStatus,
  type SignerReport,
  type SignerStatus,
  signerStatusText,
  type Authorization,
  type AuthorizationLookup,
} from "./verify";
export {
  requestTimestamp,
  timestampRequest,
  tokenFromResponse,
  verifyTimestampToken,
  type TimestampTransport,
  type TimestampRequest,
  type VerifiedTimestamp,
  type SignerTimestampPolicy,
} from "./timestamp";
export { trustedTime, type TrustedTime, type TimedSigner } from "./trusted-time";
export { signerName, signersOf, type SignerName, type SignatureSigner } from "./names";
export { organisationOf } from "./subject";
export {
  createTrustStore,
  pemToDer,
  type TrustStore,
  type TrustStoreOptions,
  type IssuerFetcher,
  type IntermediatePool,
} from "./trust-store";
export { certificatesOfBundle, isFetchableUrl } from "./aia";
export {
  webCrypto,
  type PkiCrypto,
  type PublicKeyAlgorithm,
  type SignatureAlgorithm,
  type HashName,
} from "./crypto";
export { DOCUMENT_SIGNING_EKUS, OID } from "./oids";
