/**
 * The drafts API (docs/http-api.md, docs/workbook.md, docs/school-signing.md): a school imports a
 * class workbook (XLSX or CSV, sent as the raw request body) into unsigned drafts, lists them with
 * their state, reads one with its problems, downloads the empty template, gets a draft's signing
 * input and sends signatures (one draft, or a whole class at once). Callers: signed-in staff (the
 * session cookie, CSRF on state changes) with roles per school — clerk imports; the homeroom
 * teacher of the class, the principal and the seal holder sign — or the same person's device token
 * (`hocba sign-pending`), or, for integrators, the school's API key (the admin token: any school).
 * Handlers translate HTTP to issuance/drafts.ts and issuance/draft-signing.ts; every import, read
 * and signature is audited there.
 */
import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { HocbaError } from "../../core/errors";
import { WORKBOOK_PROBLEM_CODES } from "../../core/workbook/problems";
import { failureError } from "../../issuance/documents";
import { getDraft, importWorkbook, templateWorkbook } from "../../issuance/drafts";
import {
  addSignatures,
  DRAFT_STATES,
  draftState,
  keyDraftAccess,
  listDraftStates,
  removeSignature,
  retrySubmission,
  signingInput,
  staffDraftAccess,
  type DraftAccess,
} from "../../issuance/draft-signing";
import { SCHOOL_ROLES, staffActor, type StaffRole } from "../../auth/staff";
import {
  classArchive,
  CORRECTING_ROLES,
  draftShares,
  REVOKING_ROLES,
  revokeDraft,
  revokeDraftShare,
  shareDraft,
  SHARING_ROLES,
  startCorrection,
} from "../../issuance/draft-follow-up";
import { DEFAULT_SHARE_DAYS, shareVerifierLink } from "../../issuance/shares";
import { actorOf } from "../plugins/auth";
import { errorResponses, IMPORTED_FILE_PROPERTIES } from "../schemas";
import { DISCLOSURE_KEY, ShareCreated, ShareParams, ShareView, shareView } from "./share-views";
import { publicUrlOf } from "./transcripts";

export const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const FILE_TYPES = [XLSX_TYPE, "text/csv", "application/octet-stream"];
/** Most signatures one request may carry (a principal signing several classes sends several). */
export const MAX_BATCH = 500;
const SIGNERS: StaffRole[] = ["homeroom", "principal", "seal"];

