/**
 * The one table from error codes to HTTP statuses, and the error envelope of docs/http-api.md:
 * `{ "error": { "code", "message", "details" } }`. Only this file decides statuses; use cases
 * throw HocbaError with a code. 5xx answers never carry internal details.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { HocbaError, isHocbaError, type ErrorCode } from "../core/errors";

export const HTTP_STATUS: Record<ErrorCode, number> = {
  JSON_MALFORMED: 400,
  SCHEMA_INVALID: 400,
  USAGE: 400,
  PAYLOAD_TOO_LARGE: 413,
  SIGNATURE_MALFORMED: 400,
  SIGNATURE_INVALID: 422,
  DIGEST_MISMATCH: 422,
  CERT_UNTRUSTED: 422,
  CERT_EXPIRED: 422,
  CERT_NOT_YET_VALID: 422,
  CERT_KEY_USAGE: 422,
  CERT_EXTENDED_KEY_USAGE: 422,
  CERT_PATH_LENGTH: 422,
  CERT_ISSUER_NOT_CA: 422,
  CERT_CHAIN_INVALID: 422,
  SIGNER_NOT_AUTHORIZED: 403,
  SIGNER_ROLE_MISSING: 422,
  KEY_INVALID: 400,
  P12_PASSWORD_INVALID: 400,
  P12_INVALID: 400,
  NOT_FOUND: 404,
  NOT_ANCHORED_YET: 409,
  CONFLICT: 409,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  CHAIN_UNAVAILABLE: 503,
  CONFIG_INVALID: 500,
  IO: 500,
  INTERNAL: 500,
  IMPORT_INVALID: 422,
  PDF_INVALID: 400,
  PDF_NO_CREDENTIAL: 422,
  API_UNAVAILABLE: 503,
  PKCS11_PIN_INCORRECT: 400,
  PKCS11_TOKEN_NOT_FOUND: 400,
  PKCS11_KEY_NOT_FOUND: 400,
  PKCS11_CERT_MISMATCH: 400,
  DISCLOSURE_INVALID: 400,
  TIMESTAMP_MISSING: 422,
  TIMESTAMP_INVALID: 422,
  TIMESTAMP_UNTRUSTED: 422,
  TSA_UNAVAILABLE: 503,
  TSA_REJECTED: 502,
  TSA_RESPONSE_INVALID: 502,
  CERT_REVOKED: 422,
  CERT_STATUS_INVALID: 422,
  CERT_STATUS_UNAVAILABLE: 503,
  PDF_SEAL_FAILED: 500,
  PDF_NOT_SIGNED: 422,
  PDF_SIGNATURE_INVALID: 422,
  PDF_MODIFIED_AFTER_SIGNING: 422,
  WORKBOOK_SCHOOL_MISMATCH: 403,
  BACKUP_INVALID: 400,
  DATABASE_NOT_EMPTY: 409,
  CERT_CHAIN_INCOMPLETE: 422,
  SESSION_INVALID: 401,
  CSRF_INVALID: 403,
  LOGIN_INVALID: 400,
  SIGN_IN_UNAVAILABLE: 503,
  PDF_TIMESTAMP_UNAVAILABLE: 503,

  DEVICE_TOKEN_INVALID: 401,
  SIGNER_ROLE_NOT_HELD: 403,
  DRAFT_ALREADY_SIGNED: 409,
  SIGNING_DECLINED: 400,

  SHARE_EXPIRED: 410,
  SHARE_REVOKED: 410,
  CITIZEN_ID_MISSING: 400,
  DISTRICT_NOT_IN_PROVINCE: 403,
  DRAFT_SUBMISSION_REFUSED: 422,

  XML_MALFORMED: 400,
  XML_INVALID: 422,
};

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; details?: unknown };
}

/** The code of a 4xx that Fastify or a plugin answered with; any other 4xx is USAGE (400). */
const CLIENT_ERROR_CODES: Partial<Record<number, ErrorCode>> = {
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "SCHEMA_INVALID",
  429: "RATE_LIMITED",
};

/** Turns anything thrown in a route or by Fastify itself into a HocbaError. */
export function fromFastifyError(error: FastifyError | Error): HocbaError {
  if (isHocbaError(error)) return error;
  const e = error as FastifyError;
  if (e.validation) {
    const details = e.validation.map((v) => ({
      path: `${e.validationContext ? `/${e.validationContext}` : ""}${v.instancePath}`,
      code: "SCHEMA_" + v.keyword.toUpperCase(),
      message: v.message ?? v.keyword,
    }));
    return new HocbaError("SCHEMA_INVALID", "the request does not match the schema", { details });
  }
  switch (e.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new HocbaError("PAYLOAD_TOO_LARGE", "the request body is too large");
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new HocbaError("JSON_MALFORMED", "the request body is not valid JSON");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new HocbaError("SCHEMA_INVALID", "unsupported content type: send application/json");
  }
  if (e.statusCode === 400 && e.message.includes("JSON")) {
    return new HocbaError("JSON_MALFORMED", "the request body is not valid JSON");
  }
  // Any other refusal of the request by Fastify or a plugin (a bad URL encoding, a static file
  // path outside the pages, an unsupported method…) keeps its 4xx: the request was bad, not us.
  const status = typeof e.statusCode === "number" ? e.statusCode : 0;
  if (status >= 400 && status < 500) return new HocbaError(CLIENT_ERROR_CODES[status] ?? "USAGE", e.message);
  return new HocbaError("INTERNAL", "internal error", { cause: error });
}

export function errorEnvelope(error: HocbaError): ErrorEnvelope {
  const status = HTTP_STATUS[error.code];
  const body: ErrorEnvelope["error"] = {
    code: error.code,
    message: status >= 500 ? "internal error" : error.message,
  };
  if (status < 500 && error.details !== undefined) body.details = error.details;
  // These say what is down and what to do, and name no internal address or cause.
  if (error.code === "CHAIN_UNAVAILABLE" || error.code === "PDF_TIMESTAMP_UNAVAILABLE")
    body.message = error.message;
  return { error: body };
}

/** Fastify error handler: logs server errors with their cause, answers with the envelope. */
export function handleError(
  this: unknown,
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const hocba = fromFastifyError(error);
  const status = HTTP_STATUS[hocba.code];
  if (status >= 500) request.log.error({ err: hocba.cause ?? error, code: hocba.code }, "request failed");
  return reply.status(status).send(errorEnvelope(hocba));
}
