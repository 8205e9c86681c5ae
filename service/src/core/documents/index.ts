/**
 * The documents module's public surface: formats, validation, canonical hashing. Other modules
 * (signing, issuance, the verifier page) import from here rather than from the files inside.
 */
export { canonicalBytes, docHash, docHashBytes, fromHex, inCanonicalForm, leafOf, toHex } from "./hash";
export { PROBLEM_CODES, type Problem, type ProblemCode } from "./problems";
export {
  GRADUATION_TYPE,
  GraduationSchema,
  TRANSCRIPT_TYPE,
  TranscriptSchema,
  type Completion,
  type Graduation,
  type HocbaDocument,
  type LearningResult,
  type Level,
  type SchoolYear,
  type Student,
  type SchoolSubject,
  type Transcript,
} from "./schema";
export {
  assertValidDocument,
  isValidDocument,
  validateDocument,
  validateGraduation,
  validateTranscript,
  COMPLETION_CONFIRMED_FROM,
  type ValidationOptions,
  type ValidationResult,
} from "./validate";
export { normalizeDocument } from "./text";
export { learningResult, yearAverage } from "./tt22";
export { parseCitizenId } from "./cccd";
export { nameKey, serialKey } from "./search-keys";
