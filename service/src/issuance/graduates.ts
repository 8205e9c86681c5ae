/**
 * The THCS graduation records (docs/formats.md): a district office imports its signed graduates
 * file, each row becomes a `hocba.graduation/v1` document stored and anchored like a transcript;
 * the public finds a record by name and date of birth, or by diploma serial. Since the 2025 reform
 * a department (Sở GDĐT) imports and corrects the records of its former districts (docs/graduates.md):
 * each record keeps the authority that decided it, and registry numbers are unique per deciding
 * authority and year.
 *
 * Import is all-or-nothing: the detached CMS must verify over the exact file bytes, chain to the
 * trust anchors, be valid at signing time and come from a certificate registered for this
 * district (the transcripts' authorization check); then every row must be valid, or nothing is
 * stored and every row's problems are returned. Records are keyed by district + graduation year
 * + diploma serial: a row whose content is unchanged is left alone (importing the same file
 * again stores nothing and gives the same answer), a changed row becomes a new document that
 * supersedes the old one. Ids are derived from that key and the content; nonces are random,
 * because a nonce computed from the row would let anyone who knows a graduate's name and birth
 * date recompute the leaf on chain (docs/school-records.md) — idempotency comes from the content hash instead.
 *
 * The lookup never returns the citizen ID or the ethnicity.
 */
import { decodeBase64 } from "../core/encoding";
import { createHash, createHmac, randomBytes } from "node:crypto";
import type { Queryable, SheetReader } from "./ports";
import {
  canonicalBytes,
  docHash as docHashOf,
  leafOf,
  nameKey,
  serialKey,
  type Graduation,
} from "../core/documents";
import { isCalendarDate } from "../core/documents/dates";
import type { GraduateView } from "../core/documents/views";
import {
  deciderOf,
  importDate,
  readGraduateRows,
  type ImportAuthority,
  type GraduateRecord,
  type RowProblem,
} from "../core/documents/graduate-rows";
import { HocbaError } from "../core/errors";
import { assertSignatureValid } from "../core/pki";
import type { CredentialChain } from "./credential";
import { databaseAuthorization, decodeSignature, type SubmissionDeps, type IssuerActor } from "./documents";
import { anchorProof } from "./stores/batches";
import { insertDocuments, type NewDocument } from "./stores/documents";
import {
  currentGraduates,
  findGraduates,
  importOfFile,
  insertGraduates,
  lockImports,
  saveImport,
  type CurrentGraduate,
  type GraduateFilter,
  type GraduateRow,
} from "./stores/graduates";
import { audit } from "./stores/audit";
import { districtsOfDepartment, findIssuer } from "./stores/issuers";

export interface ImportInput {
  /** Base64 of the CSV or XLSX file. */
  file: unknown;
  /** Base64 of the district's detached CMS SignedData (DER) over the file bytes. */
  signature: unknown;
}

export type RowOutcome = "created" | "unchanged" | "superseding";

export interface ImportResult {
  importId: string;
  districtCode: string;
  fileSha256: string;
  format: "csv" | "xlsx";
  signerFingerprint: string;
  importedAt: string;
  counts: { rows: number; created: number; unchanged: number; superseding: number };
  results: {
    row: number;
    graduationYear: number;
    diplomaSerial: string;
    id: string;
    outcome: RowOutcome;
    supersedes: string | null;
  }[];
}

/** The answer and whether this call stored anything (false: the same file again). */
export interface ImportOutcome {
  stored: boolean;
  result: ImportResult;
}

/** Search answers, at most this many records (a handful: a lookup is not a listing). */
export const MAX_SEARCH_RESULTS = 5;

