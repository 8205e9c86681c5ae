/**
 * Verification of hocba/1 credentials (docs/verification.md), browser-safe: the service, the CLI and the
 * verifier page import from here and pass their own ports (chain, supersession).
 */
export { verifyCredential, verdictOf } from "./verify";
export {
  parseCredential,
  readableDocument,
  type ParsedCredential,
  type SignedCredential,
  type FormatFailure,
  type FormatProblem,
} from "./format";
export {
  CredentialSchema,
  CredentialAnchorSchema,
  CredentialFormatSchema,
  CREDENTIAL_FORMAT,
  DISCLOSABLE_CREDENTIAL_FORMAT,
  type Credential,
  type CredentialAnchor,
  type CredentialFormat,
} from "./credential";
export {
  CHECK_NAMES,
  CHECK_STATUSES,
  VERDICTS,
  type Check,
  type CheckName,
  type CheckStatus,
  type ChainStatusPort,
  type SupersessionLookup,
  type RevocationLookup,
  type IssuerRolesLookup,
  type VerificationContext,
  type VerificationResult,
  type Verdict,
} from "./types";
export {
  verifySignedPdf,
  parsePdfProof,
  pdfDocHash,
  looksLikePdf,
  PDF_PROOF_FORMAT,
  SIGNED_PDF_TYPE,
  PdfProofSchema,
  type PdfProof,
  type PdfProofSource,
} from "./pdf";
