import { describe, expect, it } from "vitest";
import { HocbaError } from "../../../service/src/core/errors";
import { composeCitizenId } from "../../../service/src/core/documents/cccd";
import type { Transcript } from "../../../service/src/core/documents/schema";
import {
  assertValidDocument,
  isValidDocument,
  validateDocument,
  validateTranscript,
  type ValidationResult,
} from "../../../service/src/core/documents/validate";
import { learningResult } from "../../../service/src/core/documents/tt22";
import { makeTranscript, withExtra, withValue, without } from "../../helpers/fixtures";

/** The problems of a result as path + code pairs (messages are for people and may change). */
function problems(result: ValidationResult<unknown>): { path: string; code: string }[] {
  return result.ok ? [] : result.problems.map(({ path, code }) => ({ path, code }));
}

const base = makeTranscript({ seed: 42 });

/** Pointer to the subject `code` of year `year` in `doc`. */
function subject(doc: Transcript, year: number, code: string): string {
  const index = doc.years[year]?.subjects.findIndex((s) => s.code === code) ?? -1;
  if (index < 0) throw new Error(`no ${code} in year ${year}`);
  return `/years/${year}/subjects/${index}`;
}

const check = (doc: unknown, options = {}) => problems(validateTranscript(doc, options));

describe("a valid transcript", () => {
  it("is accepted and returned as it is", () => {
    expect(validateTranscript(base)).toEqual({ ok: true, document: base });
  });

  it("is accepted for a THPT school with its own subjects and grades 10–12", () => {
    const thpt = makeTranscript({ seed: 42, school: { level: "THPT" } });
    expect([thpt.years.map((y) => y.grade), validateTranscript(thpt)]).toEqual([
      [10, 11, 12],
      { ok: true, document: thpt },
    ]);
  });

  it("is accepted with a subject name that adds a precision in parentheses", () => {
    const doc = withValue(base, `${subject(base, 0, "NN1")}/name`, "Ngoại ngữ 1 (Tiếng Anh)");
    expect(check(doc)).toEqual([]);
  });

  it("is accepted with empty and multi-line remarks", () => {
    const doc = withValue(
      withValue(base, "/years/0/remarks", ""),
      "/years/1/remarks",
      "Chăm ngoan.\nHọc tốt.",
    );
    expect(check(doc)).toEqual([]);
  });

  it("is accepted with Nghệ thuật as one subject instead of Âm nhạc and Mĩ thuật", () => {
    const year = base.years[0] as Transcript["years"][number];
    const subjects = [
      ...year.subjects.filter((s) => s.code !== "AN" && s.code !== "MT"),
      { code: "NT", name: "Nghệ thuật", assessment: "comment", term1: "Đ", term2: "Đ", year: "Đ" },
    ];
    expect(check(withValue(base, "/years/0/subjects", subjects))).toEqual([]);
  });

  it("is accepted with a repeated grade after a held-back year", () => {
    const doc = makeTranscript({ seed: 3, grades: [6, 7, 7, 8] });
    expect([doc.years.map((y) => y.outcome).slice(0, 2), check(doc)]).toEqual([
      ["promoted", "held-back"],
      [],
    ]);
  });

  it("is accepted with a superseded document's id", () => {
    expect(check(withValue(base, "/supersedes", "0f8fad5b-d9cb-469f-a165-70867728950e"))).toEqual([]);
  });
});

