/**
 * Signed PDFs (docs/http-api.md; issuance/signed-pdfs.ts): a school submits the PDF it signed
 * (PAdES) as it is — `POST /transcripts/pdf`, `content-type: application/pdf`, the file as the
 * body, authenticated before the body is read — and anyone holding the PDF finds its `hocba/pdf-1`
 * proof by the file's SHA-256 (`GET /pdf-proofs/:docHash`, public, rate-limited per client like
 * the other public verification reads, answering nothing personal).
 */
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { ISSUER_CODE_PATTERN, matches } from "../../core/encoding";
import { HocbaError } from "../../core/errors";
import { PdfProofSchema } from "../../core/verification/pdf";
import { pdfProofByHash, submitSignedPdf } from "../../issuance/signed-pdfs";
import { acceptPdfBodies, pdfBodyOf } from "../pdf-body";
import { errorResponses } from "../schemas";
import { PUBLIC_CHAIN_READS_PER_MINUTE } from "./public-chain";
import { callerOf } from "./transcripts";

const HEX32 = "^0x[0-9a-fA-F]{64}$";

const Accepted = Type.Object({
  id: Type.String(),
  docHash: Type.String({ pattern: "^0x[0-9a-f]{64}$", description: "SHA-256 of the exact file" }),
  status: Type.Union([
    Type.Literal("pending"),
    Type.Literal("anchored"),
    Type.Literal("revoked"),
    Type.Literal("superseded"),
  ]),
});

/** Plugin registered under /api/v1 (see API_ROUTES in app.ts). */
export function signedPdfRoutes(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const services = app.services;
  acceptPdfBodies(app, app.bodyLimits.authenticated);

  api.post(
    "/transcripts/pdf",
    {
      onRequest: app.auth.school,
      bodyLimit: app.bodyLimits.authenticated,
      // The body is bytes (the use case reads and checks them); the query is checked below.
      validatorCompiler: () => () => true,
      schema: {
        tags: ["transcripts"],
        summary: "Submit a học bạ the school signed as a PDF (PAdES), the file as the body",
        description:
          "`content-type: application/pdf`. Every signature is checked as a JSON submission's is (chain, validity, " +
          "certificate status, timestamps, the signer registered for the school, the school's required roles), " +
          "nothing may follow the last signature but validation data (a DSS, whose OCSP responses and CRLs are judged " +
          "too), and an attached hocba.transcript/v1 — as JSON, or in hocba's XML form urn:hocba:transcript:v1 — is " +
          "validated and kept (XML_MALFORMED, XML_INVALID otherwise). The certificate status answers obtained are kept " +
          "for the proof. 202 when stored, 200 with the same id when this exact file was already submitted. " +
          "The admin names the school with ?school=.",
        consumes: ["application/pdf"],
        querystring: Type.Object({
          school: Type.Optional(
            Type.String({
              pattern: ISSUER_CODE_PATTERN,
              description: "the school (admin only; a school key is its own)",
            }),
          ),
        }),
        body: Type.Unsafe<Uint8Array>({ type: "string", format: "binary", description: "the signed PDF" }),
        response: {
          200: Accepted,
          202: Accepted,
          ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const { school } = request.query;
      if (school !== undefined && !matches(ISSUER_CODE_PATTERN, school))
        throw new HocbaError("SCHEMA_INVALID", "school must be a school code (2 to 32 letters and digits)");
      const pdf = pdfBodyOf(request.body);
      if (pdf === undefined)
        throw new HocbaError("PDF_INVALID", "the body must be the PDF, with content-type: application/pdf");
      const result = await submitSignedPdf(services.submission, callerOf(request), pdf, school);
      if (result.created) services.triggerAnchoring();
      return reply
        .status(result.created ? 202 : 200)
        .send({ id: result.id, docHash: result.docHash, status: result.status });
    },
  );

  const max = services.limits?.publicReadsMax ?? PUBLIC_CHAIN_READS_PER_MINUTE;
  api.get(
    "/pdf-proofs/:docHash",
    {
      config: { rateLimit: { max, timeWindow: 60_000 } },
      schema: {
        tags: ["verification"],
        summary: "The hocba/pdf-1 proof of a signed PDF, by the SHA-256 of the file",
        description:
          "Public: whoever holds the PDF knows its hash. The proof holds the document's id, the school's code, " +
          "the hash, its anchoring and, per signature, the OCSP responses and CRLs obtained on submission " +
          "(statusEvidence) — nothing personal. 404 for a hash hocba does not know as a signed PDF, " +
          "409 NOT_ANCHORED_YET until its batch is confirmed.",
        params: Type.Object({
          docHash: Type.String({ pattern: HEX32, description: "0x SHA-256 of the PDF file" }),
        }),
        response: { 200: PdfProofSchema, ...errorResponses(400, 404, 409, 429, 500) },
      },
    },
    async (request) => pdfProofByHash(services.db, services.chain, request.params.docHash),
  );

  done();
}
