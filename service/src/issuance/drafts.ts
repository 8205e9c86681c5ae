/**
 * Drafts (docs/workbook.md): a school imports a class's học bạ from its spreadsheet; each student
 * becomes an unsigned `hocba.transcript/v1` document, validated by the same rules as a document
 * sent as JSON, kept as a draft until the people the school requires have signed it.
 *
 * Import is all-or-nothing, in one transaction: a file with any problem stores nothing and the
 * answer lists every problem by sheet, row and column (Vietnamese and English). A draft is keyed
 * by school, school year, class and student code; importing the class again replaces its drafts
 * nobody has signed yet (and removes the unsigned drafts of students no longer in the file), and
 * keeps — and reports — those someone has signed (`awaiting`) or that were submitted. Every import
 * and every read of drafts (personal data) is written to the audit log, without names or IDs.
 */
import { matches, UUID_PATTERN } from "../core/encoding";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Database, Queryable, WorkbookFile, WorkbookReader, WorkbookWriter } from "./ports";
import type { SchoolLevel } from "../core/catalog/subjects";
import { templateClass, workbookTables } from "../core/workbook/layout";
import { HocbaError, isHocbaError } from "../core/errors";
import { validateTranscript, type Problem, type Transcript, type ValidationOptions } from "../core/documents";
import { readClassWorkbook, type WorkbookProblem } from "../core/workbook/read";
import { compiledSchemaCheck } from "./schema-check";
import { audit } from "./stores/audit";
import { findIssuer } from "./stores/issuers";

export type DraftStatus = "draft" | "awaiting" | "refused" | "submitted";

export interface DraftDeps {
  db: Database;
  readWorkbook: WorkbookReader;
  /** The same validation options as the JSON submission path. */
  validation?: ValidationOptions;
  now?: () => Date;
}

/** What the drafts routes need: the import's deps and the XLSX writer of the template. */
export interface DraftServices extends DraftDeps {
  writeWorkbook: WorkbookWriter;
}

/** The empty class workbook of a level (docs/templates/hoc-ba-lop-*.xlsx). */
export function templateWorkbook(write: WorkbookWriter, level: SchoolLevel): Promise<Uint8Array> {
  return write(workbookTables(templateClass(level)));
}

export type DraftOutcome = "created" | "replaced" | "kept";

export interface WorkbookImportResult {
  importId: string;
  schoolCode: string;
  schoolYear: string;
  className: string;
  format: "csv" | "xlsx";
  fileSha256: string;
  importedAt: string;
  counts: { students: number; created: number; replaced: number; kept: number; removed: number };
  /** One per student of the file, in the file's order. */
  drafts: { id: string; studentCode: string; status: DraftStatus; outcome: DraftOutcome }[];
}

export interface DraftSummary {
  id: string;
  studentCode: string;
  fullName: string;
  schoolYear: string;
  className: string;
  status: DraftStatus;
  updatedAt: string;
}

/** One signer of a draft: who uploaded it, in which registry role, with which certificate. */
export interface DraftSignature {
  actor: string;
  /** The signed-in person's name (absent when a school API key uploaded it). */
  name?: string;
  role: string;
  /** The certificate's subject and fingerprint (absent in rows written before migration 011). */
  certificate?: string;
  fingerprint?: string;
  at: string;
}

export interface DraftView extends Omit<DraftSummary, "fullName"> {
  schoolCode: string;
  importId: string;
  importedBy: string;
  createdAt: string;
  signatures: DraftSignature[];
  document: Transcript;
  /** The document rules' problems today (none for a draft just imported). */
  problems: Problem[];
}

/** Where a draft belongs: its id, school, school year, class and student code, from its row. */
export function draftPlace(row: {
  id: string;
  school_code: string;
  school_year: string;
  class_name: string;
  student_code: string;
}): { id: string; schoolCode: string; schoolYear: string; className: string; studentCode: string } {
  return {
    id: row.id,
    schoolCode: row.school_code,
    schoolYear: row.school_year,
    className: row.class_name,
    studentCode: row.student_code,
  };
}

/** Arbitrary constant naming the per-class import lock. */
const IMPORT_LOCK_KEY = 1_751_343_716;

