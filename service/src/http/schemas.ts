/** Shared HTTP schemas: the error envelope every route declares for its 4xx/5xx answers. */
import { Type } from "@sinclair/typebox";
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