const Status = Type.Union(
  [Type.Literal("draft"), Type.Literal("awaiting"), Type.Literal("refused"), Type.Literal("submitted")],
  {
    description:
      "draft: as imported; awaiting: signed by someone, others awaited; refused: signed by everyone, submission refused; submitted",
  },
);
const ImportReply = Type.Object({
  importId: Type.String({ format: "uuid" }),
  schoolCode: Type.String(),
  schoolYear: Type.String({ description: "the class's last school year" }),
  className: Type.String(),
  ...IMPORTED_FILE_PROPERTIES,
  counts: Type.Object({
    students: Type.Integer(),
    created: Type.Integer(),
    replaced: Type.Integer({ description: "unsigned drafts replaced" }),
    kept: Type.Integer({ description: "drafts already signed or submitted: left as they were" }),
    removed: Type.Integer({ description: "unsigned drafts of students no longer in the file" }),
  }),
  drafts: Type.Array(
    Type.Object({
      id: Type.String({ format: "uuid" }),
      studentCode: Type.String(),
      status: Status,
      outcome: Type.Union([Type.Literal("created"), Type.Literal("replaced"), Type.Literal("kept")]),
    }),
  ),
});
const Signature = Type.Object({
  actor: Type.String({ description: "who sent it, as the audit log names them" }),
  name: Type.Optional(Type.String({ description: "the signed-in person's name" })),
  role: Type.String({
    description: "the certificate's role in the issuer registry (principal, homeroom, organisation…)",
  }),
  certificate: Type.Optional(Type.String({ description: "the signer certificate's subject" })),
  fingerprint: Type.Optional(Type.String({ description: "0x SHA-256 of the signer certificate" })),
  at: Type.String({ format: "date-time" }),
});
const State = Type.Union(
  DRAFT_STATES.map((s) => Type.Literal(s)),
  {
    description:
      "draft: nobody signed yet; awaiting: some required roles signed, others awaited; refused: every required role signed but the submission was refused (see refusal); then the document's own state: pending (submitted, not yet anchored), anchored, revoked, superseded",
  },
);
const Refusal = Type.Union(
  [
    Type.Object({
      code: Type.String({
        description: "the submission's error code (CERT_UNTRUSTED, CERT_STATUS_UNAVAILABLE…)",
      }),
      message: Type.String(),
      at: Type.String({ format: "date-time" }),
      transient: Type.Boolean({
        description:
          "a retry as is may pass: something did not answer (a status responder, a TSA, the chain)",
      }),
      signature: Type.Optional(
        Type.Object(
          {
            role: Type.String(),
            certificate: Type.Optional(Type.String()),
            fingerprint: Type.Optional(Type.String()),
          },
          { description: "the signature at fault, when the refusal names one: remove it and sign again" },
        ),
      ),
    }),
    Type.Null(),
  ],
  { description: "why the submission was refused (status refused), else null" },
);
/** What names a draft in every answer about one: its id, school, school year, class and student. */
const DRAFT_NAMING_PROPERTIES = {
  id: Type.String({ format: "uuid" }),
  schoolCode: Type.String(),
  schoolYear: Type.String(),
  className: Type.String(),
  studentCode: Type.String(),
};
const DraftSummary = Type.Object({
  ...DRAFT_NAMING_PROPERTIES,
  fullName: Type.String(),
  status: State,
  awaitingRoles: Type.Array(Type.String(), {
    description: "the school's required registry roles whose signature is still awaited",
  }),
  awaitingMe: Type.Boolean({ description: "one of the awaited roles is the caller's for this class" }),
  signatures: Type.Array(Signature),
  refusal: Refusal,
  updatedAt: Type.String({ format: "date-time" }),
});
const SigningInput = Type.Object({
  ...DRAFT_NAMING_PROPERTIES,
  fullName: Type.String(),
  document: Type.Unknown({
    description:
      "the document as signed: the selectively disclosable form `hocba sign` writes (docs/selective-disclosure.md), fixed for every signer",
  }),
  disclosures: Type.Array(Type.String()),
  content: Type.String({
    contentEncoding: "base64",
    description: "base64 of the exact bytes to sign: the RFC 8785 canonical form of `document`",
  }),
  sha256: Type.String({ pattern: "^[0-9a-f]{64}$", description: "SHA-256 of those bytes (the docHash)" }),
  awaitingRoles: Type.Array(Type.String()),
  signatures: Type.Array(Signature),
});
const SignatureBody = Type.Object(
  {
    signature: Type.String({
      maxLength: 200_000,
      description: "base64 of a detached CMS SignedData (DER) over the signing input's `content`",
    }),
  },
  { additionalProperties: false },
);
const SignatureOk = Type.Object({
  ok: Type.Literal(true),
  id: Type.String({ format: "uuid" }),
  status: State,
  awaitingRoles: Type.Array(Type.String()),
  signatures: Type.Array(Signature),
  submitted: Type.Optional(
    Type.Object(
      { docHash: Type.String(), status: Type.String() },
      { description: "present when this signature completed the draft and the document was submitted" },
    ),
  ),
  refusal: Type.Optional(Refusal),
});
const SignatureFailed = Type.Object({
  ok: Type.Literal(false),
  id: Type.String(),
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
});
const BatchBody = Type.Object(
  {
    signatures: Type.Array(
      Type.Object(
        { draftId: Type.String({ maxLength: 64 }), signature: SignatureBody.properties.signature },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: MAX_BATCH },
    ),
  },
  { additionalProperties: false },
);
const Problem = Type.Object({ path: Type.String(), code: Type.String(), message: Type.String() });
const DraftView = Type.Object({
  ...DRAFT_NAMING_PROPERTIES,
  status: State,
  awaitingRoles: Type.Array(Type.String()),
  refusal: Refusal,
  importId: Type.String({ format: "uuid" }),
  importedBy: Type.String(),
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
  signatures: Type.Array(Signature),
  document: Type.Unknown({ description: "the unsigned hocba.transcript/v1 document (docs/formats.md)" }),
  problems: Type.Array(Problem, { description: "the document rules' problems today; empty when valid" }),
});
const ListQuery = Type.Object(
  {
    school: Type.Optional(
      Type.String({
        pattern: "^[0-9A-Za-z]{2,32}$",
        description: "school code; may be left out by a person of one school and by a school key",
      }),
    ),
    awaiting: Type.Optional(
      Type.Literal("me", {
        description: "only the drafts awaiting a signature in one of the caller's roles",
      }),
    ),
    class: Type.Optional(Type.String({ maxLength: 40, description: "class name, e.g. 9A1" })),
    year: Type.Optional(
      Type.String({ pattern: "^[0-9]{4}-[0-9]{4}$", description: "school year, e.g. 2024-2025" }),
    ),
  },
  { additionalProperties: false },
);
const TemplateQuery = Type.Object(
  {
    level: Type.Optional(
      Type.Union([Type.Literal("THCS"), Type.Literal("THPT")], { description: "default THCS" }),
    ),
  },
  { additionalProperties: false },
);

