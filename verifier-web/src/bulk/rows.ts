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
import type { Student } from "../../../service/src/core/documents";
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

/** A subject's results in one school year, as the export writes them. */
export interface RowSubject {
  code: string;
  term1?: number | string;
  term2?: number | string;
  year?: number | string;
}

/** One school year of a transcript, as the export and the tổ hợp average read it. */
export interface RowYear {
  schoolYear: string;
  grade: number;
  subjects: RowSubject[];
  academicResult?: string;
  conductResult?: string;
}

/**
 * What the table and the export need of a file's document (the worker that read the file makes
 * it, `documentSummary`): the identity it discloses, the school, and a transcript's years with
 * their results — not the credential (signature, proof, disclosures), which stays in the worker.
 */
export interface RowDocument {
  type: string;
  id?: string;
  school: { code?: string; name?: string };
  student: Partial<Student>;
  /** A graduation record's year. */
  graduationYear?: number;
  /** A transcript's school years. */
  years?: RowYear[];
}

export interface Row {
  /** Position of the file in what was chosen (ZIP entries in archive order), from 0. */
  index: number;
  /** The file's name; a ZIP entry as `archive.zip/folder/name.pdf`. */
  file: string;
  status: RowStatus;
  /** The check the status is owed to (`failingCheck`), when the file was verified and is not valid. */
  check?: Check;
  /** Why the file could not be read or checked, when it was not verified. */
  problem?: ReadProblem;
  /** The document the file states (untrusted unless `status` is valid); absent when none was read. */
  document?: RowDocument;
}

/** The check a verification's verdict is owed to: the first invalid check, else the first that could not be made. */
export function failingCheck(result: VerificationResult): Check | undefined {
  return (
    result.checks.find((check) => check.status === "invalid") ??
    result.checks.find((check) => check.status === "error")
  );
}

/** A row from a file that gave no result. */
export function problemRow(index: number, file: string, status: RowStatus, problem: ReadProblem): Row {
  return { index, file, status, problem };
}