describe("structure", () => {
  it("rejects anything that is not a JSON object", () => {
    expect([null, [], "doc", 42].map((v) => check(v))).toEqual(
      Array.from({ length: 4 }, () => [{ path: "", code: "NOT_AN_OBJECT" }]),
    );
  });

  it("rejects another document type", () => {
    expect(check(withValue(base, "/type", "hocba.transcript/v2"))).toEqual([
      { path: "/type", code: "DOCUMENT_TYPE_INVALID" },
    ]);
  });

  it("rejects unknown fields at every level", () => {
    let doc: unknown = withExtra(base, "", "signature", "x");
    doc = withExtra(doc, "/school", "address", "1 Lê Lợi");
    doc = withExtra(doc, "/student", "nickname", "Bé");
    doc = withExtra(doc, "/years/1", "rank", 1);
    doc = withExtra(doc, "/years/2/subjects/4", "teacher", "Cô Lan");
    expect(check(doc)).toEqual([
      { path: "/school/address", code: "UNKNOWN_FIELD" },
      { path: "/signature", code: "UNKNOWN_FIELD" },
      { path: "/student/nickname", code: "UNKNOWN_FIELD" },
      { path: "/years/1/rank", code: "UNKNOWN_FIELD" },
      { path: "/years/2/subjects/4/teacher", code: "UNKNOWN_FIELD" },
    ]);
  });

  it("reports each missing field once, at every level", () => {
    let doc: unknown = without(base, "/nonce");
    doc = without(doc, "/school/level");
    doc = without(doc, "/student/citizenId");
    doc = without(doc, "/years/0/daysAbsent");
    doc = without(doc, "/years/1/subjects/0/term2");
    expect(check(doc)).toEqual([
      { path: "/nonce", code: "MISSING_FIELD" },
      { path: "/school/level", code: "MISSING_FIELD" },
      { path: "/student/citizenId", code: "MISSING_FIELD" },
      { path: "/years/0/daysAbsent", code: "MISSING_FIELD" },
      { path: "/years/1/subjects/0/term2", code: "MISSING_FIELD" },
    ]);
  });

  it("reports values of the wrong JSON type", () => {
    let doc: unknown = withValue(base, "/years/1/grade", "7");
    doc = withValue(doc, "/years/0/daysAbsent", "2");
    doc = withValue(doc, "/student/fullName", 42);
    doc = withValue(doc, "/school", []);
    expect(check(doc)).toEqual([
      { path: "/school", code: "WRONG_TYPE" },
      { path: "/student/fullName", code: "WRONG_TYPE" },
      { path: "/years/0/daysAbsent", code: "WRONG_TYPE" },
      { path: "/years/1/grade", code: "WRONG_TYPE" },
    ]);
  });

  it("rejects a transcript without school years", () => {
    expect(check(withValue(base, "/years", []))).toEqual([{ path: "/years", code: "YEARS_EMPTY" }]);
  });

  it("rejects a school year without subjects", () => {
    expect(check(withValue(base, "/years/2/subjects", []))).toEqual([
      { path: "/years/2/subjects", code: "SUBJECTS_EMPTY" },
    ]);
  });
});

describe("identifiers", () => {
  it.each([["B7C1E6A2-0D8E-483E-A535-4DBDDB823448"], ["b7c1e6a2-0d8e-483e-a535"], ["not-a-uuid"]])(
    "rejects the id %s",
    (id) => {
      expect(check(withValue(base, "/id", id))).toEqual([{ path: "/id", code: "UUID_FORMAT" }]);
    },
  );

  it("rejects a supersedes that is not a UUID or null", () => {
    expect([check(withValue(base, "/supersedes", "x")), check(withValue(base, "/supersedes", 7))]).toEqual([
      [{ path: "/supersedes", code: "UUID_FORMAT" }],
      [{ path: "/supersedes", code: "UUID_FORMAT" }],
    ]);
  });

  it("rejects a document that supersedes itself", () => {
    expect(check(withValue(base, "/supersedes", base.id))).toEqual([
      { path: "/supersedes", code: "SUPERSEDES_SELF" },
    ]);
  });

  it.each([
    ["RqHFvbYv2OeLeBJ_5Kxrc"],
    ["RqHFvbYv2OeLeBJ_5KxrcB"],
    ["RqHFvbYv2OeLeBJ+5KxrcQ"],
    ["RqHFvbYv2OeLeBJ_5KxrcQ=="],
  ])("rejects the nonce %s (not 128 bits in unpadded base64url)", (nonce) => {
    expect(check(withValue(base, "/nonce", nonce))).toEqual([{ path: "/nonce", code: "NONCE_FORMAT" }]);
  });

  it("rejects a school code that is not short and alphanumeric", () => {
    expect(check(withValue(base, "/school/code", "79-000701"))).toEqual([
      { path: "/school/code", code: "CODE_FORMAT" },
    ]);
  });

  it("quotes the pattern a value must match with its letters' case kept", () => {
    const result = validateTranscript(withValue(base, "/school/code", "79-000701"));
    expect(result.ok ? [] : result.problems).toEqual([
      {
        path: "/school/code",
        code: "CODE_FORMAT",
        message: "invalid value \"79-000701\": expected string to match '^[0-9A-Za-z]{2,20}$'",
      },
    ]);
  });

  it.each([["00"], ["97"], ["7"], ["079"]])("rejects the school province %s", (province) => {
    expect(check(withValue(base, "/school/province", province))).toEqual([
      { path: "/school/province", code: "PROVINCE_INVALID" },
    ]);
  });

  it("rejects an unknown school level", () => {
    expect(check(withValue(base, "/school/level", "THPTQG"))).toEqual([
      { path: "/school/level", code: "LEVEL_INVALID" },
    ]);
  });

  it("requires a 10-digit student code by default", () => {
    expect([
      check(withValue(base, "/student/studentCode", "790012345")),
      check(withValue(base, "/student/studentCode", "79001234a5")),
    ]).toEqual([
      [{ path: "/student/studentCode", code: "STUDENT_CODE_FORMAT" }],
      [{ path: "/student/studentCode", code: "STUDENT_CODE_FORMAT" }],
    ]);
  });

  it("takes the student code length, or a range of lengths, as an option", () => {
    const twelve = withValue(base, "/student/studentCode", "790012345678");
    expect([
      check(twelve, { studentCodeLength: 12 }),
      check(twelve, { studentCodeLength: [8, 12] }),
      check(base, { studentCodeLength: 12 }),
    ]).toEqual([[], [], [{ path: "/student/studentCode", code: "STUDENT_CODE_FORMAT" }]]);
  });

  it("refuses a student code length option that makes no sense", () => {
    expect(() => validateTranscript(base, { studentCodeLength: [12, 8] })).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID" }),
    );
  });
});

