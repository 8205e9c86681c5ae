/**
 * From the rows of a district's graduates file (docs/formats.md: CSV or XLSX, a header row, the
 * columns in any order) to the content of one `hocba.graduation/v1` document per row, with every
 * problem of every row named by row number and column — a district fixes its whole file at once.
 * A department's file (Sở GDĐT, since the 2025 reform) has two more columns: the former district
 * of each row (`districtCode`, one of the department's) and the authority that decided it
 * (`decidedBy`: that district's code for records decided before the reform, the department's own
 * code after).
 *
 * The district signs the file, not the documents, so the service builds them: text is taken as
 * NFC with runs of spaces collapsed and ends trimmed (spreadsheets and macOS produce NFD and
 * stray spaces; the signature covers the file bytes, not these strings), dates are read as
 * `YYYY-MM-DD` or `DD/MM/YYYY`, and each row is then validated by the graduation document rules
 * (CCCD against birth year and gender, real dates, decision year…). Uniqueness of the diploma
 * serial and registry number within the file is checked here; against stored records by the caller.
 * Pure and browser-safe.
 */
import { GRADUATION_TYPE, type Graduation } from "./schema";
import type { ProblemCode } from "./problems";
import { serialKey } from "./search-keys";
import { validateGraduation, type ValidationOptions } from "./validate";

/** The columns of the import file, in the template's order. */
export const GRADUATE_COLUMNS = [
  "fullName",
  "dateOfBirth",
  "gender",
  "placeOfBirth",
  "ethnicity",
  "citizenId",
  "studentCode",
  "schoolCode",
  "schoolName",
  "graduationYear",
  "decisionNumber",
  "decisionDate",
  "diplomaSerial",
  "registryNumber",
] as const;
export type GraduateColumn = (typeof GRADUATE_COLUMNS)[number];
/** The further columns of a department's file, after the district's columns. */
export const DEPARTMENT_COLUMNS = ["districtCode", "decidedBy"] as const;
export type ImportColumn = GraduateColumn | (typeof DEPARTMENT_COLUMNS)[number];

/** Problems of the file itself and of uniqueness, beside the document problem codes. Append-only. */
export const IMPORT_PROBLEM_CODES = [
  "FILE_EMPTY",
  "COLUMN_MISSING",
  "COLUMN_UNKNOWN",
  "COLUMN_DUPLICATE",
  "VALUE_MISSING",
  "SERIAL_DUPLICATE",
  "REGISTRY_NUMBER_DUPLICATE",
  "REGISTRY_NUMBER_TAKEN",
  "FILE_UNREADABLE",
  // a department's file: a row of a district that is not one of its former districts; a row
  // decided by neither that district nor the department
  "DISTRICT_NOT_IN_PROVINCE",
  "DECIDED_BY_INVALID",
] as const;
export type ImportProblemCode = (typeof IMPORT_PROBLEM_CODES)[number];

/** One thing wrong with the file: its row (1 = header) and column (null: the whole row or file). */
export interface RowProblem {
  row: number;
  column: ImportColumn | null;
  code: ProblemCode | ImportProblemCode;
  message: string;
}

/** A cell as CSV or XLSX readers give it. */
export type Cell = string | number | boolean | Date | null | undefined;

/** A row of the file: its 1-based row (or line) number and its cells. */
export interface SheetRow {
  row: number;
  cells: readonly Cell[];
}

/** The document a row becomes, before the service gives it an id, a nonce and `supersedes`. */
export type GraduationContent = Omit<Graduation, "id" | "nonce" | "supersedes">;

export interface GraduateRecord {
  row: number;
  content: GraduationContent;
}

/**
 * Who imports the file: a district office (its own records), or a department with its former
 * districts (code → name).
 */
export type ImportAuthority =
  | { kind: "district"; code: string; name: string }
  | { kind: "department"; code: string; name: string; districts: ReadonlyMap<string, string> };

export interface ReadOptions {
  authority: ImportAuthority;
  validation?: ValidationOptions;
}

