/**
 * A seeded generator of realistic, valid hocba documents: Vietnamese names with diacritics, real
 * provinces, a CCCD consistent with birth date, gender and birthplace, Thông tư 22 subjects with
 * scores whose year averages and learning results are computed by the same rules validation uses.
 * The same seed gives the same document, byte for byte, so tests, benchmarks and the demo seed are
 * reproducible. Overrides are deep-merged last (arrays replace), except the few fields the
 * generator reads first so the rest stays consistent with them: school.level, student.gender,
 * student.dateOfBirth, student.placeOfBirth, and graduationYear.
 */
import { PROVINCES, type Province } from "../core/catalog/provinces";
import { GRADES, REQUIRED_SUBJECTS, subjectByCode } from "../core/catalog/subjects";
import { composeCitizenId } from "../core/documents/cccd";
import {
  GRADUATION_TYPE,
  TRANSCRIPT_TYPE,
  type Gender,
  type Graduation,
  type LearningResult,
  type Level,
  type Outcome,
  type SchoolYear,
  type Student,
  type SchoolSubject,
  type Transcript,
} from "../core/documents/schema";
import { learningResult, yearAverage } from "../core/documents/tt22";
import {
  DISTRICTS,
  ETHNIC_MINORITIES,
  GIVEN_NAMES_FEMALE,
  GIVEN_NAMES_MALE,
  MIDDLE_NAMES_FEMALE,
  MIDDLE_NAMES_MALE,
  REMARKS,
  SCHOOL_NAMESAKES,
  SURNAMES,
} from "./people";

/** Deep partial of a document: objects merge, arrays and scalars replace. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

export interface GeneratorOptions {
  /** Same seed, same document. Without one, each call takes the next seed of a per-process counter. */
  seed?: number;
}

export interface TranscriptOverrides extends DeepPartial<Transcript>, GeneratorOptions {
  /** Grades the transcript covers, in order (default: all grades of the level). */
  grades?: number[];
  /** Start year of the first school year (default: the last school year is 2024-2025). */
  startYear?: number;
}

export type GraduationOverrides = DeepPartial<Graduation> & GeneratorOptions;

let nextSeed = 1;

/** A small, fast, seedable PRNG (mulberry32); quality is ample for sample data. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  digits(count: number): string {
    let out = "";
    for (let i = 0; i < count; i++) out += String(this.int(0, 9));
    return out;
  }

  bytes(count: number): Uint8Array {
    return Uint8Array.from({ length: count }, () => this.int(0, 255));
  }

  /** A version-4 UUID. */
  uuid(): string {
    const b = this.bytes(16);
    b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
    b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
    const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** 128 random bits as unpadded base64url (22 characters), the document nonce format. */
  nonce(): string {
    return base64url(this.bytes(16));
  }
}

const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Unpadded base64url of bytes. */
export function base64url(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let c = 0; c < chars; c++) out += B64URL[(n >> (18 - 6 * c)) & 63];
  }
  return out;
}

