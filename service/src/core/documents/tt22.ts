/**
 * The arithmetic of Thông tư 22/2021 (docs/school-records.md): the year average of a scored subject and the
 * learning result of a year derived from its subjects. Scores are handled in integer tenths so
 * that 6.5 is exactly 65 and no floating-point boundary can flip a result.
 */
import type { LearningResult, SchoolSubject } from "./schema";

/** A subject's year result as the learning-result rule sees it (a document's subject fits). */
export type YearSubjectResult = Pick<SchoolSubject, "assessment" | "year">;

/** A score in integer tenths (8.5 → 85). The caller has checked it has at most one decimal. */
export function tenths(score: number): number {
  return Math.round(score * 10);
}

/** True when a number has at most one decimal (tolerating the binary representation of e.g. 8.3). */
export function hasOneDecimalAtMost(score: number): boolean {
  return Math.abs(score * 10 - Math.round(score * 10)) < 1e-6;
}

/**
 * Year average of a scored subject: (term 1 + 2 × term 2) / 3 to one decimal. Computed in tenths,
 * the exact quotient has a fractional part of 0, 1/3 or 2/3 of a tenth, so it is never a tie and
 * half-up, half-even and half-away rounding all agree.
 *
 * @example yearAverage(8.5, 9.0) // 8.8
 */
export function yearAverage(term1: number, term2: number): number {
  const sum = tenths(term1) + 2 * tenths(term2);
  return Math.round(sum / 3) / 10;
}

/**
 * The learning result (kết quả học tập) of a year, per Thông tư 22 Article 9:
 * - Tốt: every comment subject Đ; every scored subject ≥ 6.5 and at least 6 of them ≥ 8.0;
 * - Khá: every comment subject Đ; every scored subject ≥ 5.0 and at least 6 of them ≥ 6.5;
 * - Đạt: at most one comment subject CĐ; at least 6 scored subjects ≥ 5.0; none below 3.5;
 * - Chưa đạt: otherwise.
 * A scored subject without a number counts as 0 and a comment subject without Đ as CĐ; validation
 * only asks for the result of subjects it has found valid.
 *
 * @example learningResult([{ assessment: "comment", year: "CĐ" }, ...]) // at best "Đạt"
 */
export function learningResult(subjects: readonly YearSubjectResult[]): LearningResult {
  const scores: number[] = [];
  let failedComments = 0;
  for (const s of subjects) {
    if (s.assessment === "score") scores.push(typeof s.year === "number" ? tenths(s.year) : 0);
    else if (s.year !== "Đ") failedComments += 1;
  }
  const atLeast = (min: number) => scores.filter((t) => t >= min).length;
  const allAtLeast = (min: number) => scores.every((t) => t >= min);
  if (failedComments === 0 && allAtLeast(65) && atLeast(80) >= 6) return "Tốt";
  if (failedComments === 0 && allAtLeast(50) && atLeast(65) >= 6) return "Khá";
  if (failedComments <= 1 && atLeast(50) >= 6 && allAtLeast(35)) return "Đạt";
  return "Chưa đạt";
}
