/**
 * The one table from error codes to process exit codes. 0 is success, 1 means "the thing checked
 * is not valid" (a verification that ran and failed), 2 "it could not be checked" (chain or API
 * unreachable), 64 is a usage error (sysexits EX_USAGE);
 * every other error code gets its own number so scripts can tell failures apart.
 */
import type { ErrorCode } from "../core/errors";

export const EXIT_OK = 0;
export const EXIT_CHECK_FAILED = 1;
/**
 * A check could not be made (the chain or the hocba API unreachable): the thing checked is neither
 * known valid nor known invalid — try again later, do not treat it as a forgery.
 */
export const EXIT_CHECK_ERROR = 2;

const EXIT_CODES: Record<ErrorCode, number> = {
  USAGE: 64,
  JSON_MALFORMED: 65,
  SCHEMA_INVALID: 66,
  IO: 67,
  PAYLOAD_TOO_LARGE: 68,
  SIGNATURE_MALFORMED: 10,
  SIGNATURE_INVALID: 11,
  DIGEST_MISMATCH: 12,
  CERT_UNTRUSTED: 20,
  CERT_EXPIRED: 21,
  CERT_NOT_YET_VALID: 22,
  CERT_KEY_USAGE: 23,
  CERT_EXTENDED_KEY_USAGE: 24,
  CERT_PATH_LENGTH: 25,
  CERT_ISSUER_NOT_CA: 26,
  CERT_CHAIN_INVALID: 27,
  SIGNER_NOT_AUTHORIZED: 28,
  SIGNER_ROLE_MISSING: 29,
  KEY_INVALID: 30,
  P12_PASSWORD_INVALID: 31,
  P12_INVALID: 32,
  NOT_FOUND: 40,
  NOT_ANCHORED_YET: 41,
  UNAUTHORIZED: 42,
  FORBIDDEN: 43,
  RATE_LIMITED: 44,
  CONFLICT: 45,
  CHAIN_UNAVAILABLE: 50,
  // The hocba API did not answer (not running, wrong HOCBA_API_URL/PORT): nothing was sent or done.
  // `hocba verify --api` exits EXIT_CHECK_ERROR (2) instead: the credential could not be checked.
  API_UNAVAILABLE: 51,
  CONFIG_INVALID: 78,
  INTERNAL: 70,
  IMPORT_INVALID: 69,
  PDF_INVALID: 13,
  PDF_NO_CREDENTIAL: 14,
  PKCS11_PIN_INCORRECT: 33,
  PKCS11_TOKEN_NOT_FOUND: 34,
  PKCS11_KEY_NOT_FOUND: 35,
  PKCS11_CERT_MISMATCH: 36,
  DISCLOSURE_INVALID: 18,
  TIMESTAMP_MISSING: 15,
  TIMESTAMP_INVALID: 16,
  TIMESTAMP_UNTRUSTED: 17,
  // `hocba sign --tsa`: nothing was written, sign again when the TSA answers.
  TSA_UNAVAILABLE: 52,
  TSA_REJECTED: 53,
  TSA_RESPONSE_INVALID: 54,
  CERT_REVOKED: 37,
  CERT_STATUS_INVALID: 38,
  CERT_STATUS_UNAVAILABLE: 55,
  PDF_SEAL_FAILED: 90,
  PDF_NOT_SIGNED: 91,
  PDF_SIGNATURE_INVALID: 92,
  PDF_MODIFIED_AFTER_SIGNING: 93,
  WORKBOOK_SCHOOL_MISMATCH: 49,
  BACKUP_INVALID: 71,
  DATABASE_NOT_EMPTY: 72,
  CERT_CHAIN_INCOMPLETE: 39,
  SESSION_INVALID: 46,
  CSRF_INVALID: 47,
  LOGIN_INVALID: 48,
  SIGN_IN_UNAVAILABLE: 56,
  // the printable PDF's seal got no timestamp from PDF_SEAL_TSA_URL: nothing was served, try again
  PDF_TIMESTAMP_UNAVAILABLE: 73,

  DEVICE_TOKEN_INVALID: 60,
  SIGNER_ROLE_NOT_HELD: 61,
  DRAFT_ALREADY_SIGNED: 62,
  // `hocba sign-pending` answered "no": nothing was signed or sent.
  SIGNING_DECLINED: 63,

  SHARE_EXPIRED: 57,
  SHARE_REVOKED: 58,
  CITIZEN_ID_MISSING: 59,

  DISTRICT_NOT_IN_PROVINCE: 74,
  // `hocba sign-pending`: a draft it completed was signed by everyone but its submission was refused.
  DRAFT_SUBMISSION_REFUSED: 76,
  XML_MALFORMED: 79,
  XML_INVALID: 80,
};

export function exitCodeFor(code: ErrorCode): number {
  return EXIT_CODES[code];
}