function rngFor(options: GeneratorOptions): Rng {
  return new Rng(options.seed ?? nextSeed++);
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

function randomDate(rng: Rng, year: number, fromMonth = 1, toMonth = 12): string {
  const month = rng.int(fromMonth, toMonth);
  const day = rng.int(1, 28);
  return `${year}-${pad2(month)}-${pad2(day)}`;
}

/** A Vietnamese full name: surname, middle name, given name. */
export function randomFullName(rng: Rng, gender: Gender): string {
  const female = gender === "Nữ";
  const middle = rng.pick(female ? MIDDLE_NAMES_FEMALE : MIDDLE_NAMES_MALE);
  const given = rng.pick(female ? GIVEN_NAMES_FEMALE : GIVEN_NAMES_MALE);
  return `${rng.pick(SURNAMES)} ${middle} ${given}`;
}

function provinceNamed(name: string | undefined): Province | undefined {
  return PROVINCES.find((p) => p.name === name);
}

/**
 * A student consistent with itself: the CCCD encodes the birthplace province, the birth year and
 * the gender; the student code starts with the school's 2-digit province.
 */
export function randomStudent(
  rng: Rng,
  schoolProvince: Province,
  birthYear: number,
  given: DeepPartial<Student> = {},
): Student {
  const gender: Gender = given.gender ?? (rng.chance(0.5) ? "Nam" : "Nữ");
  const dateOfBirth = given.dateOfBirth ?? randomDate(rng, birthYear);
  const birthProvince =
    provinceNamed(given.placeOfBirth) ?? (rng.chance(0.8) ? schoolProvince : rng.pick(PROVINCES));
  return {
    studentCode: schoolProvince.code.slice(1) + rng.digits(8),
    citizenId: composeCitizenId(birthProvince.code, Number(dateOfBirth.slice(0, 4)), gender, rng.digits(6)),
    fullName: randomFullName(rng, gender),
    dateOfBirth,
    gender,
    ethnicity: rng.chance(0.85) ? "Kinh" : rng.pick(ETHNIC_MINORITIES),
    placeOfBirth: given.placeOfBirth ?? birthProvince.name,
  };
}

function subjectCodesFor(rng: Rng, level: Level): string[] {
  // Arts at THCS are written as two subjects, Âm nhạc and Mĩ thuật, as most schools' học bạ do.
  const required = REQUIRED_SUBJECTS[level].map((group) => (group.includes("AN") ? ["AN", "MT"] : group));
  const codes = required.flat();
  if (level === "THPT") {
    const electives = ["DL", "GDKTPL", "VL", "HH", "SH", "CN", "TIN"];
    while (codes.length < 12) {
      const pick = rng.pick(electives.filter((c) => !codes.includes(c)));
      codes.splice(4, 0, pick);
    }
  } else if (rng.chance(0.1)) {
    codes.splice(3, 0, "NN2");
  }
  return codes;
}

function randomScore(rng: Rng, mean: number): number {
  const raw = mean + (rng.next() + rng.next() + rng.next() - 1.5) * 2;
  return Math.round(Math.min(10, Math.max(0, raw)) * 10) / 10;
}

function randomSubject(rng: Rng, code: string, ability: number, bias: number): SchoolSubject {
  const entry = subjectByCode(code);
  if (!entry) throw new Error(`subject ${code} is not in the catalogue`);
  if (entry.assessment === "comment") {
    const term1 = rng.chance(0.02) ? "CĐ" : "Đ";
    const term2 = rng.chance(0.015) ? "CĐ" : "Đ";
    return { code, name: entry.name, assessment: "comment", term1, term2, year: term2 };
  }
  const term1 = randomScore(rng, ability + bias);
  const term2 = randomScore(rng, ability + bias + 0.2);
  return { code, name: entry.name, assessment: "score", term1, term2, year: yearAverage(term1, term2) };
}

function randomConduct(rng: Rng): LearningResult {
  const r = rng.next();
  return r < 0.7 ? "Tốt" : r < 0.92 ? "Khá" : r < 0.99 ? "Đạt" : "Chưa đạt";
}

function outcomeOf(
  grade: number,
  nextGrade: number | undefined,
  level: Level,
  academic: LearningResult,
  conduct: LearningResult,
): Outcome {
  if (nextGrade === grade) return "held-back";
  if (academic === "Chưa đạt" || conduct === "Chưa đạt") return "summer-reassessment";
  return nextGrade === undefined && grade === GRADES[level].at(-1) ? "graduated" : "promoted";
}

function deepMerge<T>(base: T, overrides: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(overrides))
    return (overrides === undefined ? base : overrides) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) out[key] = deepMerge(out[key], value);
  }
  return out as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function randomSchool(rng: Rng, level: Level): { province: Province; code: string; name: string } {
  const province = rng.pick(PROVINCES);
  return {
    province,
    code: province.code.slice(1) + rng.digits(6),
    name: `Trường ${level} ${rng.pick(SCHOOL_NAMESAKES)}`,
  };
}

/**
 * A valid `hocba.transcript/v1`: by default a THCS student with grades 6–9 from 2021-2022 to
 * 2024-2025, every subject of the level in every year.
 *
 * @example makeTranscript({ seed: 42 })
 * @example makeTranscript({ seed: 7, school: { level: "THPT" }, grades: [10, 11] })
 */