/** The columns of `authority`'s files. */
export function importColumns(authority: ImportAuthority): readonly ImportColumn[] {
  return authority.kind === "department" ? [...GRADUATE_COLUMNS, ...DEPARTMENT_COLUMNS] : GRADUATE_COLUMNS;
}

/** The code of the authority that decided a record: `decidedBy`, else its district. */
export function deciderOf(content: Pick<Graduation, "district" | "decidedBy">): string {
  return content.decidedBy?.code ?? content.district.code;
}

/** Where each document field comes from, for naming the column of a validation problem. */
const COLUMN_OF_PATH: Record<string, ImportColumn> = {
  "/district/code": "districtCode",
  "/decidedBy/code": "decidedBy",
  "/student/fullName": "fullName",
  "/student/dateOfBirth": "dateOfBirth",
  "/student/gender": "gender",
  "/student/placeOfBirth": "placeOfBirth",
  "/student/ethnicity": "ethnicity",
  "/student/citizenId": "citizenId",
  "/student/studentCode": "studentCode",
  "/school/code": "schoolCode",
  "/school/name": "schoolName",
  "/graduationYear": "graduationYear",
  "/decision/number": "decisionNumber",
  "/decision/date": "decisionDate",
  "/issuedAt": "decisionDate",
  "/diplomaSerial": "diplomaSerial",
  "/registryNumber": "registryNumber",
};

/** Columns whose values no answer may contain (docs/school-records.md: personal, or sensitive, data). */
const HIDDEN = new Set<ImportColumn>(["citizenId", "ethnicity"]);

/** Placeholders that satisfy the schema while a row's content is validated. */
const PLACEHOLDER_ID = "00000000-0000-4000-8000-000000000000";
const PLACEHOLDER_NONCE = "AAAAAAAAAAAAAAAAAAAAAA";

function isColumn(name: string, columns: readonly ImportColumn[]): name is ImportColumn {
  return (columns as readonly string[]).includes(name);
}

/** Text of a cell: NFC, whitespace runs collapsed, trimmed. */
export function cellText(cell: Cell): string {
  return text(cell);
}

function text(cell: Cell): string {
  if (cell === null || cell === undefined) return "";
  if (cell instanceof Date) return isoDate(cell);
  return String(cell).normalize("NFC").replace(/\s+/g, " ").trim();
}

function isoDate(date: Date): string {
  // Spreadsheet dates are days: readers give them as midnight UTC.
  return date.toISOString().slice(0, 10);
}

/** `YYYY-MM-DD`, or `DD/MM/YYYY` (day and month may have one digit) turned into it; undefined otherwise. */
export function importDate(cell: Cell): string | undefined {
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? undefined : isoDate(cell);
  const value = text(cell);
  if (/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(value)) return value;
  const m = /^([0-9]{1,2})\/([0-9]{1,2})\/([0-9]{4})$/.exec(value);
  return m ? `${m[3]}-${m[2]!.padStart(2, "0")}-${m[1]!.padStart(2, "0")}` : undefined;
}

/** Maps the header row to column positions; reports missing, unknown and repeated columns. */
function readHeader(
  header: SheetRow,
  columns: readonly ImportColumn[],
  problems: RowProblem[],
): Map<ImportColumn, number> {
  const positions = new Map<ImportColumn, number>();
  header.cells.forEach((cell, index) => {
    const name = text(cell);
    if (name === "") return;
    if (!isColumn(name, columns)) {
      problems.push({
        row: header.row,
        column: null,
        code: "COLUMN_UNKNOWN",
        message: `unknown column "${name}"; the columns are ${columns.join(", ")}`,
      });
    } else if (positions.has(name)) {
      problems.push({
        row: header.row,
        column: name,
        code: "COLUMN_DUPLICATE",
        message: "column appears twice",
      });
    } else positions.set(name, index);
  });
  for (const column of columns) {
    if (!positions.has(column))
      problems.push({
        row: header.row,
        column,
        code: "COLUMN_MISSING",
        message: "required column is missing",
      });
  }
  return positions;
}

