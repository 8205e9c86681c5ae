/**
 * The class workbook (docs/workbook.md): how a school office writes a class's học bạ in a
 * spreadsheet, as data — sheet names, columns (Vietnamese headings, English in the notes), the
 * words a clerk types for enumerations — and the tables a workbook holds for a given class. The
 * reader (read.ts), the template script, the demo's filled example and the tests all use this one
 * description, so the template and the import cannot disagree. Pure and browser-safe.
 *
 * Layout, chosen to match what school-management software exports (one summary table per class
 * and year, one row per student, a column per subject and term):
 * - sheet `Lớp`: one row per school year of the class (school, year, grade, class, homeroom teacher);
 * - sheet `Học sinh`: one row per student (identity);
 * - one sheet per school year, named `Năm 2024-2025`: one row per student, the subjects' term and
 *   year results, learning and conduct results, days absent, outcome, remarks;
 * - sheet `Hướng dẫn` (instructions) is ignored on import.
 * A CSV file holds one table: every column of the three kinds, one row per student and year.
 */
import { GRADES, SUBJECTS, type SchoolLevel, type SubjectEntry } from "../catalog/subjects";
import type { Cell } from "../documents/graduate-rows";
import type { Outcome, Transcript } from "../documents/schema";

export const CLASS_SHEET = "Lớp";
export const STUDENTS_SHEET = "Học sinh";
export const INSTRUCTIONS_SHEET = "Hướng dẫn";
/** `Năm 2024-2025`: a school year's sheet. */
export const YEAR_SHEET_PATTERN = /^Năm ([0-9]{4}-[0-9]{4})$/;

export function yearSheetName(schoolYear: string): string {
  return `Năm ${schoolYear}`;
}

export interface ColumnSpec<K extends string = string> {
  key: K;
  /** The heading in the file (Vietnamese). */
  header: string;
  /** What it holds, in English (notes, docs/workbook.md). */
  en: string;
  /** Allowed values or format, Vietnamese (instructions sheet). */
  values: string;
  example: string;
  /** May the column be left out of the file? */
  optional?: boolean;
  /** Held as text (codes with leading zeros): the template formats it as text. */
  text?: boolean;
}

export const CLASS_COLUMNS = [
  {
    key: "schoolCode",
    header: "Mã trường",
    en: "school code (the one hocba knows the school by)",
    values: "2–20 chữ và số; là mã của trường đang nhập",
    example: "DEMO01",
    text: true,
  },
  { key: "schoolName", header: "Tên trường", en: "school name", values: "chữ", example: "Trường THCS Demo" },
  {
    key: "province",
    header: "Mã tỉnh",
    en: "province code (01–96)",
    values: "01–96",
    example: "01",
    text: true,
  },
  {
    key: "level",
    header: "Cấp học",
    en: "level: THCS (lower secondary) or THPT (upper secondary)",
    values: "THCS, THPT",
    example: "THCS",
  },
  {
    key: "schoolYear",
    header: "Năm học",
    en: "school year",
    values: "YYYY-YYYY (năm sau = năm trước + 1)",
    example: "2024-2025",
    text: true,
  },
  { key: "grade", header: "Khối", en: "grade (6–9 THCS, 10–12 THPT)", values: "6–12", example: "9" },
  { key: "className", header: "Lớp", en: "class name that year", values: "chữ", example: "9A1" },
  {
    key: "homeroomTeacher",
    header: "Giáo viên chủ nhiệm",
    en: "homeroom teacher that year",
    values: "họ và tên",
    example: "Nguyễn Thị Hoa",
  },
] as const satisfies readonly ColumnSpec[];

