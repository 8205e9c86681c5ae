/**
 * The transcripts API (docs/http-api.md) for schools and the admin: submit one or a batch, read the
 * status, fetch the credential (also with a share token), revoke, and manage share links.
 * Handlers only translate HTTP to the use cases in service/src/issuance and back; ownership,
 * idempotency, audit and chain work live there. Transcript documents are NOT validated by the
 * route schema (`Type.Unknown()`): validateDocument reports every problem with its own codes.
 * Authentication runs on request, before the body is read: an anonymous caller gets 401 without
 * the service parsing megabytes for it.
 */
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { HocbaError } from "../../core/errors";
import { DocumentStatusSchema } from "../../core/documents/views";
import { HEX32_PATTERN, UUID_ANY_CASE_PATTERN } from "../../core/encoding";
import { CredentialSchema } from "../../core/verification";
import { credentialFor, type CredentialAccess } from "../../issuance/credential";
import { failureError, submitDocuments, type SubmitItem } from "../../issuance/documents";
import { groupedSubmissions } from "../../issuance/submission-groups";
import { isDisclosureKey, type DisclosureKey } from "../../core/documents/disclosure";
import { readDocument, type IssuerActor, type DocumentRecord } from "../../issuance/records";
import { revokeDocument } from "../../issuance/revocation";
import { documentPdf } from "../../issuance/pdf";
import { createShareToken, revokeShareToken } from "../../issuance/share";
import { credentialPath } from "../../issuance/share-links";
import { errorEnvelope, HTTP_STATUS } from "../errors";
import { actorOf } from "../plugins/auth";
import { errorResponses } from "../schemas";

/** Items per batch request (docs/http-api.md). */
export const MAX_BATCH_ITEMS = 1000;
/** Share-token reads per client address and minute (token guessing is hopeless; this bounds the load). */
export const SHARE_READS_PER_MINUTE = 30;

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const IdParams = Type.Object({
  id: Type.String({ pattern: UUID_ANY_CASE_PATTERN, description: "the document's id" }),
});
const SubmitBody = Type.Object({
  document: Type.Unknown({ description: "the transcript exactly as signed (validated by hocba, not here)" }),
  disclosures: Type.Optional(
    Type.Array(Type.String(), {
      maxItems: 64,
      description:
        "every disclosure of a transcript signed in the selectively disclosable form (_sd_alg), as `hocba sign` writes them",
    }),
  ),
  signature: Type.String({ description: "base64 of the detached CMS SignedData (DER)" }),
});
const Accepted = Type.Object({
  id: Type.String(),
  docHash: Type.String({ pattern: HEX32_PATTERN }),
  status: DocumentStatusSchema,
});
const ItemErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
});
const BatchBody = Type.Object({
  items: Type.Array(
    Type.Unknown({ description: "{document, disclosures?, signature}, checked item by item" }),
    {
      minItems: 1,
      maxItems: MAX_BATCH_ITEMS,
    },
  ),
});
const BatchResult = Type.Object({
  results: Type.Array(
    Type.Object({
      index: Type.Integer({ description: "position of the item in the request" }),
      status: Type.Integer({ description: "what POST /transcripts would have answered: 202, 200 or 4xx" }),
      body: Type.Union([Accepted, ItemErrorBody], { description: "what POST /transcripts would have sent" }),
    }),
  ),
});
const AnchorInfo = Type.Object({
  merkleRoot: Type.String({ pattern: HEX32_PATTERN }),
  txHash: Type.String(),
  blockNumber: Type.Integer(),
  anchoredAt: Type.String({ format: "date-time" }),
});
const StatusView = Type.Object({
  id: Type.String(),
  type: Type.String(),
  schoolCode: Type.String(),
  docHash: Type.String({ pattern: HEX32_PATTERN }),
  leaf: Type.String({ pattern: HEX32_PATTERN }),
  status: DocumentStatusSchema,
  supersedes: Nullable(Type.String()),
  supersededBy: Nullable(Type.String()),
  revokedAt: Nullable(Type.String({ format: "date-time" })),
  revocationReason: Nullable(Type.String()),
  submittedAt: Type.String({ format: "date-time" }),
  anchor: Type.Union([AnchorInfo, Type.Null()]),
});
const RevokeBody = Type.Object({
  reason: Type.String({
    minLength: 1,
    maxLength: 500,
    pattern: "\\S",
    description: "kept in the database only; the chain gets a fixed code",
  }),
});
const Revoked = Type.Object({
  id: Type.String(),
  status: Type.Literal("revoked"),
  revokedAt: Type.String({ format: "date-time" }),
});
const ShareCreated = Type.Object({
  tokenId: Type.String({ description: "public id, to revoke the token" }),
  token: Type.String({ description: "the secret, shown once" }),
  url: Type.String({ description: "relative link to the credential" }),
});
/** `citizenId,ethnicity,years/0`: the parts a hocba/2 credential may leave out. */
export const WITHHOLD_PATTERN =
  "^(citizenId|ethnicity|placeOfBirth|years/(0|[1-9][0-9]{0,2}))(,(citizenId|ethnicity|placeOfBirth|years/(0|[1-9][0-9]{0,2})))*$";

