/**
 * The subject catalogue hocba ships (docs/school-records.md; Thông tư 22/2021 and the 2018
 * curriculum), kept as data so that a new subject or level is a data change, not a code change. Documents carry the
 * codes; names are for display. Validation and the fixture factory both read this table.
 */

export type SchoolLevel = "THCS" | "THPT";

/** `score`: assessed by comment and a 0–10 score; `comment`: assessed by comment only (Đ / CĐ). */
export type AssessmentKind = "score" | "comment";

export interface SubjectEntry {
  readonly code: string;
  /** Vietnamese display name, NFC. */
  readonly name: string;
  readonly assessment: AssessmentKind;
  /** Levels the subject is taught at. */
  readonly levels: readonly SchoolLevel[];
}

const BOTH: readonly SchoolLevel[] = ["THCS", "THPT"];

export const SUBJECTS: readonly SubjectEntry[] = [
  { code: "NVAN", name: "Ngữ văn", assessment: "score", levels: BOTH },
  { code: "TOAN", name: "Toán", assessment: "score", levels: BOTH },
  { code: "NN1", name: "Ngoại ngữ 1", assessment: "score", levels: BOTH },
  { code: "NN2", name: "Ngoại ngữ 2", assessment: "score", levels: BOTH },
  { code: "GDCD", name: "Giáo dục công dân", assessment: "score", levels: ["THCS"] },
  { code: "LSDL", name: "Lịch sử và Địa lí", assessment: "score", levels: ["THCS"] },
  { code: "KHTN", name: "Khoa học tự nhiên", assessment: "score", levels: ["THCS"] },
  { code: "CN", name: "Công nghệ", assessment: "score", levels: BOTH },
  { code: "TIN", name: "Tin học", assessment: "score", levels: BOTH },
  { code: "GDTC", name: "Giáo dục thể chất", assessment: "comment", levels: BOTH },
  { code: "NT", name: "Nghệ thuật", assessment: "comment", levels: ["THCS"] },
  { code: "AN", name: "Âm nhạc", assessment: "comment", levels: BOTH },
  { code: "MT", name: "Mĩ thuật", assessment: "comment", levels: BOTH },
  {
    code: "HDTN",
    name: "Hoạt động trải nghiệm, hướng nghiệp",
    assessment: "comment",
    levels: BOTH,
  },
  {
    code: "GDDP",
    name: "Nội dung giáo dục của địa phương",
    assessment: "comment",
    levels: BOTH,
  },
  { code: "TDT", name: "Tiếng dân tộc thiểu số", assessment: "score", levels: BOTH },
  { code: "LS", name: "Lịch sử", assessment: "score", levels: ["THPT"] },
  { code: "DL", name: "Địa lí", assessment: "score", levels: ["THPT"] },
  { code: "VL", name: "Vật lí", assessment: "score", levels: ["THPT"] },
  { code: "HH", name: "Hóa học", assessment: "score", levels: ["THPT"] },
  { code: "SH", name: "Sinh học", assessment: "score", levels: ["THPT"] },
  {
    code: "GDKTPL",
    name: "Giáo dục kinh tế và pháp luật",
    assessment: "score",
    levels: ["THPT"],
  },
  {
    code: "GDQPAN",
    name: "Giáo dục quốc phòng và an ninh",
    assessment: "score",
    levels: ["THPT"],
  },
];

const BY_CODE: ReadonlyMap<string, SubjectEntry> = new Map(SUBJECTS.map((s) => [s.code, s]));

/** The catalogue entry for a subject code, or undefined when hocba does not know the code. */
export function subjectByCode(code: string): SubjectEntry | undefined {
  return BY_CODE.get(code);
}

/** Grades taught at each level. */
export const GRADES: Readonly<Record<SchoolLevel, readonly number[]>> = {
  THCS: [6, 7, 8, 9],
  THPT: [10, 11, 12],
};

/**
 * What every student of a level takes in every year, as groups: each group is satisfied by any one
 * of its codes (arts at THCS appear either as Nghệ thuật or split into Âm nhạc and Mĩ thuật).
 */
export const REQUIRED_SUBJECTS: Readonly<Record<SchoolLevel, readonly (readonly string[])[]>> = {
  THCS: [
    ["NVAN"],
    ["TOAN"],
    ["NN1"],
    ["GDCD"],
    ["LSDL"],
    ["KHTN"],
    ["CN"],
    ["TIN"],
    ["GDTC"],
    ["NT", "AN", "MT"],
    ["HDTN"],
    ["GDDP"],
  ],
  THPT: [["NVAN"], ["TOAN"], ["NN1"], ["LS"], ["GDTC"], ["GDQPAN"], ["HDTN"], ["GDDP"]],
};
