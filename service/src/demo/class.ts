/**
 * A whole class of realistic transcripts (documents.ts) that share one class path — the same
 * school years, grades, class names and homeroom teachers — as a school's class workbook holds
 * them (docs/workbook.md). Subjects are in catalogue order, as the workbook reader gives them. The
 * same seed gives the same class: the demo's filled example, the documentation's CSV example, the
 * tests and the benchmark use it.
 */
import { GRADES, SUBJECTS, type SchoolLevel } from "../core/catalog/subjects";
import type { Transcript } from "../core/documents/schema";
import type { ClassInfo } from "../core/workbook/layout";
import { makeTranscript, randomFullName, Rng } from "./documents";

export interface ClassOptions {
  school: Transcript["school"];
  /** Students in the class. */
  size: number;
  /** Class suffix after the grade: "A1" gives 6A1 … 9A1. */
  suffix?: string;
  /** Start year of the last school year (default 2024: the class ends with 2024-2025). */
  lastYear?: number;
  seed?: number;
}

const ORDER = new Map(SUBJECTS.map((s, i) => [s.code, i]));

/** The class's path and one transcript per student, valid and consistent with it. */
export function makeClass(options: ClassOptions): { info: ClassInfo; transcripts: Transcript[] } {
  const level: SchoolLevel = options.school.level;
  const grades = GRADES[level];
  const lastYear = options.lastYear ?? 2024;
  const startYear = lastYear - (grades.length - 1);
  const seed = options.seed ?? 1;
  const rng = new Rng(seed);
  const info: ClassInfo = {
    school: options.school,
    years: grades.map((grade, i) => ({
      schoolYear: `${startYear + i}-${startYear + i + 1}`,
      grade,
      className: `${grade}${options.suffix ?? "A1"}`,
      homeroomTeacher: randomFullName(rng, rng.chance(0.7) ? "Nữ" : "Nam"),
    })),
  };
  const transcripts = Array.from({ length: options.size }, (_, n) => {
    const t = makeTranscript({
      seed: seed * 100_003 + n,
      school: options.school,
      startYear,
      grades: [...grades],
    });
    return {
      ...t,
      years: t.years.map((y, i) => ({
        ...y,
        className: info.years[i]!.className,
        homeroomTeacher: info.years[i]!.homeroomTeacher,
        subjects: [...y.subjects].sort((a, b) => ORDER.get(a.code)! - ORDER.get(b.code)!),
      })),
    };
  });
  return { info, transcripts };
}
