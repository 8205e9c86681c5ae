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
  // staff sign-in: the session cookie is unknown, forged or expired (sign in again); a
  // state-changing request without the session's CSRF token; a sign-in callback that matches no
  // login under way (replayed, forged state, expired) or that the OpenID Provider refused; staff
  // sign-in is not set up on this service
  "SESSION_INVALID",
  "CSRF_INVALID",
  "LOGIN_INVALID",
  "SIGN_IN_UNAVAILABLE",
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
