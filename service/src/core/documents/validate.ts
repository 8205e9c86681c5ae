/**
 * Validation of signed documents: the schema (structure, types, formats, no unknown fields) and the
 * domain rules of docs/school-records.md (Thông tư 22 results, CCCD consistency, calendar dates, NFC text…).
 * It reports every problem, each with a JSON pointer and a stable code from PROBLEM_CODES, so a
 * school sees all its data errors at once. Pure and browser-safe: the verifier page runs it too.
 *
 * Problems are listed in path order (numeric segments numerically), then in PROBLEM_CODES order.
 * A rule that needs a value the schema already rejected is skipped, so one mistake is reported once.
 */
import { Errors, ValueErrorType, type ValueError } from "@sinclair/typebox/errors";
import { Value } from "@sinclair/typebox/value";
import type { TSchema } from "@sinclair/typebox";
import { GRADES, REQUIRED_SUBJECTS, subjectByCode } from "../catalog/subjects";
import { HocbaError } from "../errors";
import { isCitizenIdProvince, parseCitizenId } from "./cccd";
import { isCalendarDate, isCalendarDateTime } from "./dates";
import { PROBLEM_CODES, type Problem, type ProblemCode } from "./problems";
import {
  COMMENT_RESULTS,
  DATE_PATTERN,
  DATETIME_PATTERN,
  GRADUATION_TYPE,
  GraduationSchema,
  LEVELS,
  RESULTS,
  SchoolYearSchema,
  TRANSCRIPT_TYPE,
  TranscriptSchema,
  type Graduation,
  type HocbaDocument,
  type Level,
  type SchoolSubject,
  type Transcript,
} from "./schema";
import { isNfc, textProblem } from "./text";
import { hasOneDecimalAtMost, learningResult, yearAverage } from "./tt22";

export interface ValidationOptions {
  /** Digits in a student code: an exact count or an inclusive [min, max] range. Default 10. */
  studentCodeLength?: number | readonly [number, number];
  /** Require every compulsory subject of the level in every year (REQUIRED_SUBJECTS). Default true. */
  requireCompulsorySubjects?: boolean;
  /**
   * Whether a value matches a TypeBox schema. Default TypeBox's interpreted `Value.Check`; the
   * service passes TypeBox's compiled checker (some 20× faster, but compiled with `new Function`,
   * which a page's Content-Security-Policy may forbid). Only when it answers false does TypeBox
   * list the errors, so the problems reported are the same either way.
   */
  schemaCheck?: (schema: TSchema, value: unknown) => boolean;
  /**
   * JSON pointers of parts the holder withheld (core/documents/disclosure.ts): a withheld student
   * field is not missing, and with a school year withheld the order of the years shown is not
   * checked (neighbours in the view need not be neighbours in the transcript).
   */
  withheld?: readonly string[];
}

export type ValidationResult<T> = { ok: true; document: T } | { ok: false; problems: Problem[] };

/** Thông tư 31/2023 took effect on this day: diplomas recognised from then on carry no classification. */
export const CLASSIFICATION_ABOLISHED_ON = "2024-02-15";

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Collects problems for one document. */
class Report {
  readonly problems: Problem[] = [];

  add(path: string, code: ProblemCode, message: string): void {
    this.problems.push({ path, code, message });
  }

  /** True when some problem sits at `path` or below it. */
  hasAt(path: string): boolean {
    return this.problems.some((p) => p.path === path || p.path.startsWith(path + "/"));
  }
}

// ---------------------------------------------------------------------------------------------
// Structure: TypeBox errors → problems
// ---------------------------------------------------------------------------------------------

const TYPE_ERRORS = new Set<ValueErrorType>([
  ValueErrorType.Array,
  ValueErrorType.Boolean,
  ValueErrorType.Null,
  ValueErrorType.Number,
  ValueErrorType.Object,
  ValueErrorType.String,
]);

function structuralCode(error: ValueError): ProblemCode {
  if (error.type === ValueErrorType.ObjectAdditionalProperties) return "UNKNOWN_FIELD";
  if (error.type === ValueErrorType.ObjectRequiredProperty) return "MISSING_FIELD";
  const declared = (error.schema as { errorCode?: ProblemCode }).errorCode;
  if (TYPE_ERRORS.has(error.type)) return "WRONG_TYPE";
  if (error.type === ValueErrorType.Integer && typeof error.value !== "number") return "WRONG_TYPE";
  return declared ?? "WRONG_TYPE";
}