export const STUDENT_COLUMNS = [
  {
    key: "studentCode",
    header: "Mã học sinh",
    en: "student code (the school-management software's)",
    values: "chữ số (thường 10)",
    example: "0100012345",
    text: true,
  },
  { key: "fullName", header: "Họ và tên", en: "full name", values: "chữ, có dấu", example: "Trần Văn An" },
  {
    key: "dateOfBirth",
    header: "Ngày sinh",
    en: "date of birth",
    values: "DD/MM/YYYY, YYYY-MM-DD hoặc ô ngày",
    example: "05/09/2010",
  },
  {
    key: "gender",
    header: "Giới tính",
    en: "sex: Nam (male) or Nữ (female)",
    values: "Nam, Nữ",
    example: "Nam",
  },
  { key: "ethnicity", header: "Dân tộc", en: "ethnicity", values: "chữ", example: "Kinh" },
  {
    key: "placeOfBirth",
    header: "Nơi sinh",
    en: "place of birth (province)",
    values: "chữ",
    example: "Hà Nội",
  },
  {
    key: "citizenId",
    header: "Số CCCD",
    en: "citizen ID (12 digits, agrees with birth year and sex)",
    values: "12 chữ số",
    example: "001210012345",
    text: true,
  },
] as const satisfies readonly ColumnSpec[];

/** The per-student columns of a year sheet, around the subject columns. */
export const YEAR_COLUMNS = [
  {
    key: "studentCode",
    header: "Mã học sinh",
    en: "student code, as in sheet Học sinh",
    values: "chữ số",
    example: "0100012345",
    text: true,
  },
  {
    key: "fullName",
    header: "Họ và tên",
    en: "full name (for reading; must match sheet Học sinh)",
    values: "chữ",
    example: "Trần Văn An",
    optional: true,
  },
  {
    key: "academicResult",
    header: "Kết quả học tập",
    en: "learning result of the year (Thông tư 22)",
    values: "Tốt, Khá, Đạt, Chưa đạt",
    example: "Khá",
  },
  {
    key: "conductResult",
    header: "Kết quả rèn luyện",
    en: "conduct result of the year",
    values: "Tốt, Khá, Đạt, Chưa đạt",
    example: "Tốt",
  },
  {
    key: "daysAbsent",
    header: "Số ngày nghỉ",
    en: "days absent in the year",
    values: "số nguyên ≥ 0",
    example: "2",
  },
  {
    key: "outcome",
    header: "Kết quả cuối năm",
    en: "outcome: promoted, summer re-assessment, held back, completed the level",
    values: "Lên lớp; Rèn luyện hoặc kiểm tra lại trong hè; Ở lại lớp; Hoàn thành chương trình",
    example: "Lên lớp",
  },
  {
    key: "remarks",
    header: "Nhận xét của giáo viên chủ nhiệm",
    en: "homeroom teacher's remarks (may be empty)",
    values: "chữ, có thể để trống",
    example: "Chăm ngoan, học tốt.",
    optional: true,
  },
] as const satisfies readonly ColumnSpec[];

export type ClassKey = (typeof CLASS_COLUMNS)[number]["key"];
export type StudentKey = (typeof STUDENT_COLUMNS)[number]["key"];
export type YearKey = (typeof YEAR_COLUMNS)[number]["key"];

export const TERMS = ["term1", "term2", "year"] as const;
export type Term = (typeof TERMS)[number];
export const TERM_LABELS: Record<Term, string> = { term1: "HK I", term2: "HK II", year: "Cả năm" };
/** Other ways of writing a term in a heading (compared without spaces, case aside). */
const TERM_ALIASES: Record<string, Term> = {
  hki: "term1",
  hk1: "term1",
  hocki: "term1",
  hockyi: "term1",
  hkii: "term2",
  hk2: "term2",
  hocki2: "term2",
  hockyii: "term2",
  canam: "year",
  cn: "year",
};

export function subjectHeader(subject: SubjectEntry, term: Term): string {
  return `${subject.name} – ${TERM_LABELS[term]}`;
}

/** Folds a heading for comparison: NFC, lowercase, no accents (đ = d), no spaces. */
export function foldHeader(value: string): string {
  return value
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/đ/gi, "d")
    .toLowerCase()
    .replace(/\s+/g, "");
}

