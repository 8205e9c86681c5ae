/**
 * The graduates store (tables `graduates` and `graduate_imports`): the search rows of the THCS
 * graduation records (their documents are in the documents store), the imports of district
 * files, and the public search. What an import stores and who may search are decided by
 * issuance/graduates.ts; here only rows are read and written.
 */
import type { Graduation } from "../../core/documents";
import type { DocumentStatus } from "../../core/documents/views";
import type { Queryable } from "../ports";
import { BATCH_OF_DOCUMENT, LEAF_INDEX_SQL } from "./batches";
import { STATUS_SQL } from "./documents";

/** Advisory lock namespace of imports (with hashtext(district or deciding authority code)). */
const IMPORT_LOCK_KEY = 1_751_343_715;

/**
 * Serialises the imports touching any of `codes` (districts and deciding authorities) until the end
 * of transaction `tx`; locked in one order, so two imports never wait for each other in a cycle.
 */
export async function lockImports(tx: Queryable, codes: readonly string[]): Promise<void> {
  for (const code of [...new Set(codes)].sort())
    await tx.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [IMPORT_LOCK_KEY, code]);
}

/** A current record of a district, as an import compares the file's rows with it. */
export interface CurrentGraduate {
  document_id: string;
  district_code: string;
  decided_by: string;
  graduation_year: number;
  serial_key: string;
  registry_number: string;
  content_hash: string;
}

/**
 * The current records in graduation years `years` of the districts `districts` or decided by the
 * authorities `deciders` (a serial is its district's, a registry number its deciding authority's).
 */
export async function currentGraduates(
  tx: Queryable,
  districts: readonly string[],
  deciders: readonly string[],
  years: readonly number[],
): Promise<CurrentGraduate[]> {
  const { rows } = await tx.query<CurrentGraduate>(
    `SELECT document_id, district_code, decided_by, graduation_year, serial_key, registry_number, content_hash
       FROM graduates
      WHERE (district_code = ANY($1::text[]) OR decided_by = ANY($2::text[]))
        AND graduation_year = ANY($3::int[]) AND current`,
    [districts, deciders, years],
  );
  return rows;
}

/** The earlier import of the same file by the same importer, with its answer; undefined if none. */
export async function importOfFile<R>(
  tx: Queryable,
  districtCode: string,
  fileSha256: string,
): Promise<{ id: string; result: R } | undefined> {
  const { rows } = await tx.query<{ id: string; result: R }>(
    "SELECT id, result FROM graduate_imports WHERE district_code = $1 AND file_sha256 = $2",
    [districtCode, fileSha256],
  );
  return rows[0];
}

/** An import of a district's signed file, as kept (the CMS once, here, not per document). */
export interface GraduateImportRow<R> {
  id: string;
  districtCode: string;
  fileSha256: string;
  format: "csv" | "xlsx";
  signature: Uint8Array;
  signerFingerprint: string;
  signedAt: Date;
  rowCount: number;
  /** The import's answer, given again when the same file comes back. */
  result: R;
  importedBy: string;
  importedAt: string;
}

/** Records an import (again: its answer and time are replaced). */
export async function saveImport<R>(tx: Queryable, row: GraduateImportRow<R>): Promise<void> {
  await tx.query(
    `INSERT INTO graduate_imports (id, district_code, file_sha256, file_format, signature, signer_fingerprint,
                                   signed_at, row_count, result, imported_by, imported_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (id) DO UPDATE SET result = EXCLUDED.result, imported_at = EXCLUDED.imported_at`,
    [
      row.id,
      row.districtCode,
      row.fileSha256,
      row.format,
      row.signature,
      row.signerFingerprint,
      row.signedAt,
      row.rowCount,
      JSON.stringify(row.result),
      row.importedBy,
      row.importedAt,
    ],
  );
}

/** The search row of a new record (its document is stored beside it). */
export interface NewGraduate {
  documentId: string;
  districtCode: string;
  /** The deciding authority: the district, or the department that decided the record. */
  decidedBy: string;
  graduationYear: number;
  diplomaSerial: string;
  registryNumber: string;
  serialKey: string;
  nameKey: string;
  dateOfBirth: string;
  schoolCode: string;
  contentHash: string;
}

