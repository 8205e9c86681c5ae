/**
 * Problem codes of document validation. A problem names one thing wrong at one JSON-pointer path;
 * the code is what programs and translations key on, so the list is append-only: never rename,
 * reorder or reuse a code. The message is for people and may change.
 */

export const PROBLEM_CODES = [
  // structure (from the schema)
  "NOT_AN_OBJECT",
  "DOCUMENT_TYPE_INVALID",
  "UNKNOWN_FIELD",
  "MISSING_FIELD",
  "WRONG_TYPE",
  // identifiers and formats
  "UUID_FORMAT",
  "SUPERSEDES_SELF",
  "NONCE_FORMAT",
  "CODE_FORMAT",
  "PROVINCE_INVALID",
  "STUDENT_CODE_FORMAT",
  "CCCD_FORMAT",
  "CCCD_PROVINCE",
  "CCCD_BIRTH_YEAR_MISMATCH",
  "CCCD_GENDER_MISMATCH",
  "DATE_FORMAT",
  "DATETIME_FORMAT",
  "DATE_INVALID",
  "DATE_OF_BIRTH_IMPLAUSIBLE",
  // enumerations
  "LEVEL_INVALID",
  "GENDER_INVALID",
  "ASSESSMENT_INVALID",
  "ACADEMIC_RESULT_INVALID",
  "CONDUCT_RESULT_INVALID",
  "OUTCOME_INVALID",
  "CLASSIFICATION_INVALID",
  // text
  "TEXT_NOT_NFC",
  "TEXT_EMPTY",
  "TEXT_UNTRIMMED",
  "TEXT_CONTROL_CHARACTER",
  // school years
  "YEARS_EMPTY",
  "SCHOOL_YEAR_FORMAT",
  "SCHOOL_YEAR_ORDER",
  "GRADE_INVALID",
  "GRADE_LEVEL_MISMATCH",
  "GRADE_SEQUENCE",
  "DAYS_ABSENT_INVALID",
  "OUTCOME_GRADE_MISMATCH",
  // subjects
  "SUBJECTS_EMPTY",
  "SUBJECT_UNKNOWN",
  "SUBJECT_LEVEL_MISMATCH",
  "SUBJECT_NAME_MISMATCH",
  "SUBJECT_DUPLICATE",
  "SUBJECT_MISSING",
  "ASSESSMENT_MISMATCH",
  "SUBJECT_RESULT_INVALID",
  "SCORE_EXPECTED",
  "COMMENT_EXPECTED",
  "SCORE_RANGE",
  "SCORE_PRECISION",
  "YEAR_AVERAGE_MISMATCH",
  "COMMENT_YEAR_MISMATCH",
  "ACADEMIC_RESULT_MISMATCH",
  // graduation
  "GRADUATION_YEAR_INVALID",
  "DECISION_YEAR_MISMATCH",
  "CLASSIFICATION_NOT_ALLOWED",
  // the principal's confirmation of lower-secondary completion (from 2026, instead of a diploma)
  "COMPLETION_INVALID",
] as const;

export type ProblemCode = (typeof PROBLEM_CODES)[number];

/** One thing wrong with a document. */
export interface Problem {
  /** JSON pointer (RFC 6901) to the offending value; "" is the document itself. */
  readonly path: string;
  readonly code: ProblemCode;
  readonly message: string;
}