function blank(row: SheetRow): boolean {
  return row.cells.every((cell) => text(cell) === "");
}

/** The citizen ID of a cell; a number cell lost the leading zero of provinces 001–096. */
export function citizenIdOf(cell: Cell): string {
  const value = text(cell);
  return typeof cell === "number" && /^[0-9]{11}$/.test(value) ? `0${value}` : value;
}

/**
 * A row's district and deciding authority: the importing district itself, or for a department one
 * of its former districts, decided by that district or by the department. `decidedBy` is left out
 * when the district decided, so a record reads the same whoever imports it.
 */
function authorityOf(
  cell: (column: ImportColumn) => Cell,
  authority: ImportAuthority,
  report: (column: ImportColumn, code: RowProblem["code"], message: string) => void,
): Pick<GraduationContent, "district" | "decidedBy"> | undefined {
  if (authority.kind === "district") return { district: { code: authority.code, name: authority.name } };
  const code = text(cell("districtCode"));
  const decider = text(cell("decidedBy"));
  const name = authority.districts.get(code);
  if (name === undefined) {
    report(
      "districtCode",
      "DISTRICT_NOT_IN_PROVINCE",
      `${code} is not a former district of ${authority.code}: its records are not this department's`,
    );
    return undefined;
  }
  const district = { code, name };
  if (decider === code) return { district };
  if (decider === authority.code)
    return { district, decidedBy: { code: authority.code, name: authority.name } };
  report(
    "decidedBy",
    "DECIDED_BY_INVALID",
    `decidedBy is the code of the district that decided the record (${code}) or of the department (${authority.code}), not "${decider}"`,
  );
  return undefined;
}

/** Builds one row's content; reports empty cells, unreadable dates and years, and a foreign district. */
function contentOf(
  row: SheetRow,
  positions: Map<ImportColumn, number>,
  authority: ImportAuthority,
  problems: RowProblem[],
): GraduationContent | undefined {
  const cell = (column: ImportColumn): Cell => row.cells[positions.get(column)!];
  const before = problems.length;
  const report = (column: ImportColumn, code: RowProblem["code"], message: string) =>
    problems.push({ row: row.row, column, code, message });
  for (const column of importColumns(authority)) {
    if (text(cell(column)) === "") report(column, "VALUE_MISSING", "value is missing");
  }
  const decided = problems.length > before ? undefined : authorityOf(cell, authority, report);
  const date = (column: GraduateColumn): string => {
    const value = importDate(cell(column));
    if (value === undefined && text(cell(column)) !== "")
      report(column, "DATE_FORMAT", `"${text(cell(column))}" is not a date: write YYYY-MM-DD or DD/MM/YYYY`);
    return value ?? "";
  };
  const dateOfBirth = date("dateOfBirth");
  const decisionDate = date("decisionDate");
  const yearText = text(cell("graduationYear"));
  if (yearText !== "" && !/^[0-9]{4}$/.test(yearText))
    report("graduationYear", "GRADUATION_YEAR_INVALID", `"${yearText}" is not a year`);
  if (problems.length > before || decided === undefined) return undefined;
  return {
    type: GRADUATION_TYPE,
    ...decided,
    decision: { number: text(cell("decisionNumber")), date: decisionDate },
    school: { code: text(cell("schoolCode")), name: text(cell("schoolName")) },
    student: {
      studentCode: text(cell("studentCode")),
      citizenId: citizenIdOf(cell("citizenId")),
      fullName: text(cell("fullName")),
      dateOfBirth,
      gender: text(cell("gender")) as GraduationContent["student"]["gender"],
      ethnicity: text(cell("ethnicity")),
      placeOfBirth: text(cell("placeOfBirth")),
    },
    graduationYear: Number(yearText),
    diplomaSerial: text(cell("diplomaSerial")),
    registryNumber: text(cell("registryNumber")),
    // The record is issued by the recognition decision; a fixed time keeps the content (and its
    // hash) the same when the same file is imported again.
    issuedAt: `${decisionDate}T00:00:00+07:00`,
  };
}

