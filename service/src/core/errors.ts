/**
 * The one error type of hocba. Every failure that can reach a user carries a stable string code
 * (append-only: never rename or reuse one), because `instanceof` does not survive a process or
 * network boundary. Only the HTTP layer maps codes to statuses, and only the CLI maps them to exit
 * codes, each in one table.
 */

export const ERROR_CODES = [
  // input
  "JSON_MALFORMED",
  "SCHEMA_INVALID",
  "PAYLOAD_TOO_LARGE",
  // signatures and certificates
  "SIGNATURE_MALFORMED",
  "SIGNATURE_INVALID",
  "DIGEST_MISMATCH",
  "CERT_UNTRUSTED",
  "CERT_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_KEY_USAGE",
  "CERT_EXTENDED_KEY_USAGE",
  "CERT_PATH_LENGTH",
  "CERT_ISSUER_NOT_CA",
  "CERT_CHAIN_INVALID",
  "SIGNER_NOT_AUTHORIZED",
  "SIGNER_ROLE_MISSING",
  // key material
  "KEY_INVALID",
  "P12_PASSWORD_INVALID",
  "P12_INVALID",
  // service
  "NOT_FOUND",
  "NOT_ANCHORED_YET",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "RATE_LIMITED",
  "CONFLICT",
  "CHAIN_UNAVAILABLE",
  "CONFIG_INVALID",
  "USAGE",
  "IO",
  "INTERNAL",
  // graduates import: the file has invalid rows (details: every row's problems)
  "IMPORT_INVALID",
  // PDF: not a readable PDF; a PDF without the embedded credential file
  "PDF_INVALID",
  "PDF_NO_CREDENTIAL",
  // CLI: the hocba API could not be reached (connection refused, DNS, timeout)
  "API_UNAVAILABLE",
  // PKCS#11 tokens: wrong PIN (or PIN locked); no token with that label; no such private key on
  // it; no certificate on the token that matches the key
  "PKCS11_PIN_INCORRECT",
  "PKCS11_TOKEN_NOT_FOUND",
  "PKCS11_KEY_NOT_FOUND",
  "PKCS11_CERT_MISMATCH",
  // selective disclosure: a disclosure that is not one of the document's, or one missing where
  // every disclosure is needed (submission)
  "DISCLOSURE_INVALID",
  // RFC 3161 timestamps. Verification: a signer has no signature timestamp where one is required;
  // the token is malformed, does not cover the signature, or its signature or TSA certificate is
  // wrong; the TSA does not chain to a configured TSA trust anchor. Signing (hocba sign --tsa): the
  // TSA cannot be reached or answers with an HTTP error; it refuses the request (PKIStatus); its
  // answer is not a usable timestamp (garbage, wrong nonce or imprint)
  "TIMESTAMP_MISSING",
  "TIMESTAMP_INVALID",
  "TIMESTAMP_UNTRUSTED",
  "TSA_UNAVAILABLE",
  "TSA_REJECTED",
  "TSA_RESPONSE_INVALID",
  // certificate status (OCSP/CRL): a certificate of the signer's path is revoked; its status could
  // not be obtained (CERT_STATUS=require); an OCSP response or CRL given as evidence does not verify
  "CERT_REVOKED",
  "CERT_STATUS_UNAVAILABLE",
  "CERT_STATUS_INVALID",
  // the printable PDF could not be sealed (PDF_SEAL_P12)
  "PDF_SEAL_FAILED",
  // signed PDFs (PAdES): no signature at all; a signature whose byte range or SubFilter is wrong;
  // bytes added after the last signature that are not validation data
  "PDF_NOT_SIGNED",
  "PDF_SIGNATURE_INVALID",
  "PDF_MODIFIED_AFTER_SIGNING",
  // class workbook import: the file states another school than the one importing it
  "WORKBOOK_SCHOOL_MISMATCH",
  // backups: the file is not a hocba backup, is damaged (checksum) or is of a newer schema;
  // `hocba restore` onto a database that already holds hocba data
  "BACKUP_INVALID",
  "DATABASE_NOT_EMPTY",
  // a certification path could not be completed: an issuer certificate is in neither the CMS, the
  // trust store nor TRUST_INTERMEDIATES_DIR, and its AIA caIssuers URL did not give it (unreachable,
  // 404, timeout, too large, not a certificate)
  "CERT_CHAIN_INCOMPLETE",
  // staff sign-in: the session cookie is unknown, forged or expired (sign in again); a
  // state-changing request without the session's CSRF token; a sign-in callback that matches no
  // login under way (replayed, forged state, expired) or that the OpenID Provider refused; staff
  // sign-in is not set up on this service
  "SESSION_INVALID",
  "CSRF_INVALID",
  "LOGIN_INVALID",
  "SIGN_IN_UNAVAILABLE",
  // the printable PDF's seal needs a signature timestamp (PDF_SEAL_TSA_URL) and the TSA did not
  // give one: unreachable, an HTTP error, a refusal, or an answer that is not a timestamp
  "PDF_TIMESTAMP_UNAVAILABLE",

  // signing drafts in the school workspace: a device token that is malformed, unknown, revoked or
  // expired; a signer certificate whose registry role the caller does not hold for the draft's
  // class; a draft that already carries that role's (or that certificate's) signature or was
  // already submitted; `hocba sign-pending` answered "no" at its confirmation (nothing signed)
  "DEVICE_TOKEN_INVALID",
  "SIGNER_ROLE_NOT_HELD",
  "DRAFT_ALREADY_SIGNED",
  "SIGNING_DECLINED",

  // citizens' share links (docs/citizens.md): the link's expiry has passed; its holder revoked it;
  // citizen sign-in: the identity provider vouched for the person but sent no 12-digit citizen ID
  // in CITIZEN_ID_CLAIM
  "SHARE_EXPIRED",
  "SHARE_REVOKED",
  "CITIZEN_ID_MISSING",

  // graduation records after the 2025 reform (docs/graduates.md): a department's file has rows of
  // districts that are not its former districts (another province's, or none's)
  "DISTRICT_NOT_IN_PROVINCE",
  // the school workspace: every required role signed a draft but its submission was refused
  // (details.refusal: the submission's own code and message, whether a retry may pass, the
  // signature at fault); the draft stays `refused` until a retry passes or that signature is removed
  "DRAFT_SUBMISSION_REFUSED",
  // a signed PDF's XML attachment (docs/formats.md, transcript as XML): not well-formed XML (or a
  // DOCTYPE, or an encoding hocba does not read); hocba's XML form of a transcript that breaks the
  // JSON path's rules or does not map to its model (details: every problem by JSON pointer)
  "XML_MALFORMED",
  "XML_INVALID",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface HocbaErrorOptions {
  /** Machine-readable specifics: JSON paths, offending values, per-item problems. */
  details?: unknown;
  cause?: unknown;
}

export class HocbaError extends Error {
  override readonly name = "HocbaError";
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: HocbaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: unknown } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** Type guard that also works across module copies (bundles, workers): it checks the shape. */
export function isHocbaError(value: unknown): value is HocbaError {
  if (value instanceof HocbaError) return true;
  if (!(value instanceof Error) || value.name !== "HocbaError") return false;
  const code: unknown = (value as Error & { code?: unknown }).code;
  return typeof code === "string" && (ERROR_CODES as readonly string[]).includes(code);
}

/** Throws unless `value` is a HocbaError; re-wraps anything else as INTERNAL. */
export function toHocbaError(value: unknown): HocbaError {
  if (isHocbaError(value)) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new HocbaError("INTERNAL", message, { cause: value });
}
