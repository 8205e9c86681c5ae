/**
 * The shapes of the two signed document types (docs/formats.md) as TypeBox schemas, and their
 * TypeScript types. The schema fixes structure, JSON types, enumerations and lexical formats, and
 * rejects unknown fields at every level; the rules that relate fields to each other (Thông tư 22
 * results, CCCD vs date of birth, calendar dates, NFC) live in `validate.ts`.
 *
 * Every constrained schema carries an `errorCode` keyword: the problem code reported when a value
 * of the right JSON type breaks the constraint. Checking runs through TypeBox's `Value` module,
 * which interprets schemas without `new Function`, so it is safe in a browser under a strict CSP
 * (TypeBox's `TypeCompiler` is not). A JSON-Schema validator in strict mode (ajv) must be told
 * about the `errorCode` keyword, and must not be used to strip unknown fields.
 */
import { UUID_PATTERN } from "../encoding";
import { Type, type Static, type TLiteral, type TUnion } from "@sinclair/typebox";
import type { ProblemCode } from "./problems";

export const TRANSCRIPT_TYPE = "hocba.transcript/v1";
export const GRADUATION_TYPE = "hocba.graduation/v1";

const closed = { additionalProperties: false } as const;

/** The problem code a constraint reports (see the module comment). */
function code(errorCode: ProblemCode): { errorCode: ProblemCode } {
  return { errorCode };
}

function literals<const V extends readonly string[]>(values: V, errorCode: ProblemCode) {
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    code(errorCode),
  ) as TUnion<TLiteral<V[number]>[]>;
}

export { UUID_PATTERN };
/** 16 random bytes in unpadded base64url: 22 characters, the last one carrying 2 bits. */
export const NONCE_PATTERN = "^[A-Za-z0-9_-]{21}[AQgw]$";
export const DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
/** ISO-8601 date-time with seconds and an explicit offset (`Z` or `±HH:MM`). */
export const DATETIME_PATTERN =
  "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$";

const Uuid = Type.String({ pattern: UUID_PATTERN, ...code("UUID_FORMAT") });
const Nonce = Type.String({ pattern: NONCE_PATTERN, ...code("NONCE_FORMAT") });
const DateString = Type.String({ pattern: DATE_PATTERN, ...code("DATE_FORMAT") });
const DateTimeString = Type.String({ pattern: DATETIME_PATTERN, ...code("DATETIME_FORMAT") });
const Code = Type.String({ pattern: "^[0-9A-Za-z]{2,20}$", ...code("CODE_FORMAT") });
/** Free text: NFC, trimming and emptiness are checked in validate.ts so they get their own codes. */
const Text = Type.String();
const Supersedes = Type.Union([Uuid, Type.Null()], code("UUID_FORMAT"));

export const LEVELS = ["THCS", "THPT"] as const;
export const GENDERS = ["Nam", "Nữ"] as const;
export const ASSESSMENTS = ["score", "comment"] as const;
/** Learning and conduct results share the four levels of Thông tư 22. */
export const RESULTS = ["Tốt", "Khá", "Đạt", "Chưa đạt"] as const;
export const COMMENT_RESULTS = ["Đ", "CĐ"] as const;
export const OUTCOMES = ["promoted", "summer-reassessment", "held-back", "graduated"] as const;
/** Classification printed on THCS diplomas before Thông tư 31/2023. */
export const CLASSIFICATIONS = ["Giỏi", "Khá", "Trung bình"] as const;

export const StudentSchema = Type.Object(
  {
    studentCode: Type.String(),
    citizenId: Type.String({ pattern: "^[0-9]{12}$", ...code("CCCD_FORMAT") }),
    fullName: Text,
    dateOfBirth: DateString,
    gender: literals(GENDERS, "GENDER_INVALID"),
    ethnicity: Text,
    placeOfBirth: Text,
  },
  closed,
);

/** A subject's term or year result: a 0–10 score, or Đ / CĐ for comment-only subjects. */
const SubjectResult = Type.Union([Type.Number(), ...COMMENT_RESULTS.map((v) => Type.Literal(v))], {
  ...code("SUBJECT_RESULT_INVALID"),
});

export const SchoolSubjectSchema = Type.Object(
  {
    code: Type.String(),
    name: Text,
    assessment: literals(ASSESSMENTS, "ASSESSMENT_INVALID"),
    term1: SubjectResult,
    term2: SubjectResult,
    year: SubjectResult,
  },
  closed,
);

