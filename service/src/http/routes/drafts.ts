/**
 * The drafts API (docs/http-api.md, docs/workbook.md): a school imports a class workbook (XLSX or
 * CSV, sent as the raw request body) into unsigned drafts, lists them, reads one with its
 * problems, and downloads the empty template. School API key (or the admin token) for now; the
 * school workspace will put these behind the staff session. Handlers translate HTTP to
 * service/src/issuance/drafts.ts and back; every import and read is audited there.
 */
import { SHA256_HEX_PATTERN } from "../../core/encoding";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { HocbaError } from "../../core/errors";
import { WORKBOOK_PROBLEM_CODES } from "../../core/workbook/problems";
import { getDraft, importWorkbook, listDrafts, templateWorkbook } from "../../issuance/drafts";
import { actorOf } from "../plugins/auth";
import { errorResponses } from "../schemas";

export const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const FILE_TYPES = [XLSX_TYPE, "text/csv", "application/octet-stream"];

const Status = Type.Union([Type.Literal("draft"), Type.Literal("awaiting"), Type.Literal("submitted")], {
  description: "draft: as imported; awaiting: signed by someone, others awaited; submitted",
});
const ImportReply = Type.Object({
  importId: Type.String({ format: "uuid" }),
  schoolCode: Type.String(),
  schoolYear: Type.String({ description: "the class's last school year" }),
  className: Type.String(),
  format: Type.Union([Type.Literal("csv"), Type.Literal("xlsx")]),
  fileSha256: Type.String({ pattern: SHA256_HEX_PATTERN }),
  importedAt: Type.String({ format: "date-time" }),
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
const DraftSummary = Type.Object({
  id: Type.String({ format: "uuid" }),
  studentCode: Type.String(),
  fullName: Type.String(),
  schoolYear: Type.String(),
  className: Type.String(),
  status: Status,
  updatedAt: Type.String({ format: "date-time" }),
});
const Problem = Type.Object({ path: Type.String(), code: Type.String(), message: Type.String() });
const DraftView = Type.Object({
  id: Type.String({ format: "uuid" }),
  schoolCode: Type.String(),
  schoolYear: Type.String(),
  className: Type.String(),
  studentCode: Type.String(),
  status: Status,
  importId: Type.String({ format: "uuid" }),
  importedBy: Type.String(),
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
  signatures: Type.Array(
    Type.Object({ actor: Type.String(), role: Type.String(), at: Type.String({ format: "date-time" }) }),
  ),
  document: Type.Unknown({ description: "the unsigned hocba.transcript/v1 document (docs/formats.md)" }),
  problems: Type.Array(Problem, { description: "the document rules' problems today; empty when valid" }),
});
const ListQuery = Type.Object(
  {
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

/** The school a caller acts for: its key's school, or null for the admin (any school). */
function schoolOf(request: FastifyRequest): { school: string | null; actor: string } {
  const p = request.principal!;
  return { school: p.kind === "issuer" ? p.issuerCode : null, actor: actorOf(p) };
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
      onRequest: app.auth.school,
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
        consumes: FILE_TYPES,
        body: Type.Unsafe<Buffer>({ type: "string", format: "binary", description: "the XLSX or CSV file" }),
        response: { 201: ImportReply, ...errorResponses(400, 401, 403, 404, 413, 422, 500) },
      },
    },
    async (request, reply) => {
      const { school, actor } = schoolOf(request);
      if (!Buffer.isBuffer(request.body))
        throw new HocbaError(
          "SCHEMA_INVALID",
          `send the file as the raw body (Content-Type ${FILE_TYPES.join(", ")})`,
        );
      const result = await importWorkbook(drafts, school, new Uint8Array(request.body), actor);
      return reply.status(201).send(result);
    },
  );

  api.get(
    "/drafts",
    {
      onRequest: app.auth.school,
      schema: {
        tags: ["drafts"],
        summary: "List a school's drafts, by class and school year",
        description: "With the admin token: every school's. The read is written to the audit log.",
        querystring: ListQuery,
        response: {
          200: Type.Object({ drafts: Type.Array(DraftSummary) }),
          ...errorResponses(400, 401, 403, 500),
        },
      },
    },
    async (request) => {
      const { school, actor } = schoolOf(request);
      const { class: className, year: schoolYear } = request.query;
      return {
        drafts: await listDrafts(
          drafts.db,
          school,
          {
            ...(className !== undefined ? { className } : {}),
            ...(schoolYear !== undefined ? { schoolYear } : {}),
          },
          actor,
        ),
      };
    },
  );

  api.get(
    "/drafts/template.xlsx",
    {
      onRequest: app.auth.school,
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

  api.get(
    "/drafts/:id",
    {
      onRequest: app.auth.school,
      schema: {
        tags: ["drafts"],
        summary: "Read a draft: its document and problems",
        description: "Another school's draft is 404. The read is written to the audit log.",
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: DraftView, ...errorResponses(401, 403, 404, 500) },
      },
    },
    async (request) => {
      const { school, actor } = schoolOf(request);
      return getDraft(drafts, school, request.params.id, actor);
    },
  );
  done();
}
