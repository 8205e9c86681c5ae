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

/** Response schemas for the error statuses a route can answer with. */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorEnvelopeSchema> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorEnvelopeSchema]));
}
