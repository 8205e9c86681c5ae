/**
 * The THCS graduation records API (docs/http-api.md): a district office, or since the 2025 reform
 * the department of its province (docs/graduates.md), imports its signed graduates file; anyone searches by full name and date of birth, or by diploma serial. Handlers translate
 * HTTP to service/src/issuance/graduates.ts and back.
 *
 * The search is a public service, not a data feed: it is limited per client (address, IPv6 by
 * /64) for everyone — no API key, not even the admin token, lifts it — LOOKUP_RATE_MAX per
 * LOOKUP_RATE_WINDOW_MS by name and date of birth, and LOOKUP_SERIAL_RATE_MAX in the same window,
 * counted apart, by diploma serial: serials are printed in sequence, so a serial alone answers
 * only on an exact match and with a tighter count. A search made with a key is written to the
 * audit log (actor, time, the query as a keyed digest, result ids and count). The answer schema
 * has no citizen ID and no ethnicity, so the serializer could not send them even if a record view
 * carried them.
 */
import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { HocbaError } from "../../core/errors";
import { GraduateViewSchema } from "../../core/documents/views";
import { HEX32_PATTERN } from "../../core/encoding";
import {
  graduationYears,
  importGraduates,
  searchAuditKey,
  searchGraduates,
  searchQueryOf,
  MAX_SEARCH_RESULTS,
} from "../../issuance/graduates";
import { actorOf } from "../plugins/auth";
import { clientKey } from "../plugins/quota";
import { errorResponses, IMPORTED_FILE_PROPERTIES } from "../schemas";
import { PUBLIC_CHAIN_READS_PER_MINUTE } from "./public-chain";

/**
 * Searches per client and window, unless configured (LOOKUP_RATE_MAX, LOOKUP_SERIAL_RATE_MAX,
 * LOOKUP_RATE_WINDOW_MS).
 */
export const DEFAULT_LOOKUP_LIMITS = { lookupMax: 30, lookupSerialMax: 10, lookupWindowMs: 600_000 } as const;

/** Whether a search asks by diploma serial (counted apart, against the tighter limit). */
function bySerial(request: FastifyRequest): boolean {
  const serial = (request.query as { diplomaSerial?: unknown }).diplomaSerial;
  return typeof serial === "string" && serial.trim() !== "";
}