export const CredentialQuery = Type.Object({
  token: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "a share token" })),
  withhold: Type.Optional(
    Type.String({
      pattern: WITHHOLD_PATTERN,
      maxLength: 200,
      description:
        "hocba/2: comma-separated parts to leave out — citizenId, ethnicity, placeOfBirth, years/<n> (0 = first year)",
    }),
  ),
});

export function withholdOf(list: string | undefined): DisclosureKey[] {
  return list === undefined ? [] : list.split(",").filter(isDisclosureKey);
}

/** The response header naming the share token a PDF's QR code uses, when one was made for it. */
export const SHARE_TOKEN_ID_HEADER = "hocba-share-token-id";

/** The caller a request's principal stands for (the auth hook ran). */
export function callerOf(request: FastifyRequest): IssuerActor {
  const p = request.principal;
  if (p?.kind === "admin") return { issuerCode: null, actor: "admin" };
  if (p?.kind === "issuer") return { issuerCode: p.issuerCode, actor: actorOf(p) };
  throw new HocbaError("FORBIDDEN", "this route is for schools");
}

/** Where links printed for people point: PUBLIC_URL (or where the server listens), else this request's origin. */
export function publicUrlOf(request: FastifyRequest): string {
  return request.server.services.publicUrl?.() ?? `${request.protocol}://${request.host}`;
}

function statusView(record: DocumentRecord): Static<typeof StatusView> {
  return {
    id: record.id,
    type: record.type,
    schoolCode: record.issuerCode,
    docHash: record.docHash,
    leaf: record.leaf,
    status: record.status,
    supersedes: record.supersedes,
    supersededBy: record.supersededBy,
    revokedAt: record.revokedAt?.toISOString() ?? null,
    revocationReason: record.revocationReason,
    submittedAt: record.submittedAt.toISOString(),
    anchor:
      record.anchor === null
        ? null
        : { ...record.anchor, anchoredAt: record.anchor.anchoredAt.toISOString() },
  };
}