function invalid(problems: WorkbookProblem[]): HocbaError {
  const first = problems[0]!;
  return new HocbaError(
    "IMPORT_INVALID",
    `the workbook was not imported: ${problems.length} problem${problems.length === 1 ? "" : "s"}, first: ${first.messageEn}`,
    { details: problems },
  );
}

function emptyFile(): HocbaError {
  return invalid([
    {
      sheet: null,
      row: null,
      column: null,
      code: "FILE_EMPTY",
      message: "Tệp: tệp rỗng",
      messageEn: "File: the file is empty",
    },
  ]);
}

const FILE_PROBLEMS_VI: Record<string, string> = {
  FILE_UNREADABLE: "không đọc được tệp: cần tệp XLSX hoặc CSV (UTF-8) theo mẫu",
  FILE_TOO_LARGE: "tệp quá lớn",
  TOO_MANY_CELLS: "tệp có quá nhiều ô",
};

/** Reads the file; the reader's refusals keep their code, with details in the workbook's shape. */
async function readFile(deps: DraftDeps, file: Uint8Array): Promise<WorkbookFile> {
  try {
    return await deps.readWorkbook(file);
  } catch (error) {
    if (!isHocbaError(error) || !Array.isArray(error.details)) throw error;
    const details = (error.details as { code: string; message: string }[]).map((d): WorkbookProblem => ({
      sheet: null,
      row: null,
      column: null,
      code: d.code as WorkbookProblem["code"],
      message: `Tệp: ${FILE_PROBLEMS_VI[d.code] ?? "tệp không dùng được"} (${d.message})`,
      messageEn: `File: ${d.message}`,
    }));
    throw new HocbaError(error.code, error.message, { cause: error, details });
  }
}

/** The validation of the JSON path, with its compiled schema checker. */
function validationOf(validation: ValidationOptions | undefined): ValidationOptions {
  return { schemaCheck: compiledSchemaCheck, ...validation };
}

/** An ISO time without milliseconds, as documents state it. */
function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.[0-9]{3}Z$/, "Z");
}

async function schoolExists(db: Queryable, code: string): Promise<boolean> {
  return (await findIssuer(db, code))?.kind === "school";
}

/**
 * Imports a class workbook (XLSX or CSV bytes) into drafts for `school` (null: the admin, acting
 * for the school the file names).
 * @throws HocbaError IMPORT_INVALID (details: every problem), PAYLOAD_TOO_LARGE (over the import
 *   limits), WORKBOOK_SCHOOL_MISMATCH (the file is another school's), NOT_FOUND (no such school).
 */
