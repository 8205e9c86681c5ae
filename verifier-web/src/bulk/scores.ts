/**
 * The scores an admissions office ranks by (docs/bulk-verification.md): a "tổ hợp" — a set of
 * subjects and the grades to take them from — and its average for one transcript.
 *
 * The rule, the same for every file:
 *  - for each chosen subject and each chosen grade, the subject's YEAR result (cả năm) in the school
 *    year of that grade — the last one when a student repeated the grade (held back, then promoted);
 *  - every pair must be there and be a score: a missing subject or grade, or a subject assessed by
 *    comment (Đ / CĐ, Thông tư 22) gives NO average, with the reason, never an average of the rest;
 *  - the average is the mean of those year results; the total is the sum over subjects of each
 *    subject's mean over the grades (the "thang 30" of a three-subject tổ hợp); both rounded half up
 *    to two decimals, from the unrounded sums.
 * Only a `valid` verification is averaged; the page and the export call this for those alone.
 */
import type { RowYear } from "./rows";

export interface Combination {
  /** "A00", or "custom". */
  code: string;
  /** Subject codes of the catalogue (TOAN, VL…), in the order they are shown. */
  subjects: readonly string[];
  /** Grades 6–12, ascending. */
  grades: readonly number[];
}

/** The common admission combinations (khối thi), over grades 10–12. */
export const COMBINATIONS: readonly Combination[] = [
  { code: "A00", subjects: ["TOAN", "VL", "HH"], grades: [10, 11, 12] },
  { code: "A01", subjects: ["TOAN", "VL", "NN1"], grades: [10, 11, 12] },
  { code: "B00", subjects: ["TOAN", "HH", "SH"], grades: [10, 11, 12] },
  { code: "C00", subjects: ["NVAN", "LS", "DL"], grades: [10, 11, 12] },
  { code: "D01", subjects: ["NVAN", "TOAN", "NN1"], grades: [10, 11, 12] },
];

/** Why a transcript has no average for the combination. */
export type NoAverage =
  | { reason: "missing-grade"; grade: number }
  | { reason: "missing-subject"; subject: string; grade: number }
  | { reason: "comment-only"; subject: string; grade: number }
  | { reason: "not-transcript" }
  | { reason: "empty-combination" };

export type Average = { average: number; total: number } | NoAverage;

/** Rounds half up to two decimals (8.125 → 8.13), robust to binary fractions (8.125 is exact, 7.005 is not). */
export function round2(value: number): number {
  return Math.round(value * 100 + 1e-9) / 100;
}

/** The school year of each grade: the last one listed when a grade was repeated. */
export function yearsByGrade<Year extends Pick<RowYear, "grade">>(years: readonly Year[]): Map<number, Year> {
  const byGrade = new Map<number, Year>();
  for (const year of years) byGrade.set(year.grade, year);
  return byGrade;
}

/**
 * The combination's average and total for one transcript, or why there is none.
 * @example
 * averageOf(transcript, COMBINATIONS[0]) // { average: 8.04, total: 24.13 }
 */
export function averageOf(
  document: { type: string; years?: readonly Pick<RowYear, "grade" | "subjects">[] },
  combination: Combination,
): Average {
  if (document.type !== "hocba.transcript/v1" || !document.years) return { reason: "not-transcript" };
  if (combination.subjects.length === 0 || combination.grades.length === 0)
    return { reason: "empty-combination" };
  const byGrade = yearsByGrade(document.years);
  let sum = 0;
  let total = 0;
  for (const subject of combination.subjects) {
    let subjectSum = 0;
    for (const grade of combination.grades) {
      const year = byGrade.get(grade);
      if (!year) return { reason: "missing-grade", grade };
      const found = year.subjects.find((entry) => entry.code === subject);
      if (!found) return { reason: "missing-subject", subject, grade };
      if (typeof found.year !== "number") return { reason: "comment-only", subject, grade };
      subjectSum += found.year;
    }
    sum += subjectSum;
    total += subjectSum / combination.grades.length;
  }
  return {
    average: round2(sum / (combination.subjects.length * combination.grades.length)),
    total: round2(total),
  };
}