/** TypeBox's message with its first letter lowercased: a pattern it quotes keeps its case. */
const sentence = (message: string): string => message.charAt(0).toLowerCase() + message.slice(1);

function structuralMessage(code: ProblemCode, error: ValueError): string {
  switch (code) {
    case "UNKNOWN_FIELD":
      return "field is not part of the document format";
    case "MISSING_FIELD":
      return "required field is missing";
    case "WRONG_TYPE":
      return `wrong JSON type: ${sentence(error.message)}`;
    default:
      return `invalid value ${JSON.stringify(error.value)}: ${sentence(error.message)}`;
  }
}

function checkStructure(schema: TSchema, doc: unknown, options: ValidationOptions, report: Report): void {
  // Checking is much cheaper than listing errors: a valid document (nearly every one submitted)
  // is only checked, and the error list is built for the others.
  const check = options.schemaCheck ?? ((s: TSchema, value: unknown) => Value.Check(s, value));
  if (check(schema, doc)) return;
  const errors = [...Errors(schema, doc)];
  // A missing required field is also reported by TypeBox as a type error at the same path.
  const missing = new Set(
    errors.filter((e) => e.type === ValueErrorType.ObjectRequiredProperty).map((e) => e.path),
  );
  for (const error of errors) {
    const code = structuralCode(error);
    if (code !== "MISSING_FIELD" && missing.has(error.path)) continue;
    report.add(error.path, code, structuralMessage(code, error));
  }
}

// ---------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------

/** Whether every string of the value is NFC (checkNfc reports where, for a value that is not). */
function allNfc(value: unknown): boolean {
  if (typeof value === "string") return isNfc(value);
  if (Array.isArray(value)) return value.every(allNfc);
  if (isRecord(value)) {
    for (const key of Object.keys(value)) if (!allNfc(value[key])) return false;
  }
  return true;
}

/** Reports every string of the document that is not NFC, wherever it is (enum values included). */
function checkNfc(value: unknown, path: string, report: Report): void {
  if (typeof value === "string") {
    if (!isNfc(value)) report.add(path, "TEXT_NOT_NFC", "text is not in Unicode NFC form");
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => checkNfc(v, `${path}/${i}`, report));
  } else if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) checkNfc(v, `${path}/${escapePointer(k)}`, report);
  }
}

function escapePointer(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

const TEXT_MESSAGES = {
  TEXT_EMPTY: "text is empty",
  TEXT_UNTRIMMED: "text has leading, trailing or repeated spaces",
  TEXT_CONTROL_CHARACTER: "text contains a control character or line break",
} as const;

function checkText(
  value: unknown,
  path: string,
  report: Report,
  options: { allowEmpty?: boolean; multiline?: boolean } = {},
) {
  if (typeof value !== "string") return;
  const problem = textProblem(value, options);
  if (problem) report.add(path, problem, TEXT_MESSAGES[problem]);
}

function checkTexts(parent: unknown, base: string, keys: readonly string[], report: Report): void {
  if (!isRecord(parent)) return;
  for (const key of keys) checkText(parent[key], `${base}/${key}`, report);
}

// ---------------------------------------------------------------------------------------------
// Shared parts: identifiers, dates, student
// ---------------------------------------------------------------------------------------------

function stringAt(parent: unknown, key: string): string | undefined {
  return isRecord(parent) && typeof parent[key] === "string" ? parent[key] : undefined;
}

function numberAt(parent: unknown, key: string): number | undefined {
  return isRecord(parent) && typeof parent[key] === "number" ? parent[key] : undefined;
}

/** A date that passed the schema's pattern and is a real calendar day, or undefined. */
function realDate(value: string | undefined): string | undefined {
  return value !== undefined && isCalendarDate(value) ? value : undefined;
}

function checkDate(value: unknown, path: string, report: Report): void {
  if (typeof value === "string" && new RegExp(DATE_PATTERN).test(value) && !isCalendarDate(value)) {
    report.add(path, "DATE_INVALID", `${value} is not a calendar date`);
  }
}

/** Checks issuedAt is a real instant; returns its (local) date when it is. */
function checkIssuedAt(doc: Json, report: Report): string | undefined {
  const issuedAt = stringAt(doc, "issuedAt");
  if (issuedAt === undefined || !new RegExp(DATETIME_PATTERN).test(issuedAt)) return undefined;
  if (isCalendarDateTime(issuedAt)) return issuedAt.slice(0, 10);
  report.add("/issuedAt", "DATE_INVALID", `${issuedAt} is not a real date and time`);
  return undefined;
}

function checkSupersedes(doc: Json, report: Report): void {
  if (typeof doc.supersedes === "string" && doc.supersedes === doc.id) {
    report.add("/supersedes", "SUPERSEDES_SELF", "a document cannot supersede itself");
  }
}

function studentCodeBounds(option: ValidationOptions["studentCodeLength"]): [number, number] {
  const [min, max] = option === undefined ? [10, 10] : typeof option === "number" ? [option, option] : option;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max < min) {
    throw new HocbaError(
      "CONFIG_INVALID",
      `studentCodeLength must be a positive length or [min, max], got ${JSON.stringify(option)}`,
    );
  }
  return [min, max];
}

