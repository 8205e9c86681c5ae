/**
 * Shared HTTP schemas: the error envelope every route declares for its 4xx/5xx answers, and the
 * fields every answer about an imported spreadsheet file carries.
 */
import { Type } from "@sinclair/typebox";
import { SHA256_HEX_PATTERN } from "../core/encoding";
import { ERROR_CODES } from "../core/errors";

export const ErrorEnvelopeSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.Union(ERROR_CODES.map((c) => Type.Literal(c))),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: "ErrorEnvelope", description: "Every 4xx/5xx answer" },
);

/** A reference to the envelope (added once to the app with `addSchema`; one component in OpenAPI). */
export const ERROR_ENVELOPE_REF = Type.Ref(ErrorEnvelopeSchema);

/** Response schemas for the error statuses a route can answer with. */
export function errorResponses(...statuses: number[]): Record<number, typeof ERROR_ENVELOPE_REF> {
  return Object.fromEntries(statuses.map((s) => [s, ERROR_ENVELOPE_REF]));
}

/**
 * The properties of an imported spreadsheet file (a class workbook, a graduates file) in the answer
 * to its import: its format, the SHA-256 of its bytes and when it was imported.
 */
export const IMPORTED_FILE_PROPERTIES = {
  format: Type.Union([Type.Literal("csv"), Type.Literal("xlsx")]),
  fileSha256: Type.String({ pattern: SHA256_HEX_PATTERN }),
  importedAt: Type.String({ format: "date-time" }),
};