/** What the caller may do with drafts: a person's roles per school, or a key's school (null: the admin). */
export function draftAccessOf(request: FastifyRequest): DraftAccess {
  const staff = request.staff;
  if (staff) {
    const actor = staffActor(staff) + (staff.deviceTokenId ? ` device:${staff.deviceTokenId}` : "");
    return staffDraftAccess(staff.assignments, actor, staff.name);
  }
  const p = request.principal!;
  return keyDraftAccess(p.kind === "issuer" ? p.issuerCode : null, actorOf(p));
}

/**
 * The school a request acts for: `asked` (?school=) when the caller may act there with one of
 * `roles`, else the only such school. A school not among the caller's answers NOT_FOUND, as an
 * unknown one. The admin must name it (null for the import: the file names it).
 */
function schoolOf(
  request: FastifyRequest,
  asked: string | undefined,
  roles: readonly StaffRole[],
): string | null {
  const staff = request.staff;
  if (!staff) {
    const p = request.principal!;
    if (p.kind !== "issuer") return asked ?? null;
    if (asked !== undefined && asked !== p.issuerCode)
      throw new HocbaError("NOT_FOUND", `no school ${asked} among yours`);
    return p.issuerCode;
  }
  const mine = staff.assignments.filter((a) => a.roles.some((r) => roles.includes(r))).map((a) => a.school);
  if (asked !== undefined) {
    if (!mine.includes(asked)) throw new HocbaError("NOT_FOUND", `no school ${asked} among yours`);
    return asked;
  }
  if (mine.length === 1) return mine[0]!;
  throw new HocbaError(
    "SCHEMA_INVALID",
    `you act for several schools (${mine.join(", ")}): say which with ?school=`,
  );
}