export async function importWorkbook(
  deps: DraftDeps,
  school: string | null,
  file: Uint8Array,
  actor: string,
): Promise<WorkbookImportResult> {
  const now = (deps.now ?? (() => new Date()))();
  if (file.length === 0) throw emptyFile();
  const workbook = await readFile(deps, file);
  const reading = readClassWorkbook(workbook.sheets, {
    issuedAt: isoSeconds(now),
    identity: () => ({ id: randomUUID(), nonce: randomBytes(16).toString("base64url") }),
    validation: validationOf(deps.validation),
  });
  const stated = reading.schoolCodes;
  const schoolCode = school ?? (stated.length === 1 ? stated[0]! : undefined);
  const others = stated.filter((code) => code !== schoolCode);
  if (schoolCode !== undefined && others.length > 0)
    throw new HocbaError(
      "WORKBOOK_SCHOOL_MISMATCH",
      `the workbook is for school ${others.join(", ")}, not ${schoolCode}: a school imports its own classes only`,
    );
  if (reading.problems.length > 0) throw invalid(reading.problems);
  const classOf = reading.classOf!;
  if (schoolCode === undefined || !(await schoolExists(deps.db, schoolCode)))
    throw new HocbaError("NOT_FOUND", `school ${schoolCode ?? "?"} is not registered`);
  const fileSha256 = createHash("sha256").update(file).digest("hex");

  return deps.db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [
      IMPORT_LOCK_KEY,
      `${schoolCode}\n${classOf.schoolYear}\n${classOf.className}`,
    ]);
    const { rows: existing } = await tx.query<{
      id: string;
      student_code: string;
      status: DraftStatus;
      supersedes: string | null;
    }>(
      `SELECT id, student_code, status, document->>'supersedes' AS supersedes FROM drafts
        WHERE school_code = $1 AND school_year = $2 AND class_name = $3
        ORDER BY (status <> 'submitted'), created_at`,
      [schoolCode, classOf.schoolYear, classOf.className],
    );
    // A student's open draft (draft or awaiting) wins over their submitted ones (migration 012):
    // rows come submitted first, oldest first, so the last one kept per student is the one to use.
    const byStudent = new Map(existing.map((d) => [d.student_code, d]));
    const inFile = new Set(reading.students.map((s) => s.studentCode));
    const drafts: WorkbookImportResult["drafts"] = reading.students.map((s) => {
      const old = byStudent.get(s.studentCode);
      if (old && old.status !== "draft")
        return { id: old.id, studentCode: s.studentCode, status: old.status, outcome: "kept" };
      return {
        id: s.document.id,
        studentCode: s.studentCode,
        status: "draft",
        outcome: old ? "replaced" : "created",
      };
    });
    const stale = existing.filter((d) => d.status === "draft");
    const removed = stale.filter((d) => !inFile.has(d.student_code)).length;
    const count = (outcome: DraftOutcome) => drafts.filter((d) => d.outcome === outcome).length;
    const importId = randomUUID();
    const result: WorkbookImportResult = {
      importId,
      schoolCode,
      schoolYear: classOf.schoolYear,
      className: classOf.className,
      format: workbook.format,
      fileSha256,
      importedAt: now.toISOString(),
      counts: {
        students: drafts.length,
        created: count("created"),
        replaced: count("replaced"),
        kept: count("kept"),
        removed,
      },
      drafts,
    };
    await tx.query(
      `INSERT INTO draft_imports (id, school_code, school_year, class_name, file_sha256, file_format, counts, imported_by, imported_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        importId,
        schoolCode,
        classOf.schoolYear,
        classOf.className,
        fileSha256,
        workbook.format,
        JSON.stringify(result.counts),
        actor,
        now,
      ],
    );
    if (stale.length > 0)
      await tx.query("DELETE FROM drafts WHERE id = ANY($1::uuid[])", [stale.map((d) => d.id)]);
    const fresh = reading.students.filter((_, i) => drafts[i]!.outcome !== "kept");
    // A correction under way keeps its link to the document it corrects through the new content.
    for (const student of fresh) {
      const supersedes = byStudent.get(student.studentCode)?.supersedes;
      if (supersedes) student.document.supersedes = supersedes;
    }
    if (fresh.length > 0)
      await tx.query(
        `INSERT INTO drafts (id, school_code, school_year, class_name, student_code, document, import_id, imported_by, created_at, updated_at)
         SELECT v.id, $1, $2, $3, v.student, v.document, $4, $5, $6, $6
           FROM unnest($7::uuid[], $8::text[], $9::jsonb[]) AS v(id, student, document)`,
        [
          schoolCode,
          classOf.schoolYear,
          classOf.className,
          importId,
          actor,
          now,
          fresh.map((s) => s.document.id),
          fresh.map((s) => s.studentCode),
          fresh.map((s) => JSON.stringify(s.document)),
        ],
      );
    await audit(tx, actor, "drafts.imported", importId, {
      schoolCode,
      schoolYear: classOf.schoolYear,
      className: classOf.className,
      fileSha256,
      counts: result.counts,
      kept: drafts.filter((d) => d.outcome === "kept").map((d) => d.id),
    });
    return result;
  });
}

export interface DraftFilter {
  className?: string;
  schoolYear?: string;
}

interface DraftRow {
  id: string;
  school_code: string;
  school_year: string;
  class_name: string;
  student_code: string;
  status: DraftStatus;
  document: Transcript;
  signatures: DraftSignature[];
  import_id: string;
  imported_by: string;
  created_at: Date;
  updated_at: Date;
}

/** A school's drafts (null: the admin, every school's), by class and student; the read is audited. */
export async function listDrafts(
  db: Queryable,
  school: string | null,
  filter: DraftFilter,
  actor: string,
): Promise<DraftSummary[]> {
  const { rows } = await db.query<DraftRow>(
    `SELECT id, school_year, class_name, student_code, status, document, updated_at FROM drafts
      WHERE ($1::text IS NULL OR school_code = $1) AND ($2::text IS NULL OR class_name = $2)
        AND ($3::text IS NULL OR school_year = $3)
      ORDER BY school_code, school_year, class_name, student_code`,
    [school, filter.className ?? null, filter.schoolYear ?? null],
  );
  const drafts = rows.map((r) => ({
    id: r.id,
    studentCode: r.student_code,
    fullName: r.document.student.fullName,
    schoolYear: r.school_year,
    className: r.class_name,
    status: r.status,
    updatedAt: r.updated_at.toISOString(),
  }));
  await audit(db, actor, "drafts.listed", school, { ...filter, results: drafts.length });
  return drafts;
}

async function draftRow(
  db: Queryable,
  school: string | null,
  id: string,
  sees?: (school: string, className: string) => boolean,
): Promise<DraftRow> {
  const { rows } = matches(UUID_PATTERN, id)
    ? await db.query<DraftRow>(
        "SELECT * FROM drafts WHERE id = $1 AND ($2::text IS NULL OR school_code = $2)",
        [id, school],
      )
    : { rows: [] };
  // Another school's draft is answered as missing: its existence is not theirs to learn.
  if (!rows[0] || (sees && !sees(rows[0].school_code, rows[0].class_name)))
    throw new HocbaError("NOT_FOUND", `no draft ${id}`);
  return rows[0];
}

/** One draft with its document and the document rules' problems; the read is audited. */
export async function getDraft(
  deps: Pick<DraftDeps, "db" | "validation">,
  school: string | null,
  id: string,
  actor: string,
  /** The caller's view (draft-signing.ts DraftAccess.sees): a draft they may not see is NOT_FOUND. */
  sees?: (school: string, className: string) => boolean,
): Promise<DraftView> {
  const row = await draftRow(deps.db, school, id, sees);
  const checked = validateTranscript(row.document, validationOf(deps.validation));
  await audit(deps.db, actor, "draft.read", id, { schoolCode: row.school_code });
  return {
    ...draftPlace(row),
    status: row.status,
    importId: row.import_id,
    importedBy: row.imported_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    signatures: row.signatures,
    document: row.document,
    problems: checked.ok ? [] : checked.problems,
  };
}

/**
 * Records that `signer` signed a draft: it becomes `awaiting` (the other required signatures), and
 * a new import of its class keeps it. The signature itself is checked and stored by the signing
 * use case (issue 13, item 3); this is the drafts store's side of it.
 * @throws HocbaError NOT_FOUND, CONFLICT (already submitted).
 */
export async function markSigned(
  db: Database,
  school: string | null,
  id: string,
  signer: { actor: string; role: string },
  now: Date = new Date(),
): Promise<DraftStatus> {
  return db.transaction(async (tx): Promise<DraftStatus> => {
    const row = await draftRow(tx, school, id);
    if (row.status === "submitted") throw new HocbaError("CONFLICT", `draft ${id} was already submitted`);
    const signature: DraftSignature = { actor: signer.actor, role: signer.role, at: now.toISOString() };
    await tx.query(
      `UPDATE drafts SET status = 'awaiting', signatures = signatures || $2::jsonb, updated_at = $3 WHERE id = $1`,
      [id, JSON.stringify([signature]), now],
    );
    await audit(tx, signer.actor, "draft.signed", id, { role: signer.role });
    return "awaiting";
  });
}

/** Records that a signed draft was submitted as a document (issue 13, item 3). @throws NOT_FOUND, CONFLICT. */
export async function markSubmitted(
  db: Database,
  school: string | null,
  id: string,
  actor: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    const row = await draftRow(tx, school, id);
    if (row.status !== "awaiting")
      throw new HocbaError("CONFLICT", `draft ${id} is ${row.status}: only a signed draft is submitted`);
    await tx.query("UPDATE drafts SET status = 'submitted', updated_at = now() WHERE id = $1", [id]);
    await audit(tx, actor, "draft.submitted", id);
  });
}