function sha256Hex(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A UUID (RFC 9562 version 8, "custom") made from the first 16 bytes of SHA-256(parts). */
function derivedUuid(...parts: string[]): string {
  const hex = sha256Hex(parts.join("\n")).slice(0, 32).split("");
  hex[12] = "8";
  hex[16] = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const h = hex.join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function invalid(problems: RowProblem[]): HocbaError {
  const rows = new Set(problems.map((p) => p.row)).size;
  const first = problems[0]!;
  return new HocbaError(
    "IMPORT_INVALID",
    `the file was not imported: ${problems.length} problem${problems.length === 1 ? "" : "s"} in ${rows} row${rows === 1 ? "" : "s"}, first at row ${first.row}${first.column === null ? "" : ` column ${first.column}`}: ${first.code}`,
    { details: problems },
  );
}

function decodeFile(file: unknown): Uint8Array {
  const bytes = file === "" ? new Uint8Array() : decodeBase64(file);
  if (bytes === undefined)
    throw new HocbaError("SCHEMA_INVALID", "file must be the base64 of a CSV or XLSX file");
  if (bytes.length === 0)
    throw invalid([{ row: 1, column: null, code: "FILE_EMPTY", message: "the file is empty" }]);
  return bytes;
}

/**
 * The importing authority: a district office, or a department with its former districts (the
 * district offices registered with its code). Issuer keys of those kinds only.
 */
async function authorityOf(db: Queryable, importer: IssuerActor): Promise<ImportAuthority> {
  if (importer.issuerCode === null)
    throw new HocbaError(
      "FORBIDDEN",
      "graduates are imported with the district office's or the department's own API key",
    );
  const issuer = await findIssuer(db, importer.issuerCode);
  const code = importer.issuerCode;
  if (issuer?.kind === "district") return { kind: "district", code, name: issuer.name };
  if (issuer?.kind !== "department")
    throw new HocbaError(
      "FORBIDDEN",
      `${code} is not a district office or a department: only they import graduates`,
    );
  const districts = await districtsOfDepartment(db, code);
  return {
    kind: "department",
    code,
    name: issuer.name,
    districts,
  };
}

/**
 * 403 DISTRICT_NOT_IN_PROVINCE when a department's file has rows of districts that are not its
 * own: those records are another department's (or no one's) to import, whatever else is wrong.
 */
function assertOwnDistricts(problems: readonly RowProblem[], authority: ImportAuthority): void {
  const foreign = problems.filter((p) => p.code === "DISTRICT_NOT_IN_PROVINCE");
  if (foreign.length === 0) return;
  throw new HocbaError(
    "DISTRICT_NOT_IN_PROVINCE",
    `the file was not imported: ${foreign.length} row${foreign.length === 1 ? "" : "s"} of districts that are not former districts of ${authority.code}, first at row ${foreign[0]!.row}`,
    { details: foreign },
  );
}

interface Planned {
  record: GraduateRecord;
  contentHash: string;
  outcome: RowOutcome;
  id: string;
  supersedes: string | null;
}

/**
 * What each row does against the current records: a serial is its district's (per year), a
 * registry number its deciding authority's (per year). Problems for taken registry numbers.
 */
function plan(
  records: readonly GraduateRecord[],
  current: readonly CurrentGraduate[],
): { planned: Planned[]; problems: RowProblem[] } {
  const key = (scope: string, year: number, value: string) => `${scope}\n${year}\n${value}`;
  const bySerial = new Map(current.map((c) => [key(c.district_code, c.graduation_year, c.serial_key), c]));
  const byRegistry = new Map(
    current.map((c) => [key(c.decided_by, c.graduation_year, c.registry_number), c]),
  );
  const fileSerials = new Set(
    records.map((r) =>
      key(r.content.district.code, r.content.graduationYear, serialKey(r.content.diplomaSerial)),
    ),
  );
  const problems: RowProblem[] = [];
  const planned = records.map((record): Planned => {
    const { graduationYear, diplomaSerial, registryNumber } = record.content;
    const district = record.content.district.code;
    const serial = serialKey(diplomaSerial);
    const holder = byRegistry.get(key(deciderOf(record.content), graduationYear, registryNumber));
    if (holder && !fileSerials.has(key(holder.district_code, graduationYear, holder.serial_key)))
      problems.push({
        row: record.row,
        column: "registryNumber",
        code: "REGISTRY_NUMBER_TAKEN",
        message: `${registryNumber} is already the registry number of diploma ${holder.serial_key} in ${graduationYear}`,
      });
    const contentHash = sha256Hex(canonicalBytes(record.content));
    const existing = bySerial.get(key(district, graduationYear, serial));
    if (existing?.content_hash === contentHash)
      return { record, contentHash, outcome: "unchanged", id: existing.document_id, supersedes: null };
    const supersedes = existing?.document_id ?? null;
    const id = derivedUuid(
      "hocba.graduation/v1",
      district,
      String(graduationYear),
      serial,
      contentHash,
      supersedes ?? "",
    );
    return { record, contentHash, outcome: existing ? "superseding" : "created", id, supersedes };
  });
  return { planned, problems };
}

/** What an import needs: submission's checks and the reader of the file's table. */
export interface GraduateImportDeps extends SubmissionDeps {
  readSheet: SheetReader;
}

function nonce(): string {
  return randomBytes(16).toString("base64url");
}

/**
 * Imports a district's or a department's signed graduates file.
 * @throws HocbaError FORBIDDEN (not a district or department key), SCHEMA_INVALID /
 *   SIGNATURE_MALFORMED (not base64), the signature check's code (SIGNATURE_INVALID,
 *   DIGEST_MISMATCH, CERT_*, SIGNER_NOT_AUTHORIZED), DISTRICT_NOT_IN_PROVINCE (a department's row of
 *   a district that is not its own), IMPORT_INVALID with every row's problems as details.
 */
export async function importGraduates(
  deps: GraduateImportDeps,
  importer: IssuerActor,
  input: ImportInput,
): Promise<ImportOutcome> {
  const now = deps.now ?? (() => new Date());
  const authority = await authorityOf(deps.db, importer);
  const file = decodeFile(input.file);
  const cms = decodeSignature(input.signature);
  const report = await assertSignatureValid(file, cms, {
    trustAnchors: deps.trustAnchors,
    crypto: deps.crypto,
    at: now(),
    authorization: { issuerCode: authority.code, lookup: databaseAuthorization(deps.db, now) },
    // A district (or department) signs its lists as an office: any registered certificate of it will do.
    policy: { requiredRoles: [] },
    ...(deps.timestamps ? { timestamps: deps.timestamps } : {}),
  });
  const signer = report.signers.find((s) => s.authorized === true) ?? report.signers[0]!;
  // The file's SHA-256, as the verification's digest check computed it (0x-hex there).
  const fileSha256 = report.signers[0]!.messageDigest.slice(2);
  const sheet = await deps.readSheet(file);
  const { records, problems } = readGraduateRows(sheet.header, sheet.rows, {
    authority,
    validation: deps.validation,
  });
  assertOwnDistricts(problems, authority);
  if (problems.length > 0) throw invalid(problems);

  return deps.db.transaction(async (tx) => {
    // Every district and deciding authority the file touches, in one order (no deadlock): a
    // district's own import and its department's wait for each other.
    const districts = [...new Set(records.map((r) => r.content.district.code))];
    const deciders = [...new Set(records.map((r) => deciderOf(r.content)))];
    await lockImports(tx, [...districts, ...deciders]);
    const years = [...new Set(records.map((r) => r.content.graduationYear))];
    const current = await currentGraduates(tx, districts, deciders, years);
    const { planned, problems: taken } = plan(records, current);
    if (taken.length > 0) throw invalid(taken);
    const previous = await importOfFile<ImportResult>(tx, authority.code, fileSha256);
    const fresh = planned.filter((p) => p.outcome !== "unchanged");
    if (previous !== undefined && fresh.length === 0) return { stored: false, result: previous.result };

    const importId = previous?.id ?? derivedUuid("hocba.graduate-import", authority.code, fileSha256);
    const importedAt = now().toISOString();
    const result: ImportResult = {
      importId,
      districtCode: authority.code,
      fileSha256,
      format: sheet.format,
      signerFingerprint: signer.fingerprint,
      importedAt,
      counts: {
        rows: planned.length,
        created: planned.filter((p) => p.outcome === "created").length,
        unchanged: planned.length - fresh.length,
        superseding: planned.filter((p) => p.outcome === "superseding").length,
      },
      results: planned.map((p) => ({
        row: p.record.row,
        graduationYear: p.record.content.graduationYear,
        diplomaSerial: p.record.content.diplomaSerial,
        id: p.id,
        outcome: p.outcome,
        supersedes: p.supersedes,
      })),
    };
    await saveImport(tx, {
      id: importId,
      districtCode: authority.code,
      fileSha256,
      format: sheet.format,
      signature: cms,
      signerFingerprint: signer.fingerprint,
      signedAt: new Date(signer.signingTime),
      rowCount: planned.length,
      result,
      importedBy: importer.actor,
      importedAt,
    });
    await storeRecords(tx, importer.actor, importId, authority.code, fresh, report.signers);
    await audit(tx, importer.actor, "graduates.imported", importId, { fileSha256, counts: result.counts });
    return { stored: true, result };
  });
}

/**
 * Stores the new documents (the importer's: `issuerCode`) and their search rows, each with its
 * district and deciding authority; the records they supersede stop being current.
 */
async function storeRecords(
  tx: Queryable,
  actor: string,
  importId: string,
  issuerCode: string,
  fresh: readonly Planned[],
  signers: unknown,
): Promise<void> {
  if (fresh.length === 0) return;
  const documents: NewDocument[] = fresh.map((p) => {
    const document: Graduation = { ...p.record.content, id: p.id, nonce: nonce(), supersedes: p.supersedes };
    const hash = docHashOf(document);
    return {
      id: p.id,
      document,
      sd: null,
      docHash: hash,
      leaf: leafOf(hash),
      // The file is signed, not the document: the CMS is kept once, in graduate_imports.
      signature: new Uint8Array(0),
      signers,
      issuerCode,
      supersedes: p.supersedes,
    };
  });
  await insertDocuments(tx, documents, { actor, action: "graduate.imported" });
  await insertGraduates(
    tx,
    importId,
    fresh.map((p) => ({
      documentId: p.id,
      districtCode: p.record.content.district.code,
      decidedBy: deciderOf(p.record.content),
      graduationYear: p.record.content.graduationYear,
      diplomaSerial: p.record.content.diplomaSerial,
      registryNumber: p.record.content.registryNumber,
      serialKey: serialKey(p.record.content.diplomaSerial),
      nameKey: nameKey(p.record.content.student.fullName),
      dateOfBirth: p.record.content.student.dateOfBirth,
      schoolCode: p.record.content.school.code,
      contentHash: p.contentHash,
    })),
    fresh.flatMap((p) => (p.supersedes === null ? [] : [p.supersedes])),
  );
}

// ---------------------------------------------------------------------------------------------
// Public lookup
// ---------------------------------------------------------------------------------------------

export type SearchQuery =
  { fullName: string; dateOfBirth: string; year?: number; schoolCode?: string } | { diplomaSerial: string };

export type { GraduateView };

/**
 * Reads the query string of a search: full name and date of birth (optionally year and school),
 * or the diploma serial alone. Anything else is SCHEMA_INVALID — no query lists records without
 * both identifying inputs.
 */
export function searchQueryOf(params: Record<string, string | undefined>): SearchQuery {
  const value = (name: string) => {
    const v = params[name]?.trim();
    return v === undefined || v === "" ? undefined : v;
  };
  const [fullName, dateOfBirth, year, schoolCode, diplomaSerial] = [
    value("fullName"),
    value("dateOfBirth"),
    value("year"),
    value("schoolCode"),
    value("diplomaSerial"),
  ];
  const problem = (path: string, message: string) =>
    new HocbaError("SCHEMA_INVALID", message, { details: [{ path, code: "SCHEMA_INVALID", message }] });
  if (diplomaSerial !== undefined) {
    if (fullName ?? dateOfBirth ?? year ?? schoolCode)
      throw problem("/querystring", "search by diplomaSerial alone, or by fullName and dateOfBirth");
    if (serialKey(diplomaSerial) === "")
      throw problem("/querystring/diplomaSerial", "diplomaSerial is empty");
    return { diplomaSerial };
  }
  if (fullName === undefined || dateOfBirth === undefined)
    throw problem(
      "/querystring",
      "give both fullName and dateOfBirth (optionally year and schoolCode), or diplomaSerial",
    );
  const date = importDate(dateOfBirth);
  if (date === undefined || !isCalendarDate(date))
    throw problem("/querystring/dateOfBirth", "dateOfBirth is a date written YYYY-MM-DD or DD/MM/YYYY");
  if (nameKey(fullName) === "") throw problem("/querystring/fullName", "fullName is empty");
  if (year !== undefined && !/^[0-9]{4}$/.test(year))
    throw problem("/querystring/year", "year is a 4-digit year");
  return {
    fullName,
    dateOfBirth: date,
    ...(year === undefined ? {} : { year: Number(year) }),
    ...(schoolCode === undefined ? {} : { schoolCode }),
  };
}

/**
 * The graduation years the lookup holds current records for, ascending — what the lookup page
 * tells people before they search (nothing personal: years only).
 */
export { graduationYears } from "./stores/graduates";

/** Who searches with a key (school, district, verifier or admin): their search is audited. */
export interface GraduateSearcher {
  /** How the audit log names them. */
  actor: string;
  /** The key of the query's digest (searchAuditKey). */
  auditKey: Buffer;
}

/**
 * Finds graduation records: current ones first, then newest year. At most MAX_SEARCH_RESULTS.
 * The answer carries no citizen ID and no ethnicity. A search made with a key (`searcher`) is
 * written to the audit log with its results; an anonymous one is not.
 */
export async function searchGraduates(
  db: Queryable,
  chain: CredentialChain,
  query: SearchQuery,
  searcher?: GraduateSearcher,
): Promise<GraduateView[]> {
  const filter: GraduateFilter =
    "diplomaSerial" in query
      ? { serialKey: serialKey(query.diplomaSerial) }
      : {
          nameKey: nameKey(query.fullName),
          dateOfBirth: query.dateOfBirth,
          ...(query.year === undefined ? {} : { year: query.year }),
          ...(query.schoolCode === undefined ? {} : { schoolCode: query.schoolCode }),
        };
  const rows = await findGraduates(db, filter, MAX_SEARCH_RESULTS);
  const results = await Promise.all(rows.map((row) => viewOf(db, chain, row)));
  if (searcher !== undefined) await auditSearch(db, searcher, query, results);
  return results;
}

async function viewOf(db: Queryable, chain: CredentialChain, row: GraduateRow): Promise<GraduateView> {
  const doc = row.document;
  const anchored =
    row.tx_hash !== null && row.root !== null && row.leaf_index !== null && row.leaf_count !== null;
  return {
    id: row.id,
    fullName: doc.student.fullName,
    dateOfBirth: doc.student.dateOfBirth,
    gender: doc.student.gender,
    placeOfBirth: doc.student.placeOfBirth,
    school: { code: doc.school.code, name: doc.school.name },
    district: { code: doc.district.code, name: doc.district.name },
    decidedBy: doc.decidedBy
      ? { kind: "department", code: doc.decidedBy.code, name: doc.decidedBy.name }
      : { kind: "district", code: doc.district.code, name: doc.district.name },
    graduationYear: doc.graduationYear,
    decision: { number: doc.decision.number, date: doc.decision.date },
    diplomaSerial: doc.diplomaSerial,
    registryNumber: doc.registryNumber,
    status: row.status,
    anchor: anchored
      ? {
          merkleRoot: row.root!,
          leaf: row.leaf,
          proof: await anchorProof(db, row.id, row.leaf_index!, row.leaf_count!),
          txHash: row.tx_hash!,
          blockNumber: row.block_number!,
          anchoredAt: row.anchored_at!.toISOString(),
          chainId: chain.chainId,
          registry: chain.registry,
        }
      : null,
    provenance: {
      fileSha256: row.file_sha256,
      signerFingerprint: row.signer_fingerprint,
      importedAt: row.imported_at.toISOString(),
      signedBy: { code: row.signed_by_code, name: row.signed_by_name },
    },
  };
}

/**
 * The key of the search audit's digests, derived from the admin token: whoever holds the token can
 * recompute the digest of a given name and birth date (or serial) to find who looked that person
 * up; the audit table alone, copied or leaked, cannot be reversed by trying names and dates.
 * Changing ADMIN_TOKEN changes the digests of later searches.
 */
export function searchAuditKey(adminToken: string): Buffer {
  return createHmac("sha256", adminToken).update("hocba graduates search audit/1").digest();
}

/**
 * The identifying part of a search as the audit log keeps it: HMAC-SHA-256 (hex) of the
 * normalized name and birth date — or of the normalized serial — never the values themselves.
 */
export function searchDigest(auditKey: Buffer, query: SearchQuery): string {
  const text =
    "diplomaSerial" in query
      ? `serial\n${serialKey(query.diplomaSerial)}`
      : `name\n${nameKey(query.fullName)}\n${query.dateOfBirth}`;
  return createHmac("sha256", auditKey).update(text).digest("hex");
}

/**
 * Writes a search made with a key (school, district, verifier or admin) to the audit log: who
 * (`actor`), when, by what (`by`, the query's digest, the year and school code in clear: they
 * identify no one), and what came back (how many records, their ids).
 */
async function auditSearch(
  db: Queryable,
  { actor, auditKey }: GraduateSearcher,
  query: SearchQuery,
  results: readonly GraduateView[],
): Promise<void> {
  const details = {
    by: "diplomaSerial" in query ? "diplomaSerial" : "fullName+dateOfBirth",
    query: searchDigest(auditKey, query),
    ...("year" in query && query.year !== undefined ? { year: query.year } : {}),
    ...("schoolCode" in query && query.schoolCode !== undefined ? { schoolCode: query.schoolCode } : {}),
    results: results.length,
    ids: results.map((r) => r.id),
  };
  await audit(db, actor, "graduates.searched", null, details);
}