describe("citizen ID (CCCD)", () => {
  it.each([["07431005020"], ["0743100502011"], ["07431005020A"]])("rejects %s as not 12 digits", (id) => {
    expect(check(withValue(base, "/student/citizenId", id))).toEqual([
      { path: "/student/citizenId", code: "CCCD_FORMAT" },
    ]);
  });

  it.each([["000"], ["097"]])("rejects the province code %s", (province) => {
    const id = composeCitizenId(province, 2010, "Nữ", "050201");
    expect(check(withValue(base, "/student/citizenId", id))).toEqual([
      { path: "/student/citizenId", code: "CCCD_PROVINCE" },
    ]);
  });

  it("rejects a CCCD whose year of birth differs from the date of birth", () => {
    const id = composeCitizenId("074", 2011, "Nữ", "050201");
    expect(check(withValue(base, "/student/citizenId", id))).toEqual([
      { path: "/student/citizenId", code: "CCCD_BIRTH_YEAR_MISMATCH" },
    ]);
  });

  it("rejects a CCCD whose century digit differs from the date of birth", () => {
    const id = composeCitizenId("074", 1910, "Nữ", "050201");
    expect(check(withValue(base, "/student/citizenId", id))).toEqual([
      { path: "/student/citizenId", code: "CCCD_BIRTH_YEAR_MISMATCH" },
    ]);
  });

  it("rejects a CCCD whose gender digit differs from the stated gender", () => {
    expect(check(withValue(base, "/student/gender", "Nam"))).toEqual([
      { path: "/student/citizenId", code: "CCCD_GENDER_MISMATCH" },
    ]);
  });
});