export const SchoolYearSchema = Type.Object(
  {
    schoolYear: Type.String({ pattern: "^[0-9]{4}-[0-9]{4}$", ...code("SCHOOL_YEAR_FORMAT") }),
    grade: Type.Integer({ minimum: 6, maximum: 12, ...code("GRADE_INVALID") }),
    className: Text,
    subjects: Type.Array(SchoolSubjectSchema, { minItems: 1, ...code("SUBJECTS_EMPTY") }),
    academicResult: literals(RESULTS, "ACADEMIC_RESULT_INVALID"),
    conductResult: literals(RESULTS, "CONDUCT_RESULT_INVALID"),
    daysAbsent: Type.Integer({ minimum: 0, ...code("DAYS_ABSENT_INVALID") }),
    outcome: literals(OUTCOMES, "OUTCOME_INVALID"),
    /** Homeroom teacher's remarks; may be empty. */
    remarks: Text,
    homeroomTeacher: Text,
  },
  closed,
);

/**
 * The principal's confirmation that the student completed lower secondary (THCS), entered on the
 * transcript. From 2026 it replaces the THCS diploma (the amended Education Law ends the diploma);
 * the principal signs it with the transcript.
 */
export const CompletionSchema = Type.Object(
  {
    /** The day the principal confirmed completion. */
    date: DateString,
    /** The principal who confirmed it, as on the signature. */
    principal: Text,
  },
  closed,
);

/** The members a document of each type starts with: its type, id and nonce. */
function documentHead<T extends string>(type: T) {
  return { type: Type.Literal(type, code("DOCUMENT_TYPE_INVALID")), id: Uuid, nonce: Nonce };
}

/** The members a document of each type ends with: when it was issued and what it corrects. */
const DOCUMENT_TAIL = { issuedAt: DateTimeString, supersedes: Supersedes };

export const TranscriptSchema = Type.Object(
  {
    ...documentHead(TRANSCRIPT_TYPE),
    school: Type.Object(
      {
        code: Code,
        name: Text,
        province: Type.String({ pattern: "^(0[1-9]|[1-8][0-9]|9[0-6])$", ...code("PROVINCE_INVALID") }),
        level: literals(LEVELS, "LEVEL_INVALID"),
      },
      closed,
    ),
    student: StudentSchema,
    years: Type.Array(SchoolYearSchema, { minItems: 1, ...code("YEARS_EMPTY") }),
    /** THCS transcripts from 2026: the principal's confirmation of completion (optional). */
    completion: Type.Optional(CompletionSchema),
    ...DOCUMENT_TAIL,
  },
  closed,
);

export const GraduationSchema = Type.Object(
  {
    ...documentHead(GRADUATION_TYPE),
    /** The district (Phòng GDĐT, or the former district since 2025) of the graduate's school. */
    district: Type.Object({ code: Code, name: Text }, closed),
    /**
     * The authority that decided the record when it is not `district`: the department (Sở GDĐT)
     * that took over the former district's records in 2025. Absent: the district office decided it.
     */
    decidedBy: Type.Optional(Type.Object({ code: Code, name: Text }, closed)),
    decision: Type.Object({ number: Text, date: DateString }, closed),
    school: Type.Object({ code: Code, name: Text }, closed),
    student: StudentSchema,
    graduationYear: Type.Integer({ minimum: 1900, maximum: 2199, ...code("GRADUATION_YEAR_INVALID") }),
    /** Số hiệu văn bằng. */
    diplomaSerial: Text,
    /** Số vào sổ cấp bằng. */
    registryNumber: Text,
    /** Only on diplomas recognised before Thông tư 31/2023 took effect (2024-02-15). */
    classification: Type.Optional(literals(CLASSIFICATIONS, "CLASSIFICATION_INVALID")),
    ...DOCUMENT_TAIL,
  },
  closed,
);

export type Level = (typeof LEVELS)[number];
export type Gender = (typeof GENDERS)[number];
export type LearningResult = (typeof RESULTS)[number];
export type CommentResult = (typeof COMMENT_RESULTS)[number];
export type Outcome = (typeof OUTCOMES)[number];
export type Student = Static<typeof StudentSchema>;
/** A school subject (môn học) of a year with its results; not a certificate's subject (core/pki/subject.ts). */
export type SchoolSubject = Static<typeof SchoolSubjectSchema>;
export type SchoolYear = Static<typeof SchoolYearSchema>;
export type Transcript = Static<typeof TranscriptSchema>;
export type Completion = Static<typeof CompletionSchema>;
export type Graduation = Static<typeof GraduationSchema>;
export type HocbaDocument = Transcript | Graduation;
