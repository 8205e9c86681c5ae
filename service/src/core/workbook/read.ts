/**
 * From a class workbook's sheets (layout.ts, docs/workbook.md) to one unsigned `hocba.transcript/v1`
 * document per student, each validated by the same rules as a document sent as JSON, with every
 * problem of the file named by sheet, row and column heading, in Vietnamese and English — the
 * office fixes its whole file at once. Text is taken as NFC with runs of spaces collapsed and ends
 * trimmed, as for the graduates list. Pure and browser-safe.
 *
 * Values that the file repeats (the school on every row of `Lớp`; in a CSV, the class and the
 * student on each of their rows) must agree: a differing copy is a problem at its cell.
 */
import {
  RESULTS,
  TRANSCRIPT_TYPE,
  GENDERS,
  LEVELS,
  type SchoolYear,
  type SchoolSubject,
  type Transcript,
} from "../documents/schema";
import { validateTranscript, type ValidationOptions } from "../documents/validate";
import { cellText, citizenIdOf, importDate, type Cell, type SheetRow } from "../documents/graduate-rows";
import { hasOneDecimalAtMost } from "../documents/tt22";
import type { SubjectEntry } from "../catalog/subjects";
import {
  CLASS_COLUMNS,
  CLASS_SHEET,
  INSTRUCTIONS_SHEET,
  STUDENT_COLUMNS,
  STUDENTS_SHEET,
  TERMS,
  YEAR_COLUMNS,
  foldHeader,
  outcomeOfWord,
  subjectColumnOf,
  subjectHeader,
  yearSheetName,
  type ColumnSpec,
  type Term,
} from "./layout";
import {
  documentProblemVi,
  problemAt,
  type WorkbookProblem,
  type WorkbookProblemCode,
  type Where,
} from "./problems";

/** A sheet as the file reader gives it; a CSV file is one sheet named null. */
export interface WorkbookSheet {
  name: string | null;
  rows: SheetRow[];
}

export interface ReadWorkbookOptions {
  /** issuedAt of the drafts (ISO date-time with offset). */
  issuedAt: string;
  /** A fresh id and nonce for each draft document. */
  identity: () => { id: string; nonce: string };
  /** The same options as the JSON path's validation. */
  validation?: ValidationOptions;
}

export interface WorkbookStudent {
  studentCode: string;
  /** The student's row (sheet Học sinh, or their first CSV line). */
  where: Where;
  document: Transcript;
}

export interface WorkbookReading {
  /** Every school code the file states (one, in a good file). */
  schoolCodes: string[];
  /** The class the file issues: its last school year. Undefined when the file has no class rows. */
  classOf: { schoolYear: string; className: string } | undefined;
  students: WorkbookStudent[];
  problems: WorkbookProblem[];
}

interface Loc {
  cell: Cell;
  where: Where;
}

/** A data row: its place (column null) and its cells by column key (`TOAN:term1` for subjects). */
interface Rec {
  where: Where;
  values: Map<string, Loc>;
}

interface SubjectColumns {
  subject: SubjectEntry;
  headers: Partial<Record<Term, string>>;
}

interface Table {
  records: Rec[];
  subjects: SubjectColumns[];
  /** Keys of the columns present. */
  present: Set<string>;
}

const subjectKey = (code: string, term: Term) => `${code}:${term}`;

class Problems {
  readonly list: WorkbookProblem[] = [];
  private readonly seen = new Set<string>();