describe("dates", () => {
  it("rejects a date of birth that is not written YYYY-MM-DD", () => {
    expect(check(withValue(base, "/student/dateOfBirth", "07/06/2010"))).toEqual([
      { path: "/student/dateOfBirth", code: "DATE_FORMAT" },
    ]);
  });

  it("rejects a date of birth that does not exist", () => {
    expect(check(withValue(base, "/student/dateOfBirth", "2010-02-30"))).toEqual([
      { path: "/student/dateOfBirth", code: "DATE_INVALID" },
    ]);
  });

  it.each([
    ["2019-03-01", "too young for grade 6 in 2021-2022"],
    ["1995-03-01", "too old for grade 6 in 2021-2022"],
  ])("rejects the date of birth %s as implausible (%s)", (dateOfBirth) => {
    const doc = makeTranscript({ seed: 42, student: { dateOfBirth } });
    expect(check(doc)).toEqual([{ path: "/student/dateOfBirth", code: "DATE_OF_BIRTH_IMPLAUSIBLE" }]);
  });

  it("rejects a date of birth after the document was issued", () => {
    const doc = makeTranscript({
      seed: 42,
      grades: [6],
      startYear: 2021,
      student: { dateOfBirth: "2010-06-07" },
    });
    expect(check(withValue(doc, "/issuedAt", "2010-06-01T08:00:00+07:00"))).toEqual([
      { path: "/student/dateOfBirth", code: "DATE_OF_BIRTH_IMPLAUSIBLE" },
    ]);
  });

  it.each([["2025-06-21T12:02:00"], ["2025-06-21 12:02:00+07:00"], ["2025-06-21"], ["21/06/2025 12:02"]])(
    "rejects issuedAt %s (not ISO-8601 with an offset)",
    (issuedAt) => {
      expect(check(withValue(base, "/issuedAt", issuedAt))).toEqual([
        { path: "/issuedAt", code: "DATETIME_FORMAT" },
      ]);
    },
  );

  it.each([["2025-02-29T08:00:00+07:00"], ["2025-06-21T24:00:00+07:00"], ["2025-06-21T08:00:00+19:00"]])(
    "rejects issuedAt %s (not a real instant)",
    (issuedAt) => {
      expect(check(withValue(base, "/issuedAt", issuedAt))).toEqual([
        { path: "/issuedAt", code: "DATE_INVALID" },
      ]);
    },
  );

  it("accepts issuedAt in UTC with fractional seconds", () => {
    expect(check(withValue(base, "/issuedAt", "2025-06-21T05:02:00.250Z"))).toEqual([]);
  });
});

describe("enumerations", () => {
  it("rejects values outside each enumeration", () => {
    let doc: unknown = withValue(base, "/years/0/academicResult", "Giỏi");
    doc = withValue(doc, "/years/0/conductResult", "Trung bình");
    doc = withValue(doc, "/years/0/outcome", "passed");
    doc = withValue(doc, `${subject(base, 0, "TOAN")}/assessment`, "grade");
    expect(check(doc)).toEqual([
      { path: "/years/0/academicResult", code: "ACADEMIC_RESULT_INVALID" },
      { path: "/years/0/conductResult", code: "CONDUCT_RESULT_INVALID" },
      { path: "/years/0/outcome", code: "OUTCOME_INVALID" },
      { path: "/years/0/subjects/1/assessment", code: "ASSESSMENT_INVALID" },
    ]);
  });

  it.each([["Nu"], ["nữ"], ["Female"]])("rejects the gender %s", (gender) => {
    expect(check(withValue(base, "/student/gender", gender))).toEqual([
      { path: "/student/gender", code: "GENDER_INVALID" },
    ]);
  });

  it("rejects a decomposed gender as both unknown and not NFC", () => {
    expect(check(withValue(base, "/student/gender", "Nữ".normalize("NFD")))).toEqual([
      { path: "/student/gender", code: "GENDER_INVALID" },
      { path: "/student/gender", code: "TEXT_NOT_NFC" },
    ]);
  });
});

describe("text", () => {
  it("rejects names that are not NFC, wherever they are", () => {
    let doc: unknown = withValue(base, "/student/fullName", base.student.fullName.normalize("NFD"));
    doc = withValue(doc, "/school/name", base.school.name.normalize("NFD"));
    doc = withValue(doc, "/years/3/homeroomTeacher", base.years[3]?.homeroomTeacher.normalize("NFD"));
    expect(check(doc)).toEqual([
      { path: "/school/name", code: "TEXT_NOT_NFC" },
      { path: "/student/fullName", code: "TEXT_NOT_NFC" },
      { path: "/years/3/homeroomTeacher", code: "TEXT_NOT_NFC" },
    ]);
  });

  it("rejects empty, untrimmed and control-character text", () => {
    let doc: unknown = withValue(base, "/student/fullName", " Nguyễn Hồng Nga");
    doc = withValue(doc, "/student/placeOfBirth", "   ");
    doc = withValue(doc, "/student/ethnicity", "");
    doc = withValue(doc, "/years/0/className", "6A5\n");
    doc = withValue(doc, "/years/1/homeroomTeacher", "Trần  Thị Lan");
    doc = withValue(doc, "/years/2/remarks", "Tốt.\u0000");
    expect(check(doc)).toEqual([
      { path: "/student/ethnicity", code: "TEXT_EMPTY" },
      { path: "/student/fullName", code: "TEXT_UNTRIMMED" },
      { path: "/student/placeOfBirth", code: "TEXT_EMPTY" },
      { path: "/years/0/className", code: "TEXT_CONTROL_CHARACTER" },
      { path: "/years/1/homeroomTeacher", code: "TEXT_UNTRIMMED" },
      { path: "/years/2/remarks", code: "TEXT_CONTROL_CHARACTER" },
    ]);
  });
});