/** Checks the student block; returns the date of birth when it is a real date. */
function checkStudent(student: unknown, options: ValidationOptions, report: Report): string | undefined {
  if (!isRecord(student)) return undefined;
  checkTexts(student, "/student", ["fullName", "ethnicity", "placeOfBirth"], report);

  const [min, max] = studentCodeBounds(options.studentCodeLength);
  const code = student.studentCode;
  if (typeof code === "string" && !new RegExp(`^[0-9]{${min},${max}}$`).test(code)) {
    const length = min === max ? `${min}` : `${min}–${max}`;
    report.add("/student/studentCode", "STUDENT_CODE_FORMAT", `student code must be ${length} digits`);
  }

  checkDate(student.dateOfBirth, "/student/dateOfBirth", report);
  const dateOfBirth = realDate(stringAt(student, "dateOfBirth"));

  const citizenId = stringAt(student, "citizenId");
  const facts = citizenId === undefined ? undefined : parseCitizenId(citizenId);
  if (facts) {
    if (!isCitizenIdProvince(facts.province)) {
      report.add("/student/citizenId", "CCCD_PROVINCE", `province code ${facts.province} is outside 001–096`);
    }
    if (dateOfBirth !== undefined && facts.birthYear !== Number(dateOfBirth.slice(0, 4))) {
      report.add(
        "/student/citizenId",
        "CCCD_BIRTH_YEAR_MISMATCH",
        `citizen ID encodes birth year ${facts.birthYear}, date of birth is ${dateOfBirth}`,
      );
    }
    const gender = student.gender;
    if ((gender === "Nam" || gender === "Nữ") && facts.gender !== gender) {
      report.add(
        "/student/citizenId",
        "CCCD_GENDER_MISMATCH",
        `citizen ID encodes gender ${facts.gender}, stated ${gender}`,
      );
    }
  }
  return dateOfBirth;
}