  add(where: Where, code: WorkbookProblem["code"], vi: string, en: string): void {
    const key = `${where.sheet}\n${where.row}\n${where.column}\n${code}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push(problemAt(where, code, vi, en));
  }

  /** Whether some problem already names this cell (later rules about it would repeat it). */
  at(where: Where): boolean {
    return this.list.some((p) => p.sheet === where.sheet && p.row === where.row && p.column === where.column);
  }
}

const blankCell = (cell: Cell) => cellText(cell) === "";

/** Reads a table's heading row against the columns it may have; undefined when a required one is missing. */
function readTable(
  sheet: WorkbookSheet,
  specs: readonly ColumnSpec[],
  withSubjects: boolean,
  problems: Problems,
): Table | undefined {
  const name = sheet.name;
  const start = sheet.rows.findIndex((r) => r.cells.some((c) => !blankCell(c)));
  const header = sheet.rows[start];
  const data = sheet.rows.slice(start + 1).filter((r) => r.cells.some((c) => !blankCell(c)));
  if (header === undefined || data.length === 0) {
    if (name === null)
      problems.add(
        { sheet: null, row: null, column: null },
        "FILE_EMPTY",
        "tệp không có dòng tiêu đề và dữ liệu",
        "the file has no heading row and data",
      );
    else
      problems.add(
        { sheet: name, row: null, column: null },
        "SHEET_EMPTY",
        "trang không có dòng tiêu đề và dữ liệu",
        "the sheet has no heading row and data",
      );
    return undefined;
  }
  const byHeader = new Map(specs.map((s) => [foldHeader(s.header), s]));
  const columns: { key: string; header: string; index: number }[] = [];
  const subjects = new Map<string, SubjectColumns>();
  const before = problems.list.length;
  header.cells.forEach((cell, index) => {
    const heading = cellText(cell);
    if (heading === "") return;
    const at: Where = { sheet: name, row: header.row, column: heading };
    const spec = byHeader.get(foldHeader(heading));
    const subject = spec === undefined && withSubjects ? subjectColumnOf(heading) : undefined;
    const key = spec?.key ?? (subject ? subjectKey(subject.subject.code, subject.term) : undefined);
    if (key === undefined) {
      problems.add(
        at,
        "COLUMN_UNKNOWN",
        "cột không có trong mẫu (xem trang Hướng dẫn)",
        "the column is not part of the template (see the Hướng dẫn sheet)",
      );
    } else if (columns.some((c) => c.key === key)) {
      problems.add(at, "COLUMN_DUPLICATE", "cột xuất hiện hai lần", "the column appears twice");
    } else {
      columns.push({ key, header: heading, index });
      if (subject) {
        const entry = subjects.get(subject.subject.code) ?? { subject: subject.subject, headers: {} };
        entry.headers[subject.term] = heading;
        subjects.set(subject.subject.code, entry);
      }
    }
  });
  const present = new Set(columns.map((c) => c.key));
  for (const spec of specs) {
    if (!spec.optional && !present.has(spec.key))
      problems.add(
        { sheet: name, row: header.row, column: spec.header },
        "COLUMN_MISSING",
        "thiếu cột bắt buộc",
        "a required column is missing",
      );
  }
  for (const { subject, headers } of subjects.values()) {
    for (const term of TERMS) {
      if (headers[term] === undefined)
        problems.add(
          {
            sheet: name,
            row: header.row,
            column: subjectHeader(subject, term),
          },
          "COLUMN_MISSING",
          "môn học cần đủ ba cột HK I, HK II và Cả năm",
          "a subject needs its three columns: HK I, HK II and Cả năm",
        );
    }
  }
  if (problems.list.length > before) return undefined;
  const records = data.map((row) => ({
    where: { sheet: name, row: row.row, column: null },
    values: new Map(
      columns.map((c) => [
        c.key,
        { cell: row.cells[c.index] ?? null, where: { sheet: name, row: row.row, column: c.header } },
      ]),
    ),
  }));
  return { records, subjects: [...subjects.values()], present };
}

/** Reports a required cell left blank; true when it has a value. */
function required(loc: Loc | undefined, problems: Problems): boolean {
  if (loc === undefined) return false;
  if (!blankCell(loc.cell)) return true;
  problems.add(
    loc.where,
    "VALUE_MISSING",
    "ô trống, cần ghi giá trị",
    "the cell is empty; a value is required",
  );
  return false;
}

/** Groups records by a key; a later copy whose values differ from the first is reported cell by cell. */
function merge(
  records: readonly Rec[],
  keyOf: (r: Rec) => string,
  keys: readonly string[],
  problems: Problems,
): Map<string, Rec> {
  const first = new Map<string, Rec>();
  for (const record of records) {
    const key = keyOf(record);
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, record);
      continue;
    }
    for (const k of keys) {
      const a = earlier.values.get(k);
      const b = record.values.get(k);
      if (a && b && cellText(a.cell) !== cellText(b.cell))
        problems.add(
          b.where,
          "VALUES_DIFFER",
          `“${cellText(b.cell)}” khác với “${cellText(a.cell)}” ở dòng ${earlier.where.row}`,
          `“${cellText(b.cell)}” differs from “${cellText(a.cell)}” on row ${earlier.where.row}`,
        );
    }
  }
  return first;
}

function text(values: Map<string, Loc>, key: string): string {
  return cellText(values.get(key)?.cell ?? null);
}

/** A value of a closed list, matched without case; else the text itself (the validator names it). */
function oneOf<const V extends readonly string[]>(list: V, value: string): V[number] {
  return list.find((v) => v.toLowerCase() === value.toLowerCase()) ?? value;
}

/** A whole number from a number cell or its text; undefined (and a problem) otherwise. */
function wholeNumber(loc: Loc | undefined, problems: Problems): number | undefined {
  if (loc === undefined || blankCell(loc.cell)) return undefined;
  const value =
    typeof loc.cell === "number"
      ? loc.cell
      : /^[0-9]+$/.test(cellText(loc.cell))
        ? Number(cellText(loc.cell))
        : NaN;
  if (Number.isInteger(value)) return value;
  problems.add(
    loc.where,
    "NUMBER_INVALID",
    `“${cellText(loc.cell)}” không phải số nguyên`,
    `“${cellText(loc.cell)}” is not a whole number`,
  );
  return undefined;
}

/** A term or year result: a score (number, or text with a decimal comma or point), Đ / CĐ, or the text as written. */
function resultOf(cell: Cell): number | string {
  const score =
    typeof cell === "number"
      ? cell
      : /^[0-9]{1,2}([.,][0-9]+)?$/.test(cellText(cell))
        ? Number(cellText(cell).replace(",", "."))
        : undefined;
  if (score !== undefined) return hasOneDecimalAtMost(score) ? Math.round(score * 10) / 10 : score;
  const word = cellText(cell);
  return word.toUpperCase() === "Đ" || word.toUpperCase() === "CĐ" ? word.toUpperCase() : word;
}

interface ClassYear {
  schoolYear: string;
  record: Rec;
}

/** The province code with the leading zero a number cell loses. */
function provinceOf(cell: Cell): string {
  const value = cellText(cell);
  return /^[0-9]$/.test(value) ? `0${value}` : value;
}

/** Builds one student's document and the place in the file of each of its values. */
function buildDocument(
  student: Rec,
  school: Rec,
  classYears: readonly ClassYear[],
  yearRecords: Map<string, Rec>,
  subjectsOf: Map<string, SubjectColumns[]>,
  options: ReadWorkbookOptions,
  problems: Problems,
): { document: Transcript; places: Map<string, Loc | Where> } {
  const places = new Map<string, Loc | Where>();
  const s = student.values;
  places.set("", student.where);
  for (const spec of STUDENT_COLUMNS) places.set(`/student/${spec.key}`, s.get(spec.key)!);
  for (const [field, key] of [
    ["code", "schoolCode"],
    ["name", "schoolName"],
    ["province", "province"],
    ["level", "level"],
  ] as const)
    places.set(`/school/${field}`, school.values.get(key)!);
  const dobLoc = s.get("dateOfBirth")!;
  const dateOfBirth = importDate(dobLoc.cell) ?? cellText(dobLoc.cell);
  const years: SchoolYear[] = [];
  for (const classYear of classYears) {
    const record = yearRecords.get(`${text(s, "studentCode")}\n${classYear.schoolYear}`);
    if (record === undefined) continue;
    const i = years.length;
    const c = classYear.record.values;
    const y = record.values;
    places.set(`/years/${i}`, record.where);
    places.set(`/years/${i}/subjects`, record.where);
    places.set(`/years/${i}/schoolYear`, c.get("schoolYear")!);
    places.set(`/years/${i}/grade`, c.get("grade")!);
    places.set(`/years/${i}/className`, c.get("className")!);
    places.set(`/years/${i}/homeroomTeacher`, c.get("homeroomTeacher")!);
    for (const key of ["academicResult", "conductResult", "daysAbsent", "outcome", "remarks"] as const) {
      const loc = y.get(key);
      if (loc) places.set(`/years/${i}/${key}`, loc);
    }
    const name = y.get("fullName");
    if (name && !blankCell(name.cell) && cellText(name.cell) !== text(s, "fullName"))
      problems.add(
        name.where,
        "NAME_MISMATCH",
        `tên “${cellText(name.cell)}” khác với trang '${STUDENTS_SHEET}' (“${text(s, "fullName")}”)`,
        `the name differs from sheet '${STUDENTS_SHEET}' (“${text(s, "fullName")}”)`,
      );
    const subjects: SchoolSubject[] = [];
    for (const { subject, headers } of subjectsOf.get(classYear.schoolYear) ?? []) {
      const locs = TERMS.map((t) => y.get(subjectKey(subject.code, t))!);
      const filled = locs.filter((l) => !blankCell(l.cell));
      if (filled.length === 0) continue;
      if (filled.length < 3) {
        for (const l of locs)
          if (blankCell(l.cell))
            problems.add(
              l.where,
              "SUBJECT_INCOMPLETE",
              "môn học đã có kết quả ở cột khác nhưng ô này trống",
              "the subject has results in its other columns but this cell is empty",
            );
        // Kept (its blank cells are reported once), so that the year does not also lack the subject.
      }
      const j = subjects.length;
      TERMS.forEach((t, k) => places.set(`/years/${i}/subjects/${j}/${t}`, locs[k]!));
      places.set(`/years/${i}/subjects/${j}`, { ...record.where, column: headers.year ?? null });
      subjects.push({
        code: subject.code,
        name: subject.name,
        assessment: subject.assessment,
        term1: resultOf(locs[0]!.cell) as SchoolSubject["term1"],
        term2: resultOf(locs[1]!.cell) as SchoolSubject["term2"],
        year: resultOf(locs[2]!.cell) as SchoolSubject["year"],
      });
    }
    const outcome = text(y, "outcome");
    years.push({
      schoolYear: classYear.schoolYear,
      grade: (wholeNumber(c.get("grade"), problems) ?? text(c, "grade")) as number,
      className: text(c, "className"),
      subjects,
      academicResult: oneOf(RESULTS, text(y, "academicResult")),
      conductResult: oneOf(RESULTS, text(y, "conductResult")),
      daysAbsent: (wholeNumber(y.get("daysAbsent"), problems) ?? text(y, "daysAbsent")) as number,
      outcome: outcomeOfWord(outcome) ?? (outcome as SchoolYear["outcome"]),
      remarks: y.has("remarks") ? cellText(y.get("remarks")!.cell) : "",
      homeroomTeacher: text(c, "homeroomTeacher"),
    });
  }
  const sc = school.values;
  const { id, nonce } = options.identity();
  const document: Transcript = {
    type: TRANSCRIPT_TYPE,
    id,
    nonce,
    school: {
      code: text(sc, "schoolCode"),
      name: text(sc, "schoolName"),
      province: provinceOf(sc.get("province")!.cell),
      level: oneOf(LEVELS, text(sc, "level")),
    },
    student: {
      studentCode: text(s, "studentCode"),
      citizenId: citizenIdOf(s.get("citizenId")!.cell),
      fullName: text(s, "fullName"),
      dateOfBirth,
      gender: oneOf(GENDERS, text(s, "gender")),
      ethnicity: text(s, "ethnicity"),
      placeOfBirth: text(s, "placeOfBirth"),
    },
    years,
    issuedAt: options.issuedAt,
    supersedes: null,
  };
  return { document, places };
}

/** The place of a JSON pointer: itself, or its nearest ancestor with a place. */
function placeOf(places: Map<string, Loc | Where>, path: string): Loc | Where {
  for (let p = path; ; p = p.slice(0, p.lastIndexOf("/"))) {
    const place = places.get(p);
    if (place !== undefined) return place;
    if (p === "") return { sheet: null, row: null, column: null };
  }
}

/** Values no answer repeats, not even a malformed one (docs/school-records.md). */
const HIDDEN_PATHS = new Set(["/student/citizenId", "/student/ethnicity"]);

function reportValidation(
  document: Transcript,
  places: Map<string, Loc | Where>,
  options: ReadWorkbookOptions,
  problems: Problems,
): boolean {
  const result = validateTranscript(document, options.validation);
  if (result.ok) return true;
  for (const problem of result.problems) {
    const place = placeOf(places, problem.path);
    const where = "where" in place ? place.where : place;
    // A cell already reported (left blank, not a number…) is not reported again under another name.
    if (problems.at(where) && where.column !== null) continue;
    const hidden = HIDDEN_PATHS.has(problem.path);
    const value = "cell" in place && !hidden ? cellText(place.cell) : "";
    const en = hidden ? problem.message.replace(/"[^"]*"/g, "(hidden)") : problem.message;
    problems.add(where, problem.code, documentProblemVi(problem.code, value), en);
  }
  return false;
}

const CLASS_KEYS = CLASS_COLUMNS.map((c) => c.key);
const SCHOOL_KEYS = ["schoolCode", "schoolName", "province", "level"];
const STUDENT_KEYS = STUDENT_COLUMNS.map((c) => c.key);
const YEAR_SHEET = /^nam([0-9]{4}-[0-9]{4})$/;

/** The tables of an XLSX workbook by role; problems for missing and unknown sheets. */
function xlsxTables(sheets: readonly WorkbookSheet[], problems: Problems) {
  const find = (name: string) =>
    sheets.find((s) => s.name !== null && foldHeader(s.name) === foldHeader(name));
  const classSheet = find(CLASS_SHEET);
  const studentSheet = find(STUDENTS_SHEET);
  for (const [name, sheet] of [
    [CLASS_SHEET, classSheet],
    [STUDENTS_SHEET, studentSheet],
  ] as const)
    if (!sheet)
      problems.add(
        { sheet: name, row: null, column: null },
        "SHEET_MISSING",
        "thiếu trang này",
        "the sheet is missing",
      );
  const yearSheets: { schoolYear: string; sheet: WorkbookSheet }[] = [];
  for (const sheet of sheets) {
    if (sheet === classSheet || sheet === studentSheet || sheet.name === null) continue;
    if (foldHeader(sheet.name).startsWith(foldHeader(INSTRUCTIONS_SHEET))) continue;
    const m = YEAR_SHEET.exec(foldHeader(sheet.name));
    if (m) yearSheets.push({ schoolYear: m[1]!, sheet });
    else
      problems.add(
        { sheet: sheet.name, row: null, column: null },
        "SHEET_UNKNOWN",
        `tên trang không có trong mẫu: dùng '${CLASS_SHEET}', '${STUDENTS_SHEET}' hoặc '${yearSheetName("2024-2025")}'`,
        `unknown sheet name: use '${CLASS_SHEET}', '${STUDENTS_SHEET}' or '${yearSheetName("2024-2025")}'`,
      );
  }
  const classTable = classSheet && readTable(classSheet, CLASS_COLUMNS, false, problems);
  const studentTable = studentSheet && readTable(studentSheet, STUDENT_COLUMNS, false, problems);
  const years = yearSheets.map(({ schoolYear, sheet }) => ({
    schoolYear,
    sheet,
    table: readTable(sheet, YEAR_COLUMNS, true, problems),
  }));
  return { classTable, studentTable, years };
}

/**
 * Reads a class workbook. Returns the drafts (valid documents) only when there is no problem at
 * all; the caller imports all or nothing.
 *
 * @example
 * const reading = readClassWorkbook(sheets, { issuedAt: new Date().toISOString(), identity });
 * if (reading.problems.length > 0) console.log(reading.problems.map((p) => p.message).join("\n"));
 */
export function readClassWorkbook(
  sheets: readonly WorkbookSheet[],
  options: ReadWorkbookOptions,
): WorkbookReading {
  const problems = new Problems();
  const empty = (): WorkbookReading => ({
    schoolCodes: [],
    classOf: undefined,
    students: [],
    problems: problems.list,
  });
  let classRecords: Rec[];
  let studentRecords: Rec[];
  const yearRecords: { schoolYear: string; record: Rec }[] = [];
  const subjectsOf = new Map<string, SubjectColumns[]>();
  const csv = sheets.length === 1 && sheets[0]!.name === null;
  if (csv) {
    const yearSpecs = YEAR_COLUMNS.filter((c) => c.key !== "fullName" && c.key !== "studentCode");
    const table = readTable(sheets[0]!, [...CLASS_COLUMNS, ...STUDENT_COLUMNS, ...yearSpecs], true, problems);
    if (!table) return empty();
    classRecords = studentRecords = table.records;
    for (const record of table.records) {
      const schoolYear = text(record.values, "schoolYear");
      yearRecords.push({ schoolYear, record });
      subjectsOf.set(schoolYear, table.subjects);
    }
  } else {
    const { classTable, studentTable, years } = xlsxTables(sheets, problems);
    if (!classTable || !studentTable || years.some((y) => !y.table)) return empty();
    classRecords = classTable.records;
    studentRecords = studentTable.records;
    for (const { schoolYear, table } of years) {
      subjectsOf.set(schoolYear, table!.subjects);
      for (const record of table!.records) yearRecords.push({ schoolYear, record });
    }
  }

  // The class: one row per school year, the same school on every row.
  for (const r of classRecords) for (const key of CLASS_KEYS) required(r.values.get(key), problems);
  merge(classRecords, () => "school", SCHOOL_KEYS, problems);
  const byYear = merge(classRecords, (r) => text(r.values, "schoolYear"), CLASS_KEYS, problems);
  const classYears: ClassYear[] = [...byYear.entries()]
    .filter(([schoolYear]) => schoolYear !== "")
    .map(([schoolYear, record]) => ({ schoolYear, record }))
    .sort((a, b) => (a.schoolYear < b.schoolYear ? -1 : a.schoolYear > b.schoolYear ? 1 : 0));
  const schoolCodes = [
    ...new Set(classRecords.map((r) => text(r.values, "schoolCode")).filter((c) => c !== "")),
  ];
  if (!csv) {
    const sheetYears = new Set(yearRecords.map((y) => y.schoolYear).concat([...subjectsOf.keys()]));
    for (const { schoolYear } of classYears)
      if (!sheetYears.has(schoolYear))
        problems.add(
          { sheet: yearSheetName(schoolYear), row: null, column: null },
          "SHEET_MISSING",
          `thiếu trang của năm học ${schoolYear} (có trong trang '${CLASS_SHEET}')`,
          `the sheet of school year ${schoolYear} (listed in sheet '${CLASS_SHEET}') is missing`,
        );
    for (const schoolYear of subjectsOf.keys())
      if (!byYear.has(schoolYear))
        problems.add(
          { sheet: yearSheetName(schoolYear), row: null, column: null },
          "YEAR_UNKNOWN",
          `năm học ${schoolYear} không có dòng nào trong trang '${CLASS_SHEET}'`,
          `school year ${schoolYear} has no row in sheet '${CLASS_SHEET}'`,
        );
  }

  // The students: one row each (in a CSV, the same values on each of their rows).
  for (const r of studentRecords) for (const key of STUDENT_KEYS) required(r.values.get(key), problems);
  if (!csv) {
    const seen = new Map<string, number>();
    for (const r of studentRecords) {
      const code = text(r.values, "studentCode");
      const first = seen.get(code);
      if (code !== "" && first !== undefined)
        problems.add(
          r.values.get("studentCode")!.where,
          "STUDENT_DUPLICATE",
          `mã học sinh ${code} đã có ở dòng ${first}`,
          `student code ${code} is already on row ${first}`,
        );
      else seen.set(code, r.where.row!);
    }
  }
  const students = merge(studentRecords, (r) => text(r.values, "studentCode"), STUDENT_KEYS, problems);
  students.delete("");

  // The years: one row per student and school year, of a known student.
  const years = new Map<string, Rec>();
  for (const { schoolYear, record } of yearRecords) {
    const codeLoc = record.values.get("studentCode")!;
    for (const spec of YEAR_COLUMNS as readonly ColumnSpec[])
      if (!spec.optional && spec.key !== "studentCode") required(record.values.get(spec.key), problems);
    if (!required(codeLoc, problems)) continue;
    const code = cellText(codeLoc.cell);
    if (!students.has(code)) {
      problems.add(
        codeLoc.where,
        "STUDENT_UNKNOWN",
        `mã học sinh ${code} không có trong trang '${STUDENTS_SHEET}'`,
        `student code ${code} is not in sheet '${STUDENTS_SHEET}'`,
      );
      continue;
    }
    const key = `${code}\n${schoolYear}`;
    const first = years.get(key);
    if (first)
      problems.add(
        codeLoc.where,
        "YEAR_ROW_DUPLICATE",
        `học sinh ${code} đã có kết quả năm ${schoolYear} ở dòng ${first.where.row}`,
        `student ${code} already has results for ${schoolYear} on row ${first.where.row}`,
      );
    else years.set(key, record);
  }

  const school = classRecords[0];
  const last = classYears.at(-1);
  const reading: WorkbookStudent[] = [];
  if (school && last) {
    for (const [code, record] of students) {
      if (!classYears.some((y) => years.has(`${code}\n${y.schoolYear}`))) {
        problems.add(
          record.where,
          "STUDENT_WITHOUT_YEARS",
          `học sinh ${code} không có kết quả năm học nào`,
          `student ${code} has no school year's results`,
        );
        continue;
      }
      const { document, places } = buildDocument(
        record,
        school,
        classYears,
        years,
        subjectsOf,
        options,
        problems,
      );
      if (reportValidation(document, places, options, problems))
        reading.push({ studentCode: code, where: record.where, document });
    }
  }
  return {
    schoolCodes,
    classOf: last && { schoolYear: last.schoolYear, className: text(last.record.values, "className") },
    students: problems.list.length === 0 ? reading : [],
    problems: sortProblems(problems.list, sheets),
  };
}

/** Problems in the file's order: sheet (as in the file), row, then column position. */
function sortProblems(list: WorkbookProblem[], sheets: readonly WorkbookSheet[]): WorkbookProblem[] {
  const order = new Map(sheets.map((s, i) => [s.name, i]));
  return list
    .map((p, i) => ({ p, i }))
    .sort(
      (a, b) =>
        (order.get(a.p.sheet) ?? -1) - (order.get(b.p.sheet) ?? -1) ||
        (a.p.row ?? 0) - (b.p.row ?? 0) ||
        a.i - b.i,
    )
    .map(({ p }) => p);
}

export type { WorkbookProblem, WorkbookProblemCode };
