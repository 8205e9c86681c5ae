/**
 * PDF bodies (`content-type: application/pdf`): read whole as bytes, for the routes of the plugin
 * that installs the parser (Fastify scopes parsers to their plugin), at most `limit` bytes unless
 * the route sets its own bodyLimit.
 */
import type { FastifyInstance } from "fastify";

export const PDF_CONTENT_TYPE = "application/pdf";

export function acceptPdfBodies(app: FastifyInstance, limit: number): void {
  app.addContentTypeParser(
    PDF_CONTENT_TYPE,
    { parseAs: "buffer", bodyLimit: limit },
    (_request, body, done) => done(null, body),
  );
}

/** The bytes of a parsed PDF body (a Buffer), or undefined for any other body. */
export function pdfBodyOf(body: unknown): Uint8Array | undefined {
  return Buffer.isBuffer(body) ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength) : undefined;
}
