/**
 * One row per file of a bulk verification, and what the table does with the rows: the row's
 * status (the core's verdict, `verdictOf`, unchanged), the check to blame, the student it names,
 * duplicates of one student, filtering and sorting. Pure: the page and the tests share it.
 *
 * `data-status` of a row is its status: `valid`, `invalid`, `revoked`, `not-hocba` or `error` —
 * the verdicts of the one verification pipeline. A file that carries no credential (a PDF
 * without the attachment, a damaged PDF, an unreadable ZIP entry) is `not-hocba`; a file that could
 * not be checked (the service or the chain out of reach, a failed request) is `error`.
 */
import type { Graduation, Transcript } from "../../../service/src/core/documents";
import {
  readableDocument,
  type Check,
  type Verdict,
  type VerificationResult,
} from "../../../service/src/core/verification";

export type RowStatus = Verdict;

/** Why a file gave no verification result. */
export interface ReadProblem {
  /** HocbaError code when known (PDF_NO_CREDENTIAL, PDF_INVALID, ZIP_…), else "READ_FAILED" / "REQUEST_FAILED". */
  code: string;
  message: string;
}

export interface Row {
  /** Position of the file in what was chosen (ZIP entries in archive order), from 0. */
  index: number;
  /** The file's name; a ZIP entry as `archive.zip/folder/name.pdf`. */
  file: string;
  status: RowStatus;
  /** The verification's checks, when the file was verified. */
  result?: VerificationResult;
  /** Why the file could not be read or checked, when it was not verified. */
  problem?: ReadProblem;
  /** The document the file states (untrusted unless `status` is valid); absent when none was read. */
  document?: Transcript | Graduation;
}

/** The check a row's status is owed to: the first invalid check, else the first that could not be made. */
export function failingCheck(row: Row): Check | undefined {
  const checks = row.result?.checks ?? [];
  return (
    checks.find((check) => check.status === "invalid") ?? checks.find((check) => check.status === "error")
  );
}

/** A row from a file that gave no result. */
export function problemRow(index: number, file: string, status: RowStatus, problem: ReadProblem): Row {
  return { index, file, status, problem };
}

/** A row from a verification; the document is kept when the file had a hocba structure. */
export function resultRow(index: number, file: string, credential: unknown, result: VerificationResult): Row {
  const row: Row = { index, file, status: result.verdict, result };
  if (result.verdict !== "not-hocba") {
    // A hocba/2 credential's document is its signed, selectively disclosable form: read it as disclosed.
    const document = readableDocument(credential).document as Transcript | Graduation | undefined;
    if (document) row.document = document;
  }
  return row;
}

/**
 * The student a row names, as one key: the citizen ID (số định danh) when the document discloses
 * it, else the full name and date of birth. Undefined for a row without a document.
 */
export function identityOf(row: Row): string | undefined {
  const student = row.document?.student as Partial<Transcript["student"]> | undefined;
  if (!student) return undefined;
  if (student.citizenId) return `id:${student.citizenId}`;
  if (student.fullName && student.dateOfBirth)
    return `name:${student.fullName.normalize("NFC").trim().toLocaleLowerCase("vi")}|${student.dateOfBirth}`;
  return undefined;
}

/**
 * Duplicates: for each row naming a student that another row names too, the group number
 * (1, 2… in the order the students first appear). Rows of a student named once are absent.
 */
export function duplicateGroups(rows: readonly Row[]): Map<number, number> {
  const byIdentity = new Map<string, number[]>();
  for (const row of [...rows].sort((a, b) => a.index - b.index)) {
    const identity = identityOf(row);
    if (identity === undefined) continue;
    const indexes = byIdentity.get(identity) ?? [];
    indexes.push(row.index);
    byIdentity.set(identity, indexes);
  }
  const groups = new Map<number, number>();
  let group = 0;
  for (const indexes of byIdentity.values()) {
    if (indexes.length < 2) continue;
    group += 1;
    for (const index of indexes) groups.set(index, group);
  }
  return groups;
}

export type Filter = "all" | "valid" | "not-valid" | "error" | "duplicates";
export const FILTERS: readonly Filter[] = ["all", "valid", "not-valid", "error", "duplicates"];

/** Whether a row shows under a filter: not valid is invalid, revoked or not a hocba file. */
export function matches(row: Row, filter: Filter, duplicates: ReadonlyMap<number, number>): boolean {
  switch (filter) {
    case "all":
      return true;
    case "valid":
      return row.status === "valid";
    case "not-valid":
      return row.status === "invalid" || row.status === "revoked" || row.status === "not-hocba";
    case "error":
      return row.status === "error";
    case "duplicates":
      return duplicates.has(row.index);
  }
}

export type SortKey = "index" | "file" | "status" | "name" | "dateOfBirth" | "school" | "years";
export const SORT_KEYS: readonly SortKey[] = [
  "index",
  "file",
  "status",
  "name",
  "dateOfBirth",
  "school",
  "years",
];

/** The school years a transcript covers, "2021-2022 – 2023-2024"; a graduation record's year. */
export function yearsCovered(document: Transcript | Graduation | undefined): string {
  if (!document) return "";
  if (document.type === "hocba.graduation/v1") return String(document.graduationYear);
  const years = document.years.map((year) => year.schoolYear);
  if (years.length === 0) return "";
  return years.length === 1 ? years[0]! : `${years[0]} – ${years[years.length - 1]}`;
}

/** Verdicts from best to worst, for sorting by status. */
const STATUS_ORDER: readonly RowStatus[] = ["valid", "revoked", "invalid", "not-hocba", "error"];

function sortValue(row: Row, key: SortKey): string | number {
  switch (key) {
    case "index":
      return row.index;
    case "file":
      return row.file;
    case "status":
      return STATUS_ORDER.indexOf(row.status);
    case "name":
      return row.document?.student.fullName ?? "";
    case "dateOfBirth":
      return row.document?.student.dateOfBirth ?? "";
    case "school":
      return row.document?.school.name ?? "";
    case "years":
      return yearsCovered(row.document);
  }
}

const collator = new Intl.Collator("vi", { numeric: true, sensitivity: "base" });

/** The rows sorted by `key` (rows without the value last), ties in file order. */
export function sortRows(rows: readonly Row[], key: SortKey, descending = false): Row[] {
  return [...rows].sort((a, b) => {
    const [x, y] = [sortValue(a, key), sortValue(b, key)];
    if (x === "" && y !== "") return 1;
    if (y === "" && x !== "") return -1;
    const order =
      typeof x === "number" && typeof y === "number" ? x - y : collator.compare(String(x), String(y));
    return (descending ? -order : order) || a.index - b.index;
  });
}