const SUBJECT_BY_FOLDED_NAME = new Map(SUBJECTS.map((s) => [foldHeader(s.name), s]));

/** The subject and term a heading names (`Toán – Cả năm`, `Toán - HK1`, `TOAN – HK I`), or undefined. */
export function subjectColumnOf(header: string): { subject: SubjectEntry; term: Term } | undefined {
  const m = /^(.+?)\s*[–—-]\s*([^–—-]+)$/.exec(header.trim());
  if (!m) return undefined;
  const name = foldHeader(m[1]!);
  const subject = SUBJECT_BY_FOLDED_NAME.get(name) ?? SUBJECTS.find((s) => foldHeader(s.code) === name);
  const term = TERM_ALIASES[foldHeader(m[2]!)];
  return subject && term ? { subject, term } : undefined;
}

/** The subjects of a level in catalogue order: the template's subject columns. */
export function subjectsOf(level: SchoolLevel): SubjectEntry[] {
  return SUBJECTS.filter((s) => s.levels.includes(level));
}

/** How the file writes each outcome; the first is what the template and the writer use. */
export const OUTCOME_WORDS: Record<Outcome, readonly string[]> = {
  promoted: ["Lên lớp", "Được lên lớp", "promoted"],
  "summer-reassessment": [
    "Rèn luyện hoặc kiểm tra lại trong hè",
    "Rèn luyện, kiểm tra lại trong hè",
    "Kiểm tra lại trong hè",
    "Rèn luyện trong hè",
    "summer-reassessment",
  ],
  "held-back": ["Ở lại lớp", "Lưu ban", "held-back"],
  graduated: ["Hoàn thành chương trình", "Tốt nghiệp", "graduated"],
};

const OUTCOME_BY_WORD = new Map(
  Object.entries(OUTCOME_WORDS).flatMap(([outcome, words]) =>
    words.map((w) => [foldHeader(w), outcome as Outcome] as const),
  ),
);

export function outcomeOfWord(word: string): Outcome | undefined {
  return OUTCOME_BY_WORD.get(foldHeader(word));
}

export function outcomeWord(outcome: Outcome): string {
  return OUTCOME_WORDS[outcome][0]!;
}

/** One table of a workbook: a sheet, or the single table of a CSV file. */
export interface WorkbookTable {
  name: string;
  header: string[];
  rows: Cell[][];
  /** Columns held as text (0-based). */
  textColumns: number[];
}

/** The school and class path a workbook states, besides its students. */
export interface ClassInfo {
  school: Transcript["school"];
  years: { schoolYear: string; grade: number; className: string; homeroomTeacher: string }[];
}

function textColumnsOf(specs: readonly ColumnSpec[], header: readonly string[]): number[] {
  const text = new Set(specs.filter((s) => s.text).map((s) => s.header));
  return header.flatMap((h, i) => (text.has(h) ? [i] : []));
}

/** The headings of a year sheet of `level`: student code and name, subjects, then the year's results. */
export function yearHeader(level: SchoolLevel): string[] {
  const [code, name, ...rest] = YEAR_COLUMNS;
  return [
    code.header,
    name.header,
    ...subjectsOf(level).flatMap((s) => TERMS.map((t) => subjectHeader(s, t))),
    ...rest.map((c) => c.header),
  ];
}

/**
 * The tables of a class workbook: the class, its students and each school year, filled from
 * transcripts of one class (none: the empty template of `info`'s years). Subjects a student does
 * not take stay blank. The inverse of read.ts for valid documents.
 */