/** Plugin registered under /api/v1 (see API_ROUTES in app.ts). */
export function draftRoutes(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const drafts = app.services.drafts;
  const templates = new Map<string, Promise<Uint8Array>>();

  // The workbook is the raw body, as bytes (this plugin's scope only).
  app.addContentTypeParser(
    FILE_TYPES,
    { parseAs: "buffer", bodyLimit: app.bodyLimits.authenticated },
    (_r, body, next) => next(null, body),
  );

  api.post(
    "/drafts/import",
    {
      onRequest: app.auth.schoolOrStaff("clerk"),
      bodyLimit: app.bodyLimits.authenticated,
      // The body is bytes: the use case reads and checks them.
      validatorCompiler: () => () => true,
      schema: {
        tags: ["drafts"],
        summary: "Import a class workbook (XLSX or CSV) into unsigned drafts",
        description:
          "The raw body is the file (Content-Type " +
          `${XLSX_TYPE}, text/csv or application/octet-stream; the format is told by the bytes). ` +
          "All or nothing: a file with any problem imports nothing — 422 IMPORT_INVALID, details = every " +
          `{sheet, row, column, code, message (Vietnamese), messageEn}; codes: ${WORKBOOK_PROBLEM_CODES.join(", ")} and the document rules' codes. ` +
          "403 WORKBOOK_SCHOOL_MISMATCH when the file names another school. 413 PAYLOAD_TOO_LARGE over the import limits. " +
          "Importing a class again replaces its unsigned drafts and keeps (and reports) those already signed or submitted.",
        querystring: Type.Object(
          { school: Type.Optional(Type.String({ pattern: "^[0-9A-Za-z]{2,32}$" })) },
          { additionalProperties: false },
        ),
        consumes: FILE_TYPES,
        body: Type.Unsafe<Buffer>({ type: "string", format: "binary", description: "the XLSX or CSV file" }),
        response: { 201: ImportReply, ...errorResponses(400, 401, 403, 404, 413, 422, 500) },
      },
    },
    async (request, reply) => {
      // This route's validator is off (the body is bytes): check the one query parameter here.
      const asked: unknown = request.query.school;
      if (asked !== undefined && (typeof asked !== "string" || !/^[0-9A-Za-z]{2,32}$/.test(asked)))
        throw new HocbaError("SCHEMA_INVALID", "school must be a school code (2–32 letters or digits)");
      const school = schoolOf(request, asked, ["clerk"]);
      const { actor } = draftAccessOf(request);
      if (!Buffer.isBuffer(request.body))
        throw new HocbaError(
          "SCHEMA_INVALID",
          `send the file as the raw body (Content-Type ${FILE_TYPES.join(", ")})`,
        );
      const result = await importWorkbook(drafts, school, new Uint8Array(request.body), actor);
      return reply.status(201).send(result);
    },
  );

  const signing = { db: drafts.db, submission: app.services.submission };
  const readers = app.auth.schoolOrStaff(...SCHOOL_ROLES);
  const signers = app.auth.schoolOrStaff(...SIGNERS);

  api.get(
    "/drafts",
    {
      onRequest: readers,
      schema: {
        tags: ["drafts"],
        summary: "List a school's drafts with their state, whose signature is awaited and who signed",
        description:
          "A homeroom teacher sees their own classes only; a school the caller does not belong to is 404, as an unknown one. " +
          "`awaiting=me` keeps the drafts awaiting one of the caller's roles (what `hocba sign-pending` lists). The read is audited.",
        querystring: ListQuery,
        response: {
          200: Type.Object({ drafts: Type.Array(DraftSummary) }),
          ...errorResponses(400, 401, 403, 404, 500),
        },
      },
    },
    async (request) => {
      const { class: className, year: schoolYear, school: asked, awaiting } = request.query;
      const school = schoolOf(request, asked, SCHOOL_ROLES);
      if (school === null)
        throw new HocbaError("SCHEMA_INVALID", "with the admin token, say which school (?school=)");
      return {
        drafts: await listDraftStates(signing, draftAccessOf(request), {
          school,
          ...(className !== undefined ? { className } : {}),
          ...(schoolYear !== undefined ? { schoolYear } : {}),
          ...(awaiting === "me" ? { awaitingMe: true } : {}),
        }),
      };
    },
  );

  api.get(
    "/drafts/template.xlsx",
    {
      onRequest: readers,
      schema: {
        tags: ["drafts"],
        summary: "Download the empty class workbook template",
        description: "The template of docs/workbook.md for a level (THCS: grades 6–9, THPT: 10–12).",
        querystring: TemplateQuery,
        produces: [XLSX_TYPE],
        response: {
          200: Type.Unsafe<Uint8Array>({ type: "string", format: "binary", description: XLSX_TYPE }),
          ...errorResponses(400, 401, 403, 500),
        },
      },
    },
    async (request, reply) => {
      const level = request.query.level ?? "THCS";
      let bytes = templates.get(level);
      if (!bytes) {
        bytes = templateWorkbook(drafts.writeWorkbook, level);
        templates.set(level, bytes);
      }
      const file = await bytes;
      return reply
        .type(XLSX_TYPE)
        .header("content-disposition", `attachment; filename="hoc-ba-lop-${level.toLowerCase()}.xlsx"`)
        .send(Buffer.from(file.buffer, file.byteOffset, file.byteLength));
    },
  );

  const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

  api.get(
    "/drafts/:id",
    {
      onRequest: readers,
      schema: {
        tags: ["drafts"],
        summary: "Read a draft: its document and problems, its state as the list gives it",
        description:
          "`status`, `awaitingRoles` and `refusal` are the list's (draft, awaiting, refused, pending, anchored, revoked, superseded). " +
          "A draft the caller may not see (another school's, another class's for a homeroom teacher) is 404, as an unknown id. The read is audited.",
        params: IdParams,
        response: { 200: DraftView, ...errorResponses(401, 403, 404, 500) },
      },
    },
    async (request) => {
      const access = draftAccessOf(request);
      const view = await getDraft(drafts, null, request.params.id, access.actor, access.sees);
      return { ...view, ...(await draftState(signing, access, request.params.id)) };
    },
  );

  api.get(
    "/drafts/:id/signing-input",
    {
      onRequest: signers,
      schema: {
        tags: ["drafts"],
        summary: "The exact bytes to sign for a draft, in the form `hocba sign` produces",
        description:
          "The first request fixes the draft's selectively disclosable form (salts included): every signer signs the same bytes. " +
          "Sign `content` (base64) as a detached CMS SignedData (SHA-256; signed attributes content-type, message-digest, signing-time; " +
          "certificate and chain included) and send it to POST /drafts/{id}/signatures. 409 DRAFT_ALREADY_SIGNED once submitted. Audited.",
        params: IdParams,
        response: { 200: SigningInput, ...errorResponses(401, 403, 404, 409, 500) },
      },
    },
    async (request) => signingInput(signing, draftAccessOf(request), request.params.id),
  );

  const signatureErrors =
    "The CMS is verified as a submission's (chain, validity, key usage, the signer's role in the issuer registry, " +
    "timestamp and certificate-status policy; 4xx with that check's code). 403 SIGNER_ROLE_NOT_HELD when the certificate's " +
    "registry role is not one the caller holds for the draft's class (principal; homeroom of that class; seal → organisation). " +
    "409 DRAFT_ALREADY_SIGNED when that role or certificate already signed, or the draft was submitted. " +
    "The signature is merged with the earlier signers' (one CMS); once every role the school requires has signed, the document " +
    "is submitted by itself (`submitted` in the answer) and anchored like any other. If that submission is refused, the signature " +
    "is still kept: the answer says `status: refused` with the `refusal` (retry: POST /drafts/{id}/submission; remove the signature at fault: DELETE /drafts/{id}/signatures/{role}).";

  api.post(
    "/drafts/:id/signatures",
    {
      onRequest: signers,
      bodyLimit: app.bodyLimits.authenticated,
      schema: {
        tags: ["drafts"],
        summary: "Add one signer's detached CMS to a draft",
        description: signatureErrors,
        params: IdParams,
        body: SignatureBody,
        response: { 200: SignatureOk, ...errorResponses(400, 401, 403, 404, 409, 422, 500, 503) },
      },
    },
    async (request) => {
      const [result] = await addSignatures(signing, draftAccessOf(request), [
        { draftId: request.params.id, signature: request.body.signature },
      ]);
      if (!result!.ok) throw failureError(result!);
      if (result!.submitted) app.services.triggerAnchoring();
      return result!;
    },
  );

  api.post(
    "/drafts/signatures",
    {
      onRequest: signers,
      bodyLimit: app.bodyLimits.authenticated,
      schema: {
        tags: ["drafts"],
        summary: "Add signatures to many drafts at once (a principal signs a whole class)",
        description:
          `At most ${MAX_BATCH} signatures; one result per item, in order: a refused item changes nothing and does not stop the others. ` +
          signatureErrors,
        body: BatchBody,
        response: {
          200: Type.Object({ results: Type.Array(Type.Union([SignatureOk, SignatureFailed])) }),
          ...errorResponses(400, 401, 403, 413, 500),
        },
      },
    },
    async (request) => {
      const results = await addSignatures(signing, draftAccessOf(request), request.body.signatures);
      if (results.some((r) => r.ok && r.submitted)) app.services.triggerAnchoring();
      return { results };
    },
  );
  api.post(
    "/drafts/:id/revoke",
    {
      onRequest: app.auth.schoolOrStaff(...REVOKING_ROLES),
      schema: {
        tags: ["drafts"],
        summary: "Revoke the document of a submitted draft (the principal)",
        description:
          "The same revocation as POST /transcripts/{id}/revoke: at once in the service, on chain in the next anchoring round; " +
          "the reason stays in the database. 409 CONFLICT when the draft was not submitted or its document is already revoked or superseded. Audited.",
        params: IdParams,
        body: Type.Object(
          {
            reason: Type.String({
              minLength: 1,
              maxLength: 500,
              pattern: "\\S",
              description: "kept in the database only; the chain gets a fixed code",
            }),
          },
          { additionalProperties: false },
        ),
        response: {
          202: Type.Object({
            id: Type.String(),
            status: Type.Literal("revoked"),
            revokedAt: Type.String({ format: "date-time" }),
          }),
          ...errorResponses(400, 401, 403, 404, 409, 500),
        },
      },
    },
    async (request, reply) => {
      const revoked = await revokeDraft(
        signing,
        draftAccessOf(request),
        request.params.id,
        request.body.reason,
      );
      app.services.triggerAnchoring();
      return reply.status(202).send({ ...revoked, revokedAt: revoked.revokedAt.toISOString() });
    },
  );

  api.post(
    "/drafts/:id/correction",
    {
      onRequest: app.auth.schoolOrStaff(...CORRECTING_ROLES),
      schema: {
        tags: ["drafts"],
        summary: "Start the correction of a submitted document: a new draft of the new version (the clerk)",
        description:
          "The new draft copies the document with a new id, nonce and issue time and `supersedes` naming the old one. Fix it by importing " +
          "the class again (the import replaces the draft's content and keeps `supersedes`), then sign it as any draft: once submitted, the " +
          "old document is superseded. 409 CONFLICT when the draft was not submitted, its document is revoked or superseded, or a correction " +
          "of that student is already under way. Audited.",
        params: IdParams,
        response: {
          201: Type.Object({
            id: Type.String({ format: "uuid", description: "the new draft" }),
            supersedes: Type.String({ format: "uuid" }),
            status: Type.Literal("draft"),
          }),
          ...errorResponses(401, 403, 404, 409, 500),
        },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await startCorrection(signing, draftAccessOf(request), request.params.id)),
  );

  api.post(
    "/drafts/:id/submission",
    {
      onRequest: readers,
      schema: {
        tags: ["drafts"],
        summary: "Submit again a draft whose submission was refused (every required role signed)",
        description:
          "For a passing cause (`refusal.transient`: a status responder, a TSA or the chain did not answer), or once the issuer registry or " +
          "the trust anchors were put right. Anyone who sees the draft may. 202 with the document's state; 422 DRAFT_SUBMISSION_REFUSED when " +
          "refused again (details.refusal, kept with the draft); 409 CONFLICT when signatures are still awaited; 409 DRAFT_ALREADY_SIGNED once submitted. Audited.",
        params: IdParams,
        response: {
          202: Type.Object({
            id: Type.String({ format: "uuid" }),
            status: State,
            submitted: Type.Object({ docHash: Type.String(), status: Type.String() }),
          }),
          ...errorResponses(401, 403, 404, 409, 422, 500),
        },
      },
    },
    async (request, reply) => {
      const result = await retrySubmission(signing, draftAccessOf(request), request.params.id);
      app.services.triggerAnchoring();
      return reply.status(202).send(result);
    },
  );

  api.delete(
    "/drafts/:id/signatures/:role",
    {
      onRequest: readers,
      schema: {
        tags: ["drafts"],
        summary: "Remove a signature from a draft not yet submitted, so its signer signs again",
        description:
          "`role` is the signature's registry role (homeroom, principal, organisation…): the one a refusal names (`refusal.signature.role`), " +
          "or one made with the wrong certificate. Its SignerInfo leaves the merged CMS; the draft awaits that role again (`draft` when nobody " +
          "else signed) and the refusal is cleared. The person who may sign in that role for the class, the principal and the school admin " +
          "may (403 FORBIDDEN otherwise); 404 when the draft has no signature in that role; 409 DRAFT_ALREADY_SIGNED once submitted. Audited.",
        params: Type.Object({ id: IdParams.properties.id, role: Type.String({ pattern: "^[a-z-]{1,40}$" }) }),
        response: {
          200: Type.Object({
            id: Type.String({ format: "uuid" }),
            status: State,
            awaitingRoles: Type.Array(Type.String()),
            signatures: Type.Array(Signature),
          }),
          ...errorResponses(400, 401, 403, 404, 409, 500),
        },
      },
    },
    async (request) =>
      removeSignature(signing, draftAccessOf(request), request.params.id, request.params.role),
  );

  const sharers = app.auth.schoolOrStaff(...SHARING_ROLES);
  /** Share links are made and revoked in the workspace session, never through a signing station's device token. */
  const noDeviceToken = (request: FastifyRequest) => {
    if (request.staff?.deviceTokenId)
      throw new HocbaError("FORBIDDEN", "a device token signs drafts only: share from the workspace");
  };
  const shareMaxDays = () => app.services.citizenSignIn?.shareMaxDays ?? 365;

  api.post(
    "/drafts/:id/shares",
    {
      onRequest: sharers,
      schema: {
        tags: ["drafts"],
        summary: "Make a share link (and so a QR code) to a student's anchored transcript, for the parents",
        description:
          "The same links a graduate makes (docs/citizens.md, Shares): an expiry (default " +
          `${DEFAULT_SHARE_DAYS} days, at most SHARE_MAX_DAYS), optionally parts withheld, revocable, every opening logged; the holder ` +
          "sees them on /cua-toi and may revoke them too. `url` opens the verifier page on the credential: print it or show it as a QR code. " +
          "The clerk, the homeroom teacher of the class, the principal and the school admin may (403 FORBIDDEN otherwise, and with a device token); " +
          "409 NOT_ANCHORED_YET while pending; 409 CONFLICT before submission and for a revoked or superseded document. Audited.",
        params: IdParams,
        body: Type.Object(
          {
            expiresInDays: Type.Optional(Type.Integer({ minimum: 1 })),
            withhold: Type.Optional(
              Type.Array(Type.String({ pattern: DISCLOSURE_KEY }), { maxItems: 64, uniqueItems: true }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: ShareCreated, ...errorResponses(400, 401, 403, 404, 409, 500) },
      },
    },
    async (request, reply) => {
      noDeviceToken(request);
      const { share, token } = await shareDraft(
        signing,
        draftAccessOf(request),
        request.params.id,
        request.body,
        shareMaxDays(),
      );
      return reply
        .status(201)
        .header("cache-control", "no-store")
        .send({ share: shareView(share), token, url: shareVerifierLink(publicUrlOf(request), token) });
    },
  );

  api.get(
    "/drafts/:id/shares",
    {
      onRequest: sharers,
      schema: {
        tags: ["drafts"],
        summary:
          "The share links of a student's transcript (whoever made them), with how often each was opened",
        description: "Never the tokens. Who may: as for making one. Audited.",
        params: IdParams,
        response: {
          200: Type.Object({ shares: Type.Array(ShareView) }),
          ...errorResponses(401, 403, 404, 500),
        },
      },
    },
    async (request) => {
      noDeviceToken(request);
      const shares = await draftShares(signing, draftAccessOf(request), request.params.id);
      return { shares: shares.map((s) => shareView(s.share, s.opened)) };
    },
  );

  api.post(
    "/drafts/:id/shares/:shareId/revoke",
    {
      onRequest: sharers,
      schema: {
        tags: ["drafts"],
        summary: "Revoke a share link of a student's transcript (it then answers 410 SHARE_REVOKED)",
        description: "Who may: as for making one. Already revoked: unchanged. Audited.",
        params: Type.Object({ id: IdParams.properties.id, shareId: ShareParams.properties.shareId }),
        response: { 200: ShareView, ...errorResponses(400, 401, 403, 404, 500) },
      },
    },
    async (request) => {
      noDeviceToken(request);
      const { share, opened } = await revokeDraftShare(
        signing,
        draftAccessOf(request),
        request.params.id,
        request.params.shareId,
      );
      return shareView(share, opened);
    },
  );

  api.get(
    "/drafts/archive.zip",
    {
      onRequest: readers,
      schema: {
        tags: ["drafts"],
        summary: "Download a class's anchored documents as one ZIP: each student's PDF and credential file",
        description:
          "`<studentCode>.pdf` (the printable PDF with the credential embedded; each makes a share token for its QR code, as GET /transcripts/{id}/pdf) " +
          "and `<studentCode>.hocba.json` per anchored document, and `manifest.json` listing every draft of the class with its status. " +
          "404 when the caller sees no draft of that class. Every credential read is audited.",
        querystring: Type.Object(
          {
            school: ListQuery.properties.school,
            year: Type.String({ pattern: "^[0-9]{4}-[0-9]{4}$" }),
            class: Type.String({ minLength: 1, maxLength: 40 }),
          },
          { additionalProperties: false },
        ),
        produces: ["application/zip"],
        response: {
          200: Type.Unsafe<Uint8Array>({ type: "string", format: "binary", description: "application/zip" }),
          ...errorResponses(400, 401, 403, 404, 500),
        },
      },
    },
    async (request, reply) => {
      const school = schoolOf(request, request.query.school, SCHOOL_ROLES);
      if (school === null)
        throw new HocbaError("SCHEMA_INVALID", "with the admin token, say which school (?school=)");
      const archive = await classArchive(
        {
          ...signing,
          chain: app.services.chain,
          publicUrl: app.services.publicUrl?.() ?? `${request.protocol}://${request.host}`,
          render: app.services.renderPdf,
        },
        draftAccessOf(request),
        { school, schoolYear: request.query.year, className: request.query.class },
      );
      return reply
        .type("application/zip")
        .header("content-disposition", `attachment; filename="${archive.fileName}"`)
        .header("cache-control", "no-store")
        .send(Buffer.from(archive.bytes.buffer, archive.bytes.byteOffset, archive.bytes.byteLength));
    },
  );
  done();
}