describe("school years", () => {
  it.each([["2023-2025"], ["2024-2023"]])("rejects the school year %s (not YYYY-YYYY+1)", (schoolYear) => {
    expect(check(withValue(base, "/years/3/schoolYear", schoolYear))).toEqual([
      { path: "/years/3/schoolYear", code: "SCHOOL_YEAR_FORMAT" },
    ]);
  });

  it("rejects a school year written another way", () => {
    expect(check(withValue(base, "/years/3/schoolYear", "2024/2025"))).toEqual([
      { path: "/years/3/schoolYear", code: "SCHOOL_YEAR_FORMAT" },
    ]);
  });

  it("rejects a school year listed twice or out of order", () => {
    expect(check(withValue(base, "/years/2/schoolYear", "2022-2023"))).toEqual([
      { path: "/years/2/schoolYear", code: "SCHOOL_YEAR_ORDER" },
    ]);
  });

  it.each([[5], [13], [7.5]])("rejects the grade %s", (grade) => {
    const doc = makeTranscript({ seed: 42, grades: [6] });
    expect(check(withValue(doc, "/years/0/grade", grade))).toEqual([
      { path: "/years/0/grade", code: "GRADE_INVALID" },
    ]);
  });

  it("rejects grades that do not belong to the school's level", () => {
    const doc = makeTranscript({ seed: 42, grades: [10, 11] });
    expect(check(doc)).toEqual([
      { path: "/years/0/grade", code: "GRADE_LEVEL_MISMATCH" },
      { path: "/years/1/grade", code: "GRADE_LEVEL_MISMATCH" },
    ]);
  });

  it("rejects a grade that does not follow from the previous year's outcome", () => {
    const doc = makeTranscript({ seed: 42, grades: [6, 7, 8] });
    expect([
      check(withValue(doc, "/years/1/grade", 8)),
      check(withValue(doc, "/years/0/outcome", "held-back")),
      check(withValue(doc, "/years/0/outcome", "summer-reassessment")),
    ]).toEqual([
      [
        { path: "/years/1/grade", code: "GRADE_SEQUENCE" },
        { path: "/years/2/grade", code: "GRADE_SEQUENCE" },
      ],
      [{ path: "/years/1/grade", code: "GRADE_SEQUENCE" }],
      [],
    ]);
  });

  it("rejects a school year after graduation", () => {
    const doc = makeTranscript({ seed: 42, grades: [9, 9] });
    expect(check(withValue(doc, "/years/0/outcome", "graduated"))).toEqual([
      { path: "/years/1/grade", code: "GRADE_SEQUENCE" },
    ]);
  });

  it("rejects graduation from a grade that does not end the level", () => {
    const doc = makeTranscript({ seed: 42, grades: [8] });
    expect(check(withValue(doc, "/years/0/outcome", "graduated"))).toEqual([
      { path: "/years/0/outcome", code: "OUTCOME_GRADE_MISMATCH" },
    ]);
  });

  it.each([[-1], [1.5]])("rejects %s days absent", (days) => {
    expect(check(withValue(base, "/years/0/daysAbsent", days))).toEqual([
      { path: "/years/0/daysAbsent", code: "DAYS_ABSENT_INVALID" },
    ]);
  });
});