/** A row from a verification; the document is kept when the file had a hocba structure. */
export function resultRow(
  index: number,
  file: string,
  document: RowDocument | undefined,
  result: VerificationResult,
): Row {
  const row: Row = { index, file, status: result.verdict };
  const check = failingCheck(result);
  if (check) row.check = check;
  if (result.verdict !== "not-hocba" && document) row.document = document;
  return row;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The fields of `value` that are strings, numbers or either, as asked; the others left out. */
function pick(
  value: unknown,
  fields: Record<string, "string" | "number" | "result">,
): Record<string, string | number> {
  const picked: Record<string, string | number> = {};
  if (!isRecord(value)) return picked;
  for (const [key, kind] of Object.entries(fields)) {
    const field = value[key];
    if (
      typeof field === kind ||
      (kind === "result" && (typeof field === "number" || typeof field === "string"))
    )
      picked[key] = field as string | number;
  }
  return picked;
}

const STUDENT_FIELDS = {
  fullName: "string",
  dateOfBirth: "string",
  gender: "string",
  ethnicity: "string",
  placeOfBirth: "string",
  studentCode: "string",
  citizenId: "string",
} as const;

/**
 * The row's document of a credential (`RowDocument`): its document as disclosed
 * (`readableDocument`), reduced to the fields the table and the export use. Whatever the file
 * states is taken as it is (a changed score stays changed: the verdict says whether to trust it);
 * a field of the wrong kind is left out. Undefined when the credential holds no document.
 */
export function documentSummary(credential: unknown): RowDocument | undefined {
  let document: unknown;
  try {
    document = readableDocument(credential).document;
  } catch {
    // Disclosures too broken to put back: the verification says so; the row names no one.
    return undefined;
  }
  if (!isRecord(document) || typeof document.type !== "string") return undefined;
  const summary: RowDocument = {
    type: document.type,
    school: pick(document.school, { code: "string", name: "string" }),
    student: pick(document.student, STUDENT_FIELDS),
  };
  if (typeof document.id === "string") summary.id = document.id;
  if (typeof document.graduationYear === "number") summary.graduationYear = document.graduationYear;
  if (Array.isArray(document.years))
    summary.years = document.years.filter(isRecord).map((year) => ({
      ...(pick(year, {
        schoolYear: "string",
        grade: "number",
        academicResult: "string",
        conductResult: "string",
      }) as Omit<RowYear, "subjects">),
      subjects: (Array.isArray(year.subjects) ? year.subjects : []).filter(isRecord).map(
        (subject) =>
          pick(subject, {
            code: "string",
            term1: "result",
            term2: "result",
            year: "result",
          }) as unknown as RowSubject,
      ),
    }));
  return summary;
}

/**
 * The student a row names, as one key: the citizen ID (số định danh) when the document discloses
 * it, else the full name and date of birth. Undefined for a row without a document.
 */
export function identityOf(row: Row): string | undefined {
  const student = row.document?.student;
  if (!student) return undefined;
  if (student.citizenId) return `id:${student.citizenId}`;
  if (student.fullName && student.dateOfBirth)
    return `name:${student.fullName.normalize("NFC").trim().toLocaleLowerCase("vi")}|${student.dateOfBirth}`;
  return undefined;
}

/** Group numbers (1, 2… in the order the students first appear) of the students named more than once. */
function numberGroups(byIdentity: Iterable<readonly number[]>): Map<number, number> {
  const repeated = [...byIdentity]
    .filter((indexes) => indexes.length > 1)
    .map((indexes) => ({ first: Math.min(...indexes), indexes }))
    .sort((a, b) => a.first - b.first);
  const groups = new Map<number, number>();
  repeated.forEach(({ indexes }, at) => {
    for (const index of indexes) groups.set(index, at + 1);
  });
  return groups;
}

/**
 * Duplicates: for each row naming a student that another row names too, the group number
 * (1, 2… in the order the students first appear). Rows of a student named once are absent.
 */
export function duplicateGroups(rows: readonly Row[]): Map<number, number> {
  const byIdentity = new Map<string, number[]>();
  for (const row of rows) {
    const identity = identityOf(row);
    if (identity === undefined) continue;
    const indexes = byIdentity.get(identity) ?? [];
    indexes.push(row.index);
    byIdentity.set(identity, indexes);
  }
  return numberGroups(byIdentity.values());
}

export type Filter = "all" | "valid" | "not-valid" | "error" | "duplicates";
export const FILTERS: readonly Filter[] = ["all", "valid", "not-valid", "error", "duplicates"];

/** Whether a row shows under a filter: not valid is invalid, revoked or not a hocba file. */
export function matches(row: Row, filter: Filter, duplicates: { has(index: number): boolean }): boolean {
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
export function yearsCovered(document: RowDocument | undefined): string {
  if (!document) return "";
  if (document.type === "hocba.graduation/v1")
    return document.graduationYear === undefined ? "" : String(document.graduationYear);
  const years = (document.years ?? []).map((year) => year.schoolYear).filter((year) => year !== undefined);
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

/** The order of `sortRows`: by `key` (rows without the value last), ties in file order. */
export function rowOrder(key: SortKey, descending = false): (a: Row, b: Row) => number {
  return (a, b) => {
    const [x, y] = [sortValue(a, key), sortValue(b, key)];
    if (x === "" && y !== "") return 1;
    if (y === "" && x !== "") return -1;
    const order =
      typeof x === "number" && typeof y === "number" ? x - y : collator.compare(String(x), String(y));
    return (descending ? -order : order) || a.index - b.index;
  };
}

/** The rows sorted by `key` (rows without the value last), ties in file order. */
export function sortRows(rows: readonly Row[], key: SortKey, descending = false): Row[] {
  return [...rows].sort(rowOrder(key, descending));
}

/** How the table shows the rows: a filter and an order. */
export interface View {
  filter: Filter;
  key: SortKey;
  descending: boolean;
}

/**
 * The rows of a bulk verification as they come in, kept ready for the table so that a redraw
 * costs the rows it shows, not all of them: the counts per filter and the students named more than
 * once are kept up to date as rows are added; the filtered, sorted list of a view is made once,
 * then each new row that belongs in it is inserted in place (binary search); the group numbers are
 * worked out again only when asked for after a change, from the duplicated students alone.
 * Its answers are those of `matches`, `sortRows` and `duplicateGroups` over all the rows.
 */
export class RowTable {
  /** The rows in the order they came. */
  readonly rows: Row[] = [];
  private readonly counted: Record<Filter, number> = {
    all: 0,
    valid: 0,
    "not-valid": 0,
    error: 0,
    duplicates: 0,
  };
  private readonly byIdentity = new Map<string, number[]>();
  /** Row indexes of the students named more than once. */
  private readonly duplicated = new Set<number>();
  private readonly byIndex = new Map<number, Row>();
  private groups: Map<number, number> | undefined;
  private view: { of: View; rows: Row[]; order: (a: Row, b: Row) => number } | undefined;

  get size(): number {
    return this.rows.length;
  }

  add(row: Row): void {
    this.rows.push(row);
    this.byIndex.set(row.index, row);
    for (const filter of FILTERS)
      if (filter !== "duplicates" && matches(row, filter, this.duplicated)) this.counted[filter] += 1;
    const joined: Row[] = [row];
    const identity = identityOf(row);
    if (identity !== undefined) {
      const indexes = this.byIdentity.get(identity) ?? [];
      indexes.push(row.index);
      this.byIdentity.set(identity, indexes);
      if (indexes.length > 1) {
        this.groups = undefined;
        // The student's first row becomes a duplicate with the second.
        if (indexes.length === 2) joined.push(this.byIndex.get(indexes[0]!)!);
        for (const index of indexes.slice(indexes.length === 2 ? 0 : -1)) this.duplicated.add(index);
        this.counted.duplicates += indexes.length === 2 ? 2 : 1;
      }
    }
    if (!this.view) return;
    const { of, rows, order } = this.view;
    for (const candidate of joined) {
      if (candidate !== row && of.filter !== "duplicates") continue;
      if (!matches(candidate, of.filter, this.duplicated)) continue;
      let low = 0;
      let high = rows.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (order(rows[middle]!, candidate) < 0) low = middle + 1;
        else high = middle;
      }
      rows.splice(low, 0, candidate);
    }
  }

  /** How many rows each filter shows. */
  counts(): Readonly<Record<Filter, number>> {
    return this.counted;
  }

  /** The group number of each row of a student named more than once (`duplicateGroups`). */
  duplicateGroups(): ReadonlyMap<number, number> {
    this.groups ??= numberGroups(this.byIdentity.values());
    return this.groups;
  }

  /** The rows a view shows, in its order (`matches`, `sortRows`). */
  shown(view: View): readonly Row[] {
    const current = this.view?.of;
    if (
      !current ||
      current.filter !== view.filter ||
      current.key !== view.key ||
      current.descending !== view.descending
    ) {
      const order = rowOrder(view.key, view.descending);
      const rows = this.rows.filter((row) => matches(row, view.filter, this.duplicated)).sort(order);
      this.view = { of: { ...view }, order, rows };
      return rows;
    }
    return this.view!.rows;
  }
}