const ImportBody = Type.Object({
  file: Type.String({ description: "base64 of the CSV (UTF-8, header row) or XLSX (first sheet) file" }),
  signature: Type.String({
    description:
      "base64 of the importer's (district's or department's) detached CMS SignedData (DER) over the file bytes",
  }),
});
const ImportReply = Type.Object({
  alreadyImported: Type.Boolean({
    description:
      "true when this exact file was imported before: nothing changed, and the rest is that import's answer",
  }),
  importId: Type.String(),
  districtCode: Type.String({
    description: "the importing issuer's code: the district office, or the department (Sở GDĐT)",
  }),
  ...IMPORTED_FILE_PROPERTIES,
  signerFingerprint: Type.String({ pattern: HEX32_PATTERN }),
  counts: Type.Object({
    rows: Type.Integer(),
    created: Type.Integer(),
    unchanged: Type.Integer(),
    superseding: Type.Integer(),
  }),
  results: Type.Array(
    Type.Object({
      row: Type.Integer({ description: "row of the file (1 = header)" }),
      graduationYear: Type.Integer(),
      diplomaSerial: Type.String(),
      id: Type.String({ description: "the record's document id" }),
      outcome: Type.Union([Type.Literal("created"), Type.Literal("unchanged"), Type.Literal("superseding")]),
      supersedes: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});
const SearchQuerystring = Type.Object(
  {
    fullName: Type.Optional(
      Type.String({ maxLength: 200, description: "accents, case and spaces are ignored" }),
    ),
    dateOfBirth: Type.Optional(Type.String({ maxLength: 10, description: "YYYY-MM-DD or DD/MM/YYYY" })),
    year: Type.Optional(Type.String({ maxLength: 4, description: "graduation year" })),
    schoolCode: Type.Optional(Type.String({ maxLength: 20 })),
    diplomaSerial: Type.Optional(Type.String({ maxLength: 60, description: "số hiệu văn bằng, alone" })),
  },
  { additionalProperties: false },
);
/** Plugin registered under /api/v1 (see API_ROUTES in app.ts). */
export function graduateRoutes(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { db, submission, chain } = app.services;
  const lookupMax = app.services.limits?.lookupMax ?? DEFAULT_LOOKUP_LIMITS.lookupMax;
  const serialMax = app.services.limits?.lookupSerialMax ?? DEFAULT_LOOKUP_LIMITS.lookupSerialMax;
  const lookupWindowMs = app.services.limits?.lookupWindowMs ?? DEFAULT_LOOKUP_LIMITS.lookupWindowMs;
  const minutes = Math.max(1, Math.round(lookupWindowMs / 60_000));
  const auditKey = searchAuditKey(app.services.adminToken);

  api.post(
    "/graduates/import",
    {
      onRequest: app.auth.district,
      bodyLimit: app.bodyLimits.authenticated,
      schema: {
        tags: ["graduates"],
        summary: "Import a district office's or a department's signed graduates file (CSV or XLSX)",
        description:
          "201 when records were stored; 200 with `alreadyImported: true` and the earlier answer when the same file was already imported (nothing changed). " +
          "A file with any invalid row imports nothing: 422 IMPORT_INVALID, details = every {row, column, code, message}. " +
          "A department's file has two more columns, `districtCode` (one of its former districts) and `decidedBy` (that district's code, or the department's): " +
          "a row of any other district is 403 DISTRICT_NOT_IN_PROVINCE, details = those rows. Registry numbers are unique per deciding authority and year.",
        body: ImportBody,
        response: { 200: ImportReply, 201: ImportReply, ...errorResponses(400, 401, 403, 413, 422, 500) },
      },
    },
    async (request, reply) => {
      const p = request.principal;
      const importer =
        p?.kind === "issuer"
          ? { issuerCode: p.issuerCode, actor: actorOf(p) }
          : { issuerCode: null, actor: "admin" };
      const outcome = await importGraduates(submission, importer, request.body);
      if (outcome.stored) app.services.triggerAnchoring();
      return reply
        .status(outcome.stored ? 201 : 200)
        .send({ alreadyImported: !outcome.stored, ...outcome.result });
    },
  );

  api.get(
    "/graduates/years",
    {
      config: {
        rateLimit: {
          max: app.services.limits?.publicReadsMax ?? PUBLIC_CHAIN_READS_PER_MINUTE,
          timeWindow: 60_000,
        },
      },
      schema: {
        tags: ["graduates"],
        summary: "The graduation years the lookup holds records for",
        description:
          "Ascending. The THCS diploma ended with the amended Education Law (2026): from then on the principal " +
          "confirms completion on the transcript, which the verifier checks, so no later year is expected here.",
        response: {
          200: Type.Object({ years: Type.Array(Type.Integer({ minimum: 1900, maximum: 2199 })) }),
          ...errorResponses(429, 500),
        },
      },
    },
    async () => ({ years: await graduationYears(db) }),
  );

  api.get(
    "/graduates/search",
    {
      // The key, when one is sent, is checked first (a bad key is 401) but lifts nothing.
      preHandler: app.auth.optional,
      config: {
        rateLimit: {
          max: (request: FastifyRequest) => (bySerial(request) ? serialMax : lookupMax),
          timeWindow: lookupWindowMs,
          keyGenerator: (request: FastifyRequest) =>
            `${bySerial(request) ? "serial" : "name"}:${clientKey(request)}`,
          hook: "preHandler" as const,
          errorResponseBuilder: (request, context) =>
            Object.assign(
              new HocbaError(
                "RATE_LIMITED",
                `too many searches ${bySerial(request) ? "by diploma serial " : ""}from this address (at most ${context.max} every ${minutes} minute${minutes === 1 ? "" : "s"}): try again in ${context.after}`,
              ),
              { statusCode: 429 },
            ),
        },
      },
      schema: {
        tags: ["graduates"],
        summary: "Find THCS graduation records",
        description:
          `By fullName + dateOfBirth (optionally year, schoolCode), or by diplomaSerial alone; at most ${MAX_SEARCH_RESULTS} records. ` +
          "Names match without accents, case or extra spaces (đ = d); a serial matches exactly (case and spaces aside). " +
          `Limited per client address for everyone, API key or not: ${lookupMax} searches by name and ${serialMax} by serial ` +
          `every ${minutes} minute${minutes === 1 ? "" : "s"}. A search made with a key is written to the audit log. ` +
          "Never returns the citizen ID or the ethnicity.",
        querystring: SearchQuerystring,
        response: {
          200: Type.Object({ results: Type.Array(GraduateViewSchema, { maxItems: MAX_SEARCH_RESULTS }) }),
          ...errorResponses(400, 401, 429, 500),
        },
      },
    },
    async (request) => {
      const query = searchQueryOf(request.query);
      const searcher =
        request.principal === undefined ? undefined : { actor: actorOf(request.principal), auditKey };
      return { results: await searchGraduates(db, chain, query, searcher) };
    },
  );
  done();
}