describe("subjects", () => {
  const toan = subject(base, 0, "TOAN");
  const gdtc = subject(base, 0, "GDTC");
  const year0 = base.years[0] as Transcript["years"][number];
  const extra = (code: string, name: string) =>
    withValue(base, "/years/0/subjects", [
      ...year0.subjects,
      { code, name, assessment: "score", term1: 8, term2: 8, year: 8 },
    ]);

  it("rejects a subject code that is not in the catalogue", () => {
    expect(check(extra("XYZ", "Thiên văn"))).toEqual([
      { path: "/years/0/subjects/13/code", code: "SUBJECT_UNKNOWN" },
    ]);
  });

  it("rejects a THPT subject in a THCS transcript", () => {
    expect(check(extra("VL", "Vật lí"))).toEqual([
      { path: "/years/0/subjects/13/code", code: "SUBJECT_LEVEL_MISMATCH" },
    ]);
  });

  it("rejects a subject listed twice in a year", () => {
    expect(check(extra("TOAN", "Toán"))).toEqual([
      { path: "/years/0/subjects/13/code", code: "SUBJECT_DUPLICATE" },
    ]);
  });

  it("rejects a subject name that is not the catalogue's", () => {
    expect(check(withValue(base, `${toan}/name`, "Toán học"))).toEqual([
      { path: `${toan}/name`, code: "SUBJECT_NAME_MISMATCH" },
    ]);
  });

  it("rejects a year without a compulsory subject, unless told not to", () => {
    const withoutGddp = without(base, subject(base, 1, "GDDP"));
    let withoutArts: unknown = without(base, subject(base, 1, "MT"));
    withoutArts = without(withoutArts, subject(base, 1, "AN"));
    expect([
      check(withoutGddp),
      check(withoutArts),
      check(withoutGddp, { requireCompulsorySubjects: false }),
    ]).toEqual([
      [{ path: "/years/1/subjects", code: "SUBJECT_MISSING" }],
      [{ path: "/years/1/subjects", code: "SUBJECT_MISSING" }],
      [],
    ]);
  });

  it("rejects a subject assessed otherwise than the catalogue says", () => {
    let doc: unknown = withValue(base, `${gdtc}/assessment`, "score");
    for (const field of ["term1", "term2", "year"]) doc = withValue(doc, `${gdtc}/${field}`, 8);
    expect(check(doc)).toEqual([{ path: `${gdtc}/assessment`, code: "ASSESSMENT_MISMATCH" }]);
  });

  it("rejects a result that is neither a number nor Đ / CĐ", () => {
    expect([
      check(withValue(base, `${toan}/term1`, "A")),
      check(withValue(base, `${gdtc}/term2`, true)),
    ]).toEqual([
      [{ path: `${toan}/term1`, code: "SUBJECT_RESULT_INVALID" }],
      [{ path: `${gdtc}/term2`, code: "SUBJECT_RESULT_INVALID" }],
    ]);
  });

  it("rejects Đ / CĐ for a scored subject and a number for a comment subject", () => {
    let doc: unknown = withValue(base, `${toan}/term1`, "Đ");
    doc = withValue(doc, `${gdtc}/term1`, 9);
    expect(check(doc)).toEqual([
      { path: `${toan}/term1`, code: "SCORE_EXPECTED" },
      { path: `${gdtc}/term1`, code: "COMMENT_EXPECTED" },
    ]);
  });

  it.each([[10.5], [-1]])("rejects the score %s as outside 0–10", (score) => {
    expect(check(withValue(base, `${toan}/term2`, score))).toEqual([
      { path: `${toan}/term2`, code: "SCORE_RANGE" },
    ]);
  });

  it.each([[8.25], [7.05]])("rejects the score %s as having more than one decimal", (score) => {
    expect(check(withValue(base, `${toan}/term1`, score))).toEqual([
      { path: `${toan}/term1`, code: "SCORE_PRECISION" },
    ]);
  });

  it("rejects a year average that is not (term 1 + 2 × term 2) / 3 to one decimal", () => {
    const year0 = base.years[0] as Transcript["years"][number];
    const subjects = year0.subjects.map((s) =>
      s.code === "TOAN" ? { ...s, term1: 8.5, term2: 9.0, year: 8.8 } : s,
    );
    const stated = learningResult(subjects);
    const doc = withValue(withValue(base, "/years/0/subjects", subjects), "/years/0/academicResult", stated);
    expect([
      check(doc),
      check(withValue(doc, `${toan}/year`, 8.9)),
      check(withValue(doc, `${toan}/year`, 8.83)),
    ]).toEqual([
      [],
      [{ path: `${toan}/year`, code: "YEAR_AVERAGE_MISMATCH" }],
      [{ path: `${toan}/year`, code: "SCORE_PRECISION" }],
    ]);
  });

  it("rejects a comment subject whose year result is not its term-2 result", () => {
    let doc: unknown = withValue(base, `${gdtc}/term2`, "Đ");
    doc = withValue(doc, `${gdtc}/year`, "CĐ");
    expect(check(doc)).toEqual([{ path: `${gdtc}/year`, code: "COMMENT_YEAR_MISMATCH" }]);
  });
});