/**
 * Stores the search rows of import `importId`'s new records; the records they supersede
 * (`superseded`, document ids) stop being current.
 */
export async function insertGraduates(
  tx: Queryable,
  importId: string,
  rows: readonly NewGraduate[],
  superseded: readonly string[],
): Promise<void> {
  if (superseded.length > 0)
    await tx.query("UPDATE graduates SET current = false WHERE document_id = ANY($1::uuid[])", [superseded]);
  await tx.query(
    `INSERT INTO graduates (document_id, import_id, district_code, decided_by, graduation_year, diploma_serial,
                            registry_number, serial_key, name_key, date_of_birth, school_code, content_hash)
     SELECT v.id, $1, v.district, v.decider, v.year, v.serial, v.registry, v.serial_key, v.name_key, v.dob::date,
            v.school, v.hash
       FROM unnest($2::uuid[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[],
                   $10::text[], $11::text[], $12::text[])
         AS v(id, district, decider, year, serial, registry, serial_key, name_key, dob, school, hash)`,
    [
      importId,
      rows.map((r) => r.documentId),
      rows.map((r) => r.districtCode),
      rows.map((r) => r.decidedBy),
      rows.map((r) => r.graduationYear),
      rows.map((r) => r.diplomaSerial),
      rows.map((r) => r.registryNumber),
      rows.map((r) => r.serialKey),
      rows.map((r) => r.nameKey),
      rows.map((r) => r.dateOfBirth),
      rows.map((r) => r.schoolCode),
      rows.map((r) => r.contentHash),
    ],
  );
}

/** What a search matches: a normalized serial alone, or a normalized name and birth date. */
export type GraduateFilter =
  { serialKey: string } | { nameKey: string; dateOfBirth: string; year?: number; schoolCode?: string };

/** A found record with its document, its batch and its import. */
export interface GraduateRow {
  id: string;
  document: Graduation;
  status: DocumentStatus;
  leaf: string;
  leaf_index: number | null;
  leaf_count: number | null;
  root: string | null;
  tx_hash: string | null;
  block_number: number | null;
  anchored_at: Date | null;
  file_sha256: string;
  signer_fingerprint: string;
  imported_at: Date;
  /** The issuer whose signed list brought the record (a district office or a department). */
  signed_by_code: string;
  signed_by_name: string;
}

/** The records `filter` matches, current ones first, then newest year; at most `limit`. */
export async function findGraduates(
  db: Queryable,
  filter: GraduateFilter,
  limit: number,
): Promise<GraduateRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace("?", `$${params.length}`));
  };
  if ("serialKey" in filter) add("g.serial_key = ?", filter.serialKey);
  else {
    add("g.name_key = ?", filter.nameKey);
    add("g.date_of_birth = ?::date", filter.dateOfBirth);
    if (filter.year !== undefined) add("g.graduation_year = ?", filter.year);
    if (filter.schoolCode !== undefined) add("g.school_code = ?", filter.schoolCode);
  }
  params.push(limit);
  const { rows } = await db.query<GraduateRow>(
    `SELECT d.id, d.document, ${STATUS_SQL} AS status, d.leaf, ${LEAF_INDEX_SQL} AS leaf_index,
            b.leaf_count, b.root, CASE WHEN b.state = 'confirmed' THEN b.tx_hash END AS tx_hash,
            b.block_number, b.anchored_at, i.file_sha256, i.signer_fingerprint, i.imported_at,
            s.code AS signed_by_code, s.name AS signed_by_name
       FROM graduates g
       JOIN documents d ON d.id = g.document_id
       JOIN graduate_imports i ON i.id = g.import_id
       JOIN issuers s ON s.code = i.district_code
       LEFT JOIN batches b ON ${BATCH_OF_DOCUMENT}
      WHERE ${where.join(" AND ")}
      ORDER BY g.current DESC, g.graduation_year DESC, d.seq DESC
      LIMIT $${params.length}`,
    params,
  );
  return rows;
}

/** The graduation years the lookup holds current records for, ascending. */
export async function graduationYears(db: Queryable): Promise<number[]> {
  const { rows } = await db.query<{ year: number }>(
    "SELECT DISTINCT graduation_year AS year FROM graduates WHERE current ORDER BY 1",
  );
  return rows.map((row) => Number(row.year));
}