export function makeTranscript(overrides: TranscriptOverrides = {}): Transcript {
  const { seed, grades: gradesOption, startYear: startOption, ...documentOverrides } = overrides;
  const rng = rngFor({ seed });
  const level: Level = documentOverrides.school?.level ?? "THCS";
  const grades = gradesOption ?? [...GRADES[level]];
  const startYear = startOption ?? 2024 - (grades.length - 1);
  const school = randomSchool(rng, level);
  const student = randomStudent(
    rng,
    school.province,
    startYear - (grades[0] ?? 6) - 5,
    documentOverrides.student,
  );
  const codes = subjectCodesFor(rng, level);
  const ability = 5.8 + rng.next() * 3.8;
  const biases = new Map(codes.map((c) => [c, (rng.next() - 0.5) * 1.6]));
  const classSuffix = `A${rng.int(1, 8)}`;

  const years: SchoolYear[] = grades.map((grade, i) => {
    const start = startYear + i;
    const subjects = codes.map((code) => randomSubject(rng, code, ability, biases.get(code) ?? 0));
    const academicResult = learningResult(subjects);
    const conductResult = randomConduct(rng);
    return {
      schoolYear: `${start}-${start + 1}`,
      grade,
      className: `${grade}${classSuffix}`,
      subjects,
      academicResult,
      conductResult,
      daysAbsent: rng.chance(0.9) ? rng.int(0, 5) : rng.int(6, 20),
      outcome: outcomeOf(grade, grades[i + 1], level, academicResult, conductResult),
      remarks: rng.pick(REMARKS[academicResult]),
      homeroomTeacher: randomFullName(rng, rng.chance(0.7) ? "Nữ" : "Nam"),
    };
  });

  const lastEnd = startYear + grades.length;
  const transcript: Transcript = {
    type: TRANSCRIPT_TYPE,
    id: rng.uuid(),
    nonce: rng.nonce(),
    school: { code: school.code, name: school.name, province: school.province.code.slice(1), level },
    student,
    years,
    issuedAt: `${randomDate(rng, lastEnd, 6, 6)}T${pad2(rng.int(7, 16))}:${pad2(rng.int(0, 59))}:00+07:00`,
    supersedes: null,
  };
  return deepMerge(transcript, documentOverrides);
}

/**
 * A valid `hocba.graduation/v1`: a THCS graduate recognised by a district office in June of the
 * graduation year (default 2024, under Thông tư 31/2023, so without classification; years up to
 * 2023 carry one, as older diplomas do).
 *
 * @example makeGraduation({ seed: 42, graduationYear: 2019 })
 */
export function makeGraduation(overrides: GraduationOverrides = {}): Graduation {
  const { seed, ...documentOverrides } = overrides;
  const rng = rngFor({ seed });
  const graduationYear = documentOverrides.graduationYear ?? 2024;
  const district = rng.pick(DISTRICTS);
  const province = PROVINCES.find((p) => p.code === district.province) ?? rng.pick(PROVINCES);
  const school = randomSchool(rng, "THCS");
  const student = randomStudent(rng, province, graduationYear - 15, documentOverrides.student);
  const decisionDate = randomDate(rng, graduationYear, 6, 6);
  const graduation: Graduation = {
    type: GRADUATION_TYPE,
    id: rng.uuid(),
    nonce: rng.nonce(),
    district: { code: district.code, name: `Phòng Giáo dục và Đào tạo ${district.name}` },
    decision: { number: `${rng.int(100, 2999)}/QĐ-PGDĐT`, date: decisionDate },
    school: { code: province.code.slice(1) + school.code.slice(2), name: school.name },
    student,
    graduationYear,
    diplomaSerial: `${rng.pick(["A", "B", "C"])}${rng.digits(7)}`,
    registryNumber: `${rng.int(1, 1500)}/${graduationYear}`,
    ...(graduationYear <= 2023 ? { classification: rng.pick(["Giỏi", "Khá", "Trung bình"] as const) } : {}),
    issuedAt: `${graduationYear}-07-${pad2(rng.int(1, 28))}T09:00:00+07:00`,
    supersedes: null,
  };
  return deepMerge(graduation, documentOverrides);
}