describe("learning result", () => {
  /** A year whose eight scored subjects have the given year averages (terms equal to it). */
  function yearWithScores(scores: number[], comments: ("Đ" | "CĐ")[] = ["Đ", "Đ", "Đ", "Đ", "Đ"]) {
    const year = base.years[0] as Transcript["years"][number];
    let s = 0;
    let c = 0;
    return year.subjects.map((subj) =>
      subj.assessment === "score"
        ? { ...subj, term1: scores[s], term2: scores[s], year: scores[s++] }
        : { ...subj, term1: "Đ", term2: comments[c], year: comments[c++] },
    );
  }
  const withYear = (subjects: unknown, stated: string) =>
    withValue(withValue(base, "/years/0/subjects", subjects), "/years/0/academicResult", stated);

  it("accepts a stated result that agrees with the subjects", () => {
    expect([
      check(withYear(yearWithScores([8, 8, 8, 8, 8, 8, 6.5, 6.5]), "Tốt")),
      check(withYear(yearWithScores([8, 8, 8, 8, 8, 7.9, 6.5, 6.5]), "Khá")),
      check(withYear(yearWithScores([9, 9, 9, 9, 9, 9, 9, 9], ["CĐ", "Đ", "Đ", "Đ", "Đ"]), "Đạt")),
      check(withYear(yearWithScores([9, 9, 9, 9, 9, 9, 9, 3.4]), "Chưa đạt")),
    ]).toEqual([[], [], [], []]);
  });

  it("rejects a stated result that contradicts the subjects", () => {
    const result = validateTranscript(withYear(yearWithScores([9, 9, 9, 9, 9, 9, 9, 3.4]), "Tốt"));
    expect(result).toEqual({
      ok: false,
      problems: [
        {
          path: "/years/0/academicResult",
          code: "ACADEMIC_RESULT_MISMATCH",
          message: "the subjects give Chưa đạt, the year states Tốt",
        },
      ],
    });
  });

  it("does not judge the result of a year whose subjects are themselves invalid", () => {
    const doc = withValue(
      withYear(yearWithScores([9, 9, 9, 9, 9, 9, 9, 9]), "Chưa đạt"),
      `${toanPath()}/term1`,
      9.55,
    );
    expect(check(doc)).toEqual([{ path: `${toanPath()}/term1`, code: "SCORE_PRECISION" }]);
  });

  function toanPath() {
    return subject(base, 0, "TOAN");
  }
});

describe("several problems", () => {
  it("are all reported, in path order", () => {
    let doc: unknown = withExtra(base, "/student", "nickname", "Bé");
    doc = withValue(doc, "/student/citizenId", "0743100502");
    doc = withValue(doc, "/student/fullName", "Nguyễn Hồng Nga".normalize("NFD"));
    doc = withValue(doc, "/years/0/subjects/3/term1", 7.25);
    doc = withValue(doc, "/years/2/schoolYear", "2023-2025");
    doc = withValue(doc, "/years/1/daysAbsent", -3);
    doc = without(doc, "/issuedAt");
    expect(check(doc)).toEqual([
      { path: "/issuedAt", code: "MISSING_FIELD" },
      { path: "/student/citizenId", code: "CCCD_FORMAT" },
      { path: "/student/fullName", code: "TEXT_NOT_NFC" },
      { path: "/student/nickname", code: "UNKNOWN_FIELD" },
      { path: "/years/0/subjects/3/term1", code: "SCORE_PRECISION" },
      { path: "/years/1/daysAbsent", code: "DAYS_ABSENT_INVALID" },
      { path: "/years/2/schoolYear", code: "SCHOOL_YEAR_FORMAT" },
    ]);
  });
});