/** Plugin registered under /api/v1 (see API_ROUTES in app.ts). */
export function transcriptRoutes(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const services = app.services;
  // Transcripts are a school's: a district office's or a department's key gets 403 on every route here (its
  // graduation records are imported, corrected and searched through /graduates).
  const issuer = app.auth.school;
  // Concurrent single submissions of one school share a transaction (issuance/submission-groups.ts).
  const submitOne = groupedSubmissions(services.submission);

  api.post(
    "/transcripts",
    {
      onRequest: issuer,
      bodyLimit: app.bodyLimits.authenticated,
      schema: {
        tags: ["transcripts"],
        summary: "Submit a signed transcript",
        description: "202 when stored, 200 with the same id when this document was already submitted.",
        body: SubmitBody,
        response: {
          200: Accepted,
          202: Accepted,
          ...errorResponses(400, 401, 403, 404, 409, 413, 422, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const result = await submitOne(callerOf(request), request.body);
      if (!result.ok) throw failureError(result);
      if (result.created) services.triggerAnchoring();
      return reply
        .status(result.created ? 202 : 200)
        .send({ id: result.id, docHash: result.docHash, status: result.status });
    },
  );

  api.post(
    "/transcripts/batch",
    {
      onRequest: issuer,
      bodyLimit: app.bodyLimits.authenticated,
      schema: {
        tags: ["transcripts"],
        summary: `Submit up to ${MAX_BATCH_ITEMS} signed transcripts`,
        description: "207 with one result per item, in input order; good items are stored beside bad ones.",
        body: BatchBody,
        response: { 207: BatchResult, ...errorResponses(400, 401, 403, 413, 500, 503) },
      },
    },
    async (request, reply) => {
      const results = await submitDocuments(
        services.submission,
        callerOf(request),
        request.body.items as SubmitItem[],
      );
      if (results.some((r) => r.ok && r.created)) services.triggerAnchoring();
      return reply.status(207).send({
        results: results.map((r, index) => {
          if (r.ok)
            return {
              index,
              status: r.created ? 202 : 200,
              body: { id: r.id, docHash: r.docHash, status: r.status },
            };
          const error = failureError(r);
          return { index, status: HTTP_STATUS[error.code], body: errorEnvelope(error) };
        }),
      });
    },
  );

  api.get(
    "/transcripts/:id",
    {
      onRequest: issuer,
      schema: {
        tags: ["transcripts"],
        summary: "A transcript's status and anchoring (the read is audited)",
        params: IdParams,
        response: { 200: StatusView, ...errorResponses(400, 401, 403, 404, 500) },
      },
    },
    async (request) => statusView(await readDocument(services.db, callerOf(request), request.params.id)),
  );

  // With ?token= anyone may ask (rate-limited per address); without, a school or the admin.
  const schoolOrToken = {
    onRequest: app.auth.schoolOrShareToken,
    config: {
      rateLimit: {
        max: SHARE_READS_PER_MINUTE,
        timeWindow: 60_000,
        allowList: (request: FastifyRequest) => (request.query as { token?: string }).token === undefined,
      },
    },
  };
  const accessOf = (request: FastifyRequest, token: string | undefined): CredentialAccess =>
    token === undefined ? { caller: callerOf(request) } : { shareToken: token };

  api.get(
    "/transcripts/:id/credential",
    {
      ...schoolOrToken,
      schema: {
        tags: ["transcripts"],
        summary: "The credential file (hocba/1 or hocba/2) once anchored",
        description:
          "409 NOT_ANCHORED_YET until the batch is confirmed. A revoked document still has its credential; " +
          "verification reports the revocation.",
        params: IdParams,
        querystring: CredentialQuery,
        response: { 200: CredentialSchema, ...errorResponses(400, 401, 403, 404, 409, 429, 500) },
      },
    },
    async (request, reply) => {
      const credential = await credentialFor(
        services.db,
        services.chain,
        accessOf(request, request.query.token),
        request.params.id,
        withholdOf(request.query.withhold),
      );
      return reply
        .header("content-disposition", `attachment; filename="${request.params.id.toLowerCase()}.hocba.json"`)
        .send(credential);
    },
  );

  api.get(
    "/transcripts/:id/pdf",
    {
      ...schoolOrToken,
      schema: {
        tags: ["transcripts"],
        summary: "The printable PDF (học bạ layout, QR code to the verifier, credential attached)",
        description:
          "Same access and answers as /credential. The QR code opens the verifier page on a share link: the " +
          "caller's token, or — for a school or the admin — a new share token made for this PDF (audited), whose " +
          `id comes back in the ${SHARE_TOKEN_ID_HEADER} header so it can be revoked. The credential file is ` +
          "attached to the PDF as <id>.hocba.json: dropping the PDF on the verifier checks it. With " +
          "PDF_SEAL_TSA_URL the PDF's seal carries a signature timestamp (PAdES B-T); when the timestamp " +
          "authority gives none the answer is 503 PDF_TIMESTAMP_UNAVAILABLE (no PDF, and the share token " +
          "made for it is revoked): try again later.",
        params: IdParams,
        querystring: CredentialQuery,
        produces: ["application/pdf"],
        response: {
          200: Type.Unsafe<Uint8Array>({ type: "string", format: "binary", description: "application/pdf" }),
          ...errorResponses(400, 401, 403, 404, 409, 429, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const id = request.params.id.toLowerCase();
      const pdf = await documentPdf(
        {
          db: services.db,
          chain: services.chain,
          publicUrl: publicUrlOf(request),
          render: services.renderPdf,
        },
        accessOf(request, request.query.token),
        id,
      );
      if (pdf.shareTokenId !== undefined) reply.header(SHARE_TOKEN_ID_HEADER, pdf.shareTokenId);
      return reply
        .type("application/pdf")
        .header("content-disposition", `inline; filename="${id}.pdf"`)
        .send(Buffer.from(pdf.bytes.buffer, pdf.bytes.byteOffset, pdf.bytes.byteLength));
    },
  );

  api.post(
    "/transcripts/:id/revoke",
    {
      onRequest: issuer,
      schema: {
        tags: ["transcripts"],
        summary: "Revoke a transcript (own school, or the admin)",
        description:
          "Revoked at once in the service; the leaf is revoked on chain in the next anchoring round.",
        params: IdParams,
        body: RevokeBody,
        response: { 202: Revoked, ...errorResponses(400, 401, 403, 404, 409, 500) },
      },
    },
    async (request, reply) => {
      const revoked = await revokeDocument(
        services.db,
        callerOf(request),
        request.params.id,
        request.body.reason,
      );
      services.triggerAnchoring();
      return reply.status(202).send({ ...revoked, revokedAt: revoked.revokedAt.toISOString() });
    },
  );

  api.post(
    "/transcripts/:id/share",
    {
      onRequest: issuer,
      schema: {
        tags: ["transcripts"],
        summary: "Create a share link to the credential (the token is shown once)",
        params: IdParams,
        response: { 201: ShareCreated, ...errorResponses(400, 401, 403, 404, 500) },
      },
    },
    async (request, reply) => {
      const id = request.params.id.toLowerCase();
      const { tokenId, token } = await createShareToken(services.db, callerOf(request), id);
      return reply.status(201).send({
        tokenId,
        token,
        url: credentialPath(id, token),
      });
    },
  );

  api.delete(
    "/transcripts/:id/share/:tokenId",
    {
      onRequest: issuer,
      schema: {
        tags: ["transcripts"],
        summary: "Revoke a share link",
        params: Type.Object({
          id: IdParams.properties.id,
          tokenId: Type.String({ pattern: "^[0-9a-f]{16}$" }),
        }),
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 500) },
      },
    },
    async (request, reply) => {
      await revokeShareToken(services.db, callerOf(request), request.params.id, request.params.tokenId);
      return reply.status(204).send(null);
    },
  );

  done();
}