/** Runs the graduation document rules on a row's content; reports each problem at its column. */
function validateRow(
  row: number,
  content: GraduationContent,
  options: ReadOptions,
  problems: RowProblem[],
): boolean {
  const result = validateGraduation(
    { ...content, id: PLACEHOLDER_ID, nonce: PLACEHOLDER_NONCE, supersedes: null },
    options.validation,
  );
  if (result.ok) return true;
  for (const problem of result.problems) {
    // issuedAt is made from the decision date, whose own problems are reported.
    if (problem.path === "/issuedAt") continue;
    const column = COLUMN_OF_PATH[problem.path] ?? null;
    // Error answers never repeat a citizen ID or an ethnicity, not even a malformed one.
    const message =
      column !== null && HIDDEN.has(column)
        ? problem.message.replace(/"[^"]*"/g, "(hidden)")
        : problem.message;
    problems.push({ row, column, code: problem.code, message });
  }
  return false;
}

/**
 * Reports a second row with the same (scope, year, value) in the file, valid rows or not. The
 * scope of a serial is the row's district; of a registry number, the authority that decided it
 * (registers are kept per authority). A district's file has one scope: itself.
 */
function checkUnique(
  rows: readonly SheetRow[],
  positions: Map<ImportColumn, number>,
  column: "diplomaSerial" | "registryNumber",
  code: "SERIAL_DUPLICATE" | "REGISTRY_NUMBER_DUPLICATE",
  problems: RowProblem[],
): void {
  const scopeColumn = column === "diplomaSerial" ? "districtCode" : "decidedBy";
  const seen = new Map<string, number>();
  for (const row of rows) {
    const year = text(row.cells[positions.get("graduationYear")!]);
    const value = text(row.cells[positions.get(column)!]);
    if (value === "") continue;
    const at = positions.get(scopeColumn);
    const scope = at === undefined ? "" : text(row.cells[at]);
    const key = `${scope}\n${year}\n${column === "diplomaSerial" ? serialKey(value) : value}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, row.row);
    else
      problems.push({
        row: row.row,
        column,
        code,
        message: `${value} is already used in ${year} by row ${first}`,
      });
  }
}

/**
 * Reads the header and data rows of an import file. Blank rows are skipped. Returns the records
 * of the valid rows and every problem, ordered by row; the file is importable only without problems.
 *
 * @example
 * const { records, problems } = readGraduateRows(header, rows, {
 *   authority: { kind: "district", code: "DEMOQ1", name: "Phòng GDĐT Quận 1" },
 * });
 */
export function readGraduateRows(
  header: SheetRow | undefined,
  rows: readonly SheetRow[],
  options: ReadOptions,
): { records: GraduateRecord[]; problems: RowProblem[] } {
  const problems: RowProblem[] = [];
  const data = rows.filter((row) => !blank(row));
  if (header === undefined || data.length === 0) {
    problems.push({
      row: header?.row ?? 1,
      column: null,
      code: "FILE_EMPTY",
      message: "the file needs a header row and at least one graduate",
    });
    return { records: [], problems };
  }
  const positions = readHeader(header, importColumns(options.authority), problems);
  if (problems.length > 0) return { records: [], problems };
  const records: GraduateRecord[] = [];
  for (const row of data) {
    const content = contentOf(row, positions, options.authority, problems);
    if (content !== undefined && validateRow(row.row, content, options, problems))
      records.push({ row: row.row, content });
  }
  checkUnique(data, positions, "diplomaSerial", "SERIAL_DUPLICATE", problems);
  checkUnique(data, positions, "registryNumber", "REGISTRY_NUMBER_DUPLICATE", problems);
  problems.sort((a, b) => a.row - b.row);
  return { records, problems };
}