describe("validateDocument and assertValidDocument", () => {
  it("dispatch on the type field", () => {
    expect([
      validateDocument(base),
      problems(validateDocument(withValue(base, "/type", "hocba.diploma/v1"))),
      problems(validateDocument(without(base, "/type"))),
      problems(validateDocument("x")),
    ]).toEqual([
      { ok: true, document: base },
      [{ path: "/type", code: "DOCUMENT_TYPE_INVALID" }],
      [{ path: "/type", code: "MISSING_FIELD" }],
      [{ path: "", code: "NOT_AN_OBJECT" }],
    ]);
  });

  it("returns a valid document and throws SCHEMA_INVALID with every problem otherwise", () => {
    const bad = withValue(withValue(base, "/nonce", "x"), "/student/gender", "Nu");
    let thrown: unknown;
    try {
      assertValidDocument(bad);
    } catch (error) {
      thrown = error;
    }
    expect([assertValidDocument(base), isValidDocument(base), isValidDocument(bad)]).toEqual([
      base,
      true,
      false,
    ]);
    expect(thrown).toBeInstanceOf(HocbaError);
    expect((thrown as HocbaError).toJSON()).toEqual({
      code: "SCHEMA_INVALID",
      message: "document is not valid: 2 problems, first NONCE_FORMAT at /nonce",
      details: [
        { path: "/nonce", code: "NONCE_FORMAT", message: expect.any(String) as string },
        { path: "/student/gender", code: "GENDER_INVALID", message: expect.any(String) as string },
      ],
    });
  });
});

describe("the principal's confirmation of lower-secondary completion", () => {
  // Grade 9 in 2025-2026, issued in June 2026: the first year without a THCS diploma.
  const graduate = makeTranscript({ seed: 43, startYear: 2022, issuedAt: "2026-06-10T08:00:00+07:00" });
  const confirmed = { ...graduate, completion: { date: "2026-06-05", principal: "Nguyễn Văn Hùng" } };
  const messages = (doc: unknown) =>
    ((r) => (r.ok ? [] : r.problems.map(({ path, code, message }) => ({ path, code, message }))))(
      validateTranscript(doc),
    );

  it("is accepted on a THCS transcript whose last year is grade 9, graduated, dated from 2026 before the issue", () => {
    expect(graduate.years.at(-1)).toEqual(
      expect.objectContaining({ schoolYear: "2025-2026", grade: 9, outcome: "graduated" }),
    );
    expect(validateTranscript(confirmed)).toEqual({ ok: true, document: confirmed });
  });

  it("is refused before 2026, before the end of the last school year, after the issue, and without a graduated grade 9", () => {
    const heldBack = withValue(confirmed, `/years/${confirmed.years.length - 1}/outcome`, "held-back");
    expect(
      [
        makeTranscript({ seed: 44 }),
        { ...confirmed, completion: { ...confirmed.completion, date: "2026-04-30" } },
        { ...confirmed, completion: { ...confirmed.completion, date: "2026-06-11" } },
        heldBack,
      ].map((doc, i) =>
        messages(
          i === 0 ? { ...doc, completion: { date: "2025-06-01", principal: "Lê Thị Mai" } } : doc,
        ).filter((p) => p.code === "COMPLETION_INVALID"),
      ),
    ).toEqual([
      [
        {
          path: "/completion",
          code: "COMPLETION_INVALID",
          message:
            "completion is confirmed on the transcript from 2026-01-01; earlier graduates have a THCS diploma",
        },
      ],
      [
        {
          path: "/completion",
          code: "COMPLETION_INVALID",
          message: "completion cannot be confirmed before the end of school year 2025-2026",
        },
      ],
      [
        {
          path: "/completion",
          code: "COMPLETION_INVALID",
          message: "completion is dated 2026-06-11, after the transcript was issued (2026-06-10)",
        },
      ],
      [
        {
          path: "/completion",
          code: "COMPLETION_INVALID",
          message:
            "completion is confirmed only when the last school year is grade 9 with the outcome graduated",
        },
      ],
    ]);
  });

  it("is refused on a THPT transcript, with an empty principal, an unreal date and an unknown member", () => {
    const thpt = makeTranscript({
      seed: 45,
      school: { level: "THPT" },
      startYear: 2023,
      issuedAt: "2026-06-10T08:00:00+07:00",
    });
    expect([
      check({ ...thpt, completion: { date: "2026-06-05", principal: "Trần Văn Bình" } }),
      check({ ...confirmed, completion: { date: "2026-02-30", principal: "" } }),
      check({ ...confirmed, completion: { ...confirmed.completion, seal: true } }),
    ]).toEqual([
      [{ path: "/completion", code: "COMPLETION_INVALID" }],
      [
        { path: "/completion/date", code: "DATE_INVALID" },
        { path: "/completion/principal", code: "TEXT_EMPTY" },
      ],
      [{ path: "/completion/seal", code: "UNKNOWN_FIELD" }],
    ]);
  });
});