export function workbookTables(info: ClassInfo, transcripts: readonly Transcript[] = []): WorkbookTable[] {
  const level = info.school.level;
  const classHeader = CLASS_COLUMNS.map((c) => c.header);
  const studentHeader = STUDENT_COLUMNS.map((c) => c.header);
  const tables: WorkbookTable[] = [
    {
      name: CLASS_SHEET,
      header: classHeader,
      rows: info.years.map((y) => [
        info.school.code,
        info.school.name,
        info.school.province,
        level,
        y.schoolYear,
        y.grade,
        y.className,
        y.homeroomTeacher,
      ]),
      textColumns: textColumnsOf(CLASS_COLUMNS, classHeader),
    },
    {
      name: STUDENTS_SHEET,
      header: studentHeader,
      rows: transcripts.map(({ student: s }) => [
        s.studentCode,
        s.fullName,
        `${s.dateOfBirth.slice(8, 10)}/${s.dateOfBirth.slice(5, 7)}/${s.dateOfBirth.slice(0, 4)}`,
        s.gender,
        s.ethnicity,
        s.placeOfBirth,
        s.citizenId,
      ]),
      textColumns: textColumnsOf(STUDENT_COLUMNS, studentHeader),
    },
  ];
  const subjects = subjectsOf(level);
  for (const year of info.years) {
    const header = yearHeader(level);
    const rows = transcripts.flatMap((t) => {
      const y = t.years.find((v) => v.schoolYear === year.schoolYear);
      if (!y) return [];
      const bySubject = new Map(y.subjects.map((s) => [s.code, s]));
      return [
        [
          t.student.studentCode,
          t.student.fullName,
          ...subjects.flatMap((s) => TERMS.map((term) => bySubject.get(s.code)?.[term] ?? null)),
          y.academicResult,
          y.conductResult,
          y.daysAbsent,
          outcomeWord(y.outcome),
          y.remarks,
        ],
      ];
    });
    tables.push({
      name: yearSheetName(year.schoolYear),
      header,
      rows,
      textColumns: textColumnsOf(YEAR_COLUMNS, header),
    });
  }
  return tables;
}

/** The single table of the CSV layout: every column, one row per student and school year. */
export function csvTable(info: ClassInfo, transcripts: readonly Transcript[]): WorkbookTable {
  const [classTable, studentTable, ...yearTables] = workbookTables(info, transcripts);
  const yearHead = yearHeader(info.school.level);
  // The year sheets' code and name columns are the student sheet's: written once.
  const yearColumns = yearHead.map((_, i) => i).filter((i) => i > 1);
  const header = [...classTable!.header, ...studentTable!.header, ...yearColumns.map((i) => yearHead[i]!)];
  const students = new Map(studentTable!.rows.map((r) => [r[0], r]));
  const rows = yearTables.flatMap((table, y) =>
    table.rows.map((row) => [
      ...classTable!.rows[y]!,
      ...students.get(row[0])!,
      ...yearColumns.map((i) => row[i] ?? null),
    ]),
  );
  return {
    name: "CSV",
    header,
    rows,
    textColumns: textColumnsOf([...CLASS_COLUMNS, ...STUDENT_COLUMNS, ...YEAR_COLUMNS], header),
  };
}

/** The school years of an empty template: the level's grades ending with 2024-2025. */
export function templateClass(level: SchoolLevel): ClassInfo {
  const grades = GRADES[level];
  const last = grades.at(-1)!;
  return {
    school: { code: "", name: "", province: "", level },
    years: grades.map((grade) => {
      const start = 2024 - (last - grade);
      return { schoolYear: `${start}-${start + 1}`, grade, className: "", homeroomTeacher: "" };
    }),
  };
}

/** A table as CSV text: UTF-8 with a BOM (so spreadsheets read the accents), comma-separated, CRLF. */
export function tableToCsv(table: WorkbookTable): string {
  const field = (cell: Cell): string => {
    const value =
      cell === null || cell === undefined
        ? ""
        : cell instanceof Date
          ? cell.toISOString().slice(0, 10)
          : String(cell);
    return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
  };
  return (
    "\uFEFF" + [table.header, ...table.rows].map((row) => row.map(field).join(",")).join("\r\n") + "\r\n"
  );
}
