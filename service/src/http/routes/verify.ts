/**
 * Public verification (docs/verification.md, docs/http-api.md): a credential in, the eight named
 * checks out. The route adds no logic of its own — it verifies with the service's verification
 * context (app.services.verification, composed once in server/compose.ts) and answers 200 with
 * the verdict for any JSON object, a forged one included; only a body that is not an object (or a
 * batch outside 1..1,000) is a 400. Anonymous callers are limited per client
 * (address, IPv6 by /64) to VERIFY_RATE_MAX *credentials* per window, the single and the batch
 * route together: a batch of 500 uses 500, and a batch that would go over is refused whole without
 * using any. Any valid API key (verifier keys are made for this) lifts the limit.
 */
import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { HocbaError } from "../../core/errors";
import { CHECK_NAMES, CHECK_STATUSES, VERDICTS, verifyCredential } from "../../core/verification";
import { verifySignedPdf, type PdfProofSource } from "../../core/verification/pdf";
import { pdfProofByHash } from "../../issuance/signed-pdfs";
import { acceptPdfBodies, pdfBodyOf } from "../pdf-body";
import { clientKey, durationText } from "../plugins/quota";
import { errorResponses } from "../schemas";

/** Credentials per batch request. */
export const MAX_VERIFY_BATCH = 1000;
/** Credentials anonymous callers verify per client and window, unless configured. */
export const DEFAULT_VERIFY_LIMITS = { verifyMax: 600, verifyWindowMs: 60_000 } as const;

const CheckView = Type.Object({
  name: Type.Union(CHECK_NAMES.map((name) => Type.Literal(name))),
  status: Type.Union(CHECK_STATUSES.map((status) => Type.Literal(status))),
  message: Type.String(),
  data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
const ResultView = Type.Object({
  valid: Type.Boolean({ description: "true iff no check is invalid or error (verdict `valid`)" }),
  verdict: Type.Union(
    VERDICTS.map((verdict) => Type.Literal(verdict)),
    {
      description:
        "valid; not-hocba (not a hocba/1 file at all); invalid (changed after signing, forged, untrusted, not anchored, corrected); revoked; error (a check could not be made)",
    },
  ),
  checks: Type.Array(CheckView, {
    description: "format, integrity, signature, signer, inclusion, anchored, revocation, supersession",
  }),
});
const CredentialBody = Type.Unknown({
  description:
    "a hocba/1 or hocba/2 credential file (*.hocba.json); its problems are reported by the format check",
});
/** The header carrying a signed PDF's proof file beside it (base64 of the hocba/pdf-1 JSON). */
export const PDF_PROOF_HEADER = "hocba-pdf-proof";

/** Plugin registered under /api/v1 (see API_ROUTES in app.ts). */
export function verifyRoutes(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void): void {
  const { db, submission, verification: context } = app.services;
  const limits = app.services.limits ?? DEFAULT_VERIFY_LIMITS;
  // A signed PDF as the body (content-type: application/pdf), up to the batch route's limit.
  acceptPdfBodies(app, app.bodyLimits.verifyBatch);
  /** Its proof: the one sent beside it (PDF_PROOF_HEADER), else the service's by the file's hash. */
  const proofOf = async (pdf: Uint8Array, header: string | undefined): Promise<PdfProofSource> => {
    if (header !== undefined) {
      try {
        return { proof: JSON.parse(Buffer.from(header, "base64").toString("utf8")) as unknown };
      } catch {
        throw new HocbaError(
          "SCHEMA_INVALID",
          `the ${PDF_PROOF_HEADER} header must be the base64 of the proof's JSON`,
        );
      }
    }
    const docHash = "0x" + Buffer.from(submission.crypto.sha256(pdf)).toString("hex");
    try {
      return { proof: await pdfProofByHash(db, app.services.chain, docHash) };
    } catch (error) {
      if (error instanceof HocbaError && (error.code === "NOT_FOUND" || error.code === "NOT_ANCHORED_YET"))
        return { absent: { status: "invalid", message: error.message } };
      throw error;
    }
  };
  const verifyAll = (credentials: readonly unknown[]) =>
    Promise.all(credentials.map((credential) => verifyCredential(credential, context)));
  const max = limits.verifyMax;
  const window = durationText(limits.verifyWindowMs);
  /**
   * Takes the request's credentials from the anonymous caller's count (after the optional key is
   * checked, so that a key holder is known and not counted); 429 when they do not fit.
   */
  const charge = (credentialsOf: (request: FastifyRequest) => number) => [
    app.auth.optional,
    async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.principal !== undefined) return;
      const n = credentialsOf(request);
      const quota = await app.quota.take(`verify:${clientKey(request)}`, n, max, limits.verifyWindowMs);
      const resetS = Math.ceil(quota.resetMs / 1000);
      void reply.headers({
        "x-ratelimit-limit": max,
        "x-ratelimit-remaining": Math.max(0, max - quota.used),
        "x-ratelimit-reset": resetS,
      });
      if (quota.allowed) return;
      void reply.header("retry-after", resetS);
      throw new HocbaError(
        "RATE_LIMITED",
        n > max
          ? `a batch of ${n} credentials is more than this address may verify (at most ${max} every ${window}): split it, or use a verifier key`
          : `too many verifications from this address (at most ${max} credentials every ${window}, ${Math.max(0, max - quota.used)} left): try again in ${durationText(quota.resetMs)}`,
      );
    },
  ];
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.post(
    "/verify",
    {
      preHandler: charge(() => 1),
      schema: {
        tags: ["verification"],
        summary: "Verify one credential, or a signed PDF: the eight named checks and the verdict",
        description:
          "200 for any JSON object, valid or not; `valid: false` names the failing checks. With " +
          "`content-type: application/pdf` the body is a signed PDF, checked with its hocba/pdf-1 proof: the one " +
          `in the ${PDF_PROOF_HEADER} header (base64 of its JSON), else the service's, found by the file's SHA-256.`,
        consumes: ["application/json", "application/pdf"],
        headers: Type.Object({
          [PDF_PROOF_HEADER]: Type.Optional(
            Type.String({
              maxLength: 16384,
              description: "with a PDF body: base64 of its hocba/pdf-1 proof file",
            }),
          ),
        }),
        body: CredentialBody,
        response: { 200: ResultView, ...errorResponses(400, 401, 413, 429, 500) },
      },
    },
    async (request) => {
      const body = request.body;
      const pdf = pdfBodyOf(body);
      if (pdf !== undefined)
        return verifySignedPdf(pdf, await proofOf(pdf, request.headers[PDF_PROOF_HEADER]), context);
      if (typeof body !== "object" || body === null || Array.isArray(body))
        throw new HocbaError("SCHEMA_INVALID", "the body must be a credential (a JSON object)");
      const [result] = await verifyAll([body]);
      return result!;
    },
  );

  typed.post(
    "/verify/batch",
    {
      bodyLimit: app.bodyLimits.verifyBatch,
      preHandler: charge((request) => (request.body as { credentials: unknown[] }).credentials.length),
      schema: {
        tags: ["verification"],
        summary: `Verify up to ${MAX_VERIFY_BATCH} credentials; results in input order`,
        description: `An anonymous caller's batch counts one per credential against ${max} per ${window}.`,
        body: Type.Object({
          credentials: Type.Array(CredentialBody, { minItems: 1, maxItems: MAX_VERIFY_BATCH }),
        }),
        response: {
          200: Type.Object({ results: Type.Array(ResultView) }),
          ...errorResponses(400, 401, 413, 429, 500),
        },
      },
    },
    async (request) => ({ results: await verifyAll(request.body.credentials) }),
  );
  done();
}