function checkDateOfBirth(
  dateOfBirth: string | undefined,
  issuedOn: string | undefined,
  agesOk: (birthYear: number) => boolean,
  report: Report,
): void {
  if (dateOfBirth === undefined) return;
  const plausible =
    dateOfBirth >= "1900-01-01" &&
    (issuedOn === undefined || dateOfBirth <= issuedOn) &&
    agesOk(Number(dateOfBirth.slice(0, 4)));
  if (!plausible) {
    report.add(
      "/student/dateOfBirth",
      "DATE_OF_BIRTH_IMPLAUSIBLE",
      `date of birth ${dateOfBirth} does not fit the document`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Transcript: subjects and years
// ---------------------------------------------------------------------------------------------

const SCORE_FIELDS = ["term1", "term2", "year"] as const;

function isComment(value: unknown): value is (typeof COMMENT_RESULTS)[number] {
  return (COMMENT_RESULTS as readonly unknown[]).includes(value);
}

function isLevel(value: unknown): value is Level {
  return (LEVELS as readonly unknown[]).includes(value);
}

function checkSubjectValues(subject: Json, path: string, report: Report): void {
  const assessment = subject.assessment;
  if (assessment !== "score" && assessment !== "comment") return;
  let numbersOk = true;
  for (const field of SCORE_FIELDS) {
    const value = subject[field];
    const at = `${path}/${field}`;
    if (assessment === "score") {
      if (isComment(value)) {
        report.add(at, "SCORE_EXPECTED", `a scored subject needs a 0–10 score, not ${value}`);
        numbersOk = false;
      } else if (typeof value === "number") {
        if (value < 0 || value > 10) {
          report.add(at, "SCORE_RANGE", `score ${value} is outside 0–10`);
          numbersOk = false;
        } else if (!hasOneDecimalAtMost(value)) {
          report.add(at, "SCORE_PRECISION", `score ${value} has more than one decimal`);
          numbersOk = false;
        }
      } else numbersOk = false;
    } else if (typeof value === "number") {
      report.add(at, "COMMENT_EXPECTED", `a subject assessed by comment takes Đ or CĐ, not ${value}`);
    }
  }
  const { term1, term2, year } = subject;
  if (assessment === "score" && numbersOk && typeof term1 === "number" && typeof term2 === "number") {
    const expected = yearAverage(term1, term2);
    if (year !== expected) {
      report.add(
        `${path}/year`,
        "YEAR_AVERAGE_MISMATCH",
        `year average (${term1} + 2 × ${term2}) / 3 is ${expected}, not ${String(year)}`,
      );
    }
  }
  if (assessment === "comment" && isComment(term2) && isComment(year) && year !== term2) {
    report.add(
      `${path}/year`,
      "COMMENT_YEAR_MISMATCH",
      `the year result of a comment subject is the term-2 result ${term2}`,
    );
  }
}

function checkSubject(
  subject: unknown,
  path: string,
  level: Level | undefined,
  seen: Set<string>,
  report: Report,
): void {
  if (!isRecord(subject)) return;
  checkText(subject.name, `${path}/name`, report);
  const code = stringAt(subject, "code");
  if (code !== undefined) {
    if (seen.has(code))
      report.add(`${path}/code`, "SUBJECT_DUPLICATE", `subject ${code} appears twice in the year`);
    seen.add(code);
    const entry = subjectByCode(code);
    if (!entry) {
      report.add(`${path}/code`, "SUBJECT_UNKNOWN", `subject code ${code} is not in the catalogue`);
    } else {
      if (level !== undefined && !entry.levels.includes(level)) {
        report.add(`${path}/code`, "SUBJECT_LEVEL_MISMATCH", `${entry.name} is not a ${level} subject`);
      }
      const name = stringAt(subject, "name");
      if (
        name !== undefined &&
        name !== entry.name &&
        !(name.startsWith(`${entry.name} (`) && name.endsWith(")"))
      ) {
        report.add(
          `${path}/name`,
          "SUBJECT_NAME_MISMATCH",
          `subject ${code} is “${entry.name}”, not “${name}”`,
        );
      }
      const assessment = subject.assessment;
      if ((assessment === "score" || assessment === "comment") && assessment !== entry.assessment) {
        report.add(
          `${path}/assessment`,
          "ASSESSMENT_MISMATCH",
          `${entry.name} is assessed by ${entry.assessment}`,
        );
      }
    }
  }
  checkSubjectValues(subject, path, report);
}

function checkYearResult(year: Json, path: string, report: Report): void {
  const stated = year.academicResult;
  const subjects = year.subjects;
  if (!(RESULTS as readonly unknown[]).includes(stated) || !Array.isArray(subjects) || subjects.length === 0)
    return;
  // The result is derived only from subjects that are all valid; otherwise their problems say why.
  if (subjects.some((_, j) => report.hasAt(`${path}/subjects/${j}`))) return;
  const computed = learningResult(subjects as SchoolSubject[]);
  if (computed !== stated) {
    report.add(
      `${path}/academicResult`,
      "ACADEMIC_RESULT_MISMATCH",
      `the subjects give ${computed}, the year states ${String(stated)}`,
    );
  }
}

/** `YYYY-YYYY+1`. */
function isSchoolYear(value: string): boolean {
  return /^[0-9]{4}-[0-9]{4}$/.test(value) && Number(value.slice(5)) === Number(value.slice(0, 4)) + 1;
}

function isGrade(value: number | undefined): value is number {
  return Value.Check(SchoolYearSchema.properties.grade, value);
}

function checkYear(
  year: Json,
  path: string,
  level: Level | undefined,
  options: ValidationOptions,
  report: Report,
): void {
  checkTexts(year, path, ["className", "homeroomTeacher"], report);
  checkText(year.remarks, `${path}/remarks`, report, { allowEmpty: true, multiline: true });

  const schoolYear = stringAt(year, "schoolYear");
  if (schoolYear !== undefined && /^[0-9]{4}-[0-9]{4}$/.test(schoolYear) && !isSchoolYear(schoolYear)) {
    report.add(`${path}/schoolYear`, "SCHOOL_YEAR_FORMAT", `school year ${schoolYear} must be YYYY-YYYY+1`);
  }
  const grade = numberAt(year, "grade");
  const gradeOk = isGrade(grade);
  if (level !== undefined && gradeOk && !GRADES[level].includes(grade)) {
    report.add(`${path}/grade`, "GRADE_LEVEL_MISMATCH", `grade ${grade} is not taught at ${level}`);
  }
  if (level !== undefined && gradeOk && year.outcome === "graduated" && grade !== GRADES[level].at(-1)) {
    report.add(
      `${path}/outcome`,
      "OUTCOME_GRADE_MISMATCH",
      `only grade ${GRADES[level].at(-1)} ends in graduation at ${level}`,
    );
  }

  const subjects = year.subjects;
  if (!Array.isArray(subjects)) return;
  const seen = new Set<string>();
  subjects.forEach((s, j) => checkSubject(s, `${path}/subjects/${j}`, level, seen, report));
  if (level !== undefined && subjects.length > 0 && options.requireCompulsorySubjects !== false) {
    for (const group of REQUIRED_SUBJECTS[level]) {
      if (!group.some((c) => seen.has(c))) {
        report.add(
          `${path}/subjects`,
          "SUBJECT_MISSING",
          `compulsory subject ${group.join(" / ")} is missing`,
        );
      }
    }
  }
  checkYearResult(year, path, report);
}

interface YearKey {
  index: number;
  start: number;
  grade: number;
  outcome: unknown;
}

/** Order of school years and the grade each outcome leads to. */
function checkSequence(years: readonly unknown[], report: Report | undefined): YearKey[] {
  const keys: YearKey[] = [];
  years.forEach((year, index) => {
    const schoolYear = stringAt(year, "schoolYear");
    const grade = numberAt(year, "grade");
    if (schoolYear === undefined || !isSchoolYear(schoolYear) || !isGrade(grade)) return;
    keys.push({ index, start: Number(schoolYear.slice(0, 4)), grade, outcome: (year as Json).outcome });
  });
  for (let k = 1; report !== undefined && k < keys.length; k++) {
    const prev = keys[k - 1] as YearKey;
    const cur = keys[k] as YearKey;
    const path = `/years/${cur.index}`;
    // A year the schema rejected breaks the chain: compare only neighbours that are both readable.
    if (cur.index !== prev.index + 1) continue;
    if (cur.start <= prev.start) {
      report.add(
        `${path}/schoolYear`,
        "SCHOOL_YEAR_ORDER",
        "school years must be listed in increasing order, each once",
      );
    }
    const allowed =
      prev.outcome === "held-back"
        ? [prev.grade]
        : prev.outcome === "promoted"
          ? [prev.grade + 1]
          : prev.outcome === "summer-reassessment"
            ? [prev.grade, prev.grade + 1]
            : prev.outcome === "graduated"
              ? []
              : [cur.grade];
    if (!allowed.includes(cur.grade)) {
      report.add(
        `${path}/grade`,
        "GRADE_SEQUENCE",
        `grade ${cur.grade} cannot follow grade ${prev.grade} (${String(prev.outcome)})`,
      );
    }
  }
  return keys;
}

/** The amended Education Law ended the THCS diploma from this day: completion is confirmed on the transcript. */
export const COMPLETION_CONFIRMED_FROM = "2026-01-01";

/**
 * The principal's confirmation of THCS completion: on a THCS transcript whose last year is grade 9
 * with the outcome "graduated", dated from COMPLETION_CONFIRMED_FROM, not before 1 May of that
 * school year's end (results are final at the end of May) and not after the transcript's issue.
 */
function checkCompletion(
  doc: Json,
  level: Level | undefined,
  years: readonly unknown[],
  yearsWithheld: boolean,
  issuedOn: string | undefined,
  report: Report,
): void {
  const completion = doc.completion;
  if (!isRecord(completion)) return;
  checkTexts(completion, "/completion", ["principal"], report);
  checkDate(completion.date, "/completion/date", report);
  const date = realDate(stringAt(completion, "date"));
  const problem = (message: string) => report.add("/completion", "COMPLETION_INVALID", message);
  if (level !== undefined && level !== "THCS")
    return problem("only a THCS transcript carries the confirmation of lower-secondary completion");
  const last = years.at(-1);
  // With a school year withheld, the last year shown need not be the last year.
  if (!yearsWithheld && isRecord(last) && (last.grade !== 9 || last.outcome !== "graduated"))
    return problem(
      "completion is confirmed only when the last school year is grade 9 with the outcome graduated",
    );
  if (date === undefined) return;
  if (date < COMPLETION_CONFIRMED_FROM)
    return problem(
      `completion is confirmed on the transcript from ${COMPLETION_CONFIRMED_FROM}; earlier graduates have a THCS diploma`,
    );
  const schoolYear = stringAt(last, "schoolYear");
  if (
    !yearsWithheld &&
    schoolYear !== undefined &&
    isSchoolYear(schoolYear) &&
    date < `${schoolYear.slice(5)}-05-01`
  )
    return problem(`completion cannot be confirmed before the end of school year ${schoolYear}`);
  if (issuedOn !== undefined && date > issuedOn)
    problem(`completion is dated ${date}, after the transcript was issued (${issuedOn})`);
}

function checkTranscriptRules(doc: Json, options: ValidationOptions, report: Report): void {
  checkSupersedes(doc, report);
  const issuedOn = checkIssuedAt(doc, report);
  const school = doc.school;
  checkTexts(school, "/school", ["name"], report);
  const level = isRecord(school) && isLevel(school.level) ? school.level : undefined;
  const dateOfBirth = checkStudent(doc.student, options, report);

  const years = Array.isArray(doc.years) ? doc.years : [];
  years.forEach((year, i) => {
    if (isRecord(year)) checkYear(year, `/years/${i}`, level, options, report);
  });
  const yearsWithheld = (options.withheld ?? []).some((path) => path.startsWith("/years/"));
  checkCompletion(doc, level, years, yearsWithheld, issuedOn, report);
  const keys = checkSequence(years, yearsWithheld ? undefined : report);
  // Age at the start of each school year: grade + 5 is usual; allow 2 years early and 10 late.
  checkDateOfBirth(
    dateOfBirth,
    issuedOn,
    (birthYear) =>
      keys.every((k) => k.start - birthYear >= k.grade + 3 && k.start - birthYear <= k.grade + 15),
    report,
  );
}

// ---------------------------------------------------------------------------------------------
// Graduation
// ---------------------------------------------------------------------------------------------

function checkGraduationRules(doc: Json, options: ValidationOptions, report: Report): void {
  checkSupersedes(doc, report);
  const issuedOn = checkIssuedAt(doc, report);
  checkTexts(doc.district, "/district", ["name"], report);
  checkTexts(doc.decidedBy, "/decidedBy", ["name"], report);
  checkTexts(doc.decision, "/decision", ["number"], report);
  checkTexts(doc.school, "/school", ["name"], report);
  checkTexts(doc, "", ["diplomaSerial", "registryNumber"], report);
  const dateOfBirth = checkStudent(doc.student, options, report);

  const decision = doc.decision;
  checkDate(isRecord(decision) ? decision.date : undefined, "/decision/date", report);
  const decisionDate = realDate(stringAt(decision, "date"));
  const stated = numberAt(doc, "graduationYear");
  // A year the schema rejected is not compared with anything else.
  const graduationYear = Value.Check(GraduationSchema.properties.graduationYear, stated) ? stated : undefined;
  if (
    decisionDate !== undefined &&
    graduationYear !== undefined &&
    Number(decisionDate.slice(0, 4)) !== graduationYear
  ) {
    report.add(
      "/decision/date",
      "DECISION_YEAR_MISMATCH",
      `decision of ${decisionDate} does not fall in graduation year ${graduationYear}`,
    );
  }
  if (
    doc.classification !== undefined &&
    decisionDate !== undefined &&
    decisionDate >= CLASSIFICATION_ABOLISHED_ON
  ) {
    report.add(
      "/classification",
      "CLASSIFICATION_NOT_ALLOWED",
      "diplomas recognised under Thông tư 31/2023 (from 2024-02-15) carry no classification",
    );
  }
  // Grade 9 at the usual age 14–15; the earliest plausible is 12, as for transcripts.
  checkDateOfBirth(
    dateOfBirth,
    issuedOn,
    (birthYear) => graduationYear === undefined || graduationYear - birthYear >= 12,
    report,
  );
}

// ---------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------

function comparePaths(a: string, b: string): number {
  const as = a.split("/");
  const bs = b.split("/");
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    const x = as[i] as string;
    const y = bs[i] as string;
    if (x === y) continue;
    const nx = /^[0-9]+$/.test(x) ? Number(x) : NaN;
    const ny = /^[0-9]+$/.test(y) ? Number(y) : NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) return nx - ny;
    return x < y ? -1 : 1;
  }
  return as.length - bs.length;
}

function sortProblems(problems: Problem[]): Problem[] {
  return problems.sort(
    (p, q) => comparePaths(p.path, q.path) || PROBLEM_CODES.indexOf(p.code) - PROBLEM_CODES.indexOf(q.code),
  );
}

function validateWith<T>(
  schema: TSchema,
  rules: (doc: Json, options: ValidationOptions, report: Report) => void,
  doc: unknown,
  options: ValidationOptions,
): ValidationResult<T> {
  const report = new Report();
  if (!isRecord(doc)) {
    report.add("", "NOT_AN_OBJECT", "a document is a JSON object");
    return { ok: false, problems: report.problems };
  }
  checkStructure(schema, doc, options, report);
  // Building the JSON pointer of every value costs more than the check: only for a document
  // that has a string to report.
  if (!allNfc(doc)) checkNfc(doc, "", report);
  rules(doc, options, report);
  const withheld = options.withheld ?? [];
  const problems =
    withheld.length === 0
      ? report.problems
      : report.problems.filter(
          (problem) =>
            !(problem.code === "MISSING_FIELD" && withheld.includes(problem.path)) &&
            !(problem.code === "YEARS_EMPTY" && withheld.some((path) => path.startsWith("/years/"))),
        );
  if (problems.length > 0) return { ok: false, problems: sortProblems(problems) };
  return { ok: true, document: doc as T };
}

/**
 * Validates a `hocba.transcript/v1` document against its schema and the Thông tư 22 rules.
 *
 * @example
 * const result = validateTranscript(JSON.parse(text), { studentCodeLength: [8, 12] });
 * if (!result.ok) for (const p of result.problems) console.log(p.path, p.code, p.message);
 */
export function validateTranscript(
  doc: unknown,
  options: ValidationOptions = {},
): ValidationResult<Transcript> {
  return validateWith<Transcript>(TranscriptSchema, checkTranscriptRules, doc, options);
}

/** Validates a `hocba.graduation/v1` document (one THCS graduate, Thông tư 31/2023). */
export function validateGraduation(
  doc: unknown,
  options: ValidationOptions = {},
): ValidationResult<Graduation> {
  return validateWith<Graduation>(GraduationSchema, checkGraduationRules, doc, options);
}

/** Validates any hocba document, choosing the format by its `type` field. */
export function validateDocument(
  doc: unknown,
  options: ValidationOptions = {},
): ValidationResult<HocbaDocument> {
  if (!isRecord(doc))
    return {
      ok: false,
      problems: [{ path: "", code: "NOT_AN_OBJECT", message: "a document is a JSON object" }],
    };
  if (doc.type === TRANSCRIPT_TYPE) return validateTranscript(doc, options);
  if (doc.type === GRADUATION_TYPE) return validateGraduation(doc, options);
  const problem: Problem =
    doc.type === undefined
      ? { path: "/type", code: "MISSING_FIELD", message: "required field is missing" }
      : {
          path: "/type",
          code: "DOCUMENT_TYPE_INVALID",
          message: `unknown document type ${JSON.stringify(doc.type)}; expected ${TRANSCRIPT_TYPE} or ${GRADUATION_TYPE}`,
        };
  return { ok: false, problems: [problem] };
}

/** True when `doc` is a valid hocba document. */
export function isValidDocument(doc: unknown, options: ValidationOptions = {}): doc is HocbaDocument {
  return validateDocument(doc, options).ok;
}

/**
 * Returns the document when valid; otherwise throws HocbaError("SCHEMA_INVALID") whose `details`
 * is the full problem list.
 *
 * @example const doc = assertValidDocument(JSON.parse(text)); // throws on the first bad document
 */
export function assertValidDocument(doc: unknown, options: ValidationOptions = {}): HocbaDocument {
  const result = validateDocument(doc, options);
  if (result.ok) return result.document;
  const count = result.problems.length;
  const first = result.problems[0] as Problem;
  throw new HocbaError(
    "SCHEMA_INVALID",
    `document is not valid: ${count} problem${count === 1 ? "" : "s"}, first ${first.code} at ${first.path || "/"}`,
    { details: result.problems },
  );
}
