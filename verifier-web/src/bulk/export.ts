/**
 * The export of a bulk verification (docs/bulk-verification.md, "Export columns"): one sheet, one
 * row per file in file order, headed in the page's language.
 *  - the file, its verdict, the failing check in plain words, its same-student group;
 *  - the identity the credential discloses (a field the document does not carry stays empty);
 *  - the tổ hợp's average and total (scores.ts) and, when there is none, why;
 *  - for each grade and subject found in the valid transcripts: term 1, term 2 and year results,
 *    then the grade's learning and conduct results.
 * Scores and averages are written for VALID rows only: a row that is not valid is marked by its
 * verdict and note, and carries no score (what a forger changes is the score). Values are the
 * document's own (Vietnamese: Đ, CĐ, Tốt…); scores are numbers.
 */
import { SUBJECTS, subjectByCode } from "../../../service/src/core/catalog/subjects";
import { formatDate } from "../../../service/src/core/documents/display";
import { language } from "../common/i18n";
import { describeCheck, valueText } from "../verifier/messages";
import { t } from "./messages";
import { duplicateGroups, yearsCovered, type ReadProblem, type Row, type RowDocument } from "./rows";
import { averageOf, yearsByGrade, type Combination } from "./scores";
import { ZIP_LIMITS } from "./zip";

export type Cell = string | number | null;

export interface Sheet {
  header: string[];
  rows: Cell[][];
}

/** The plain-language reason of a row's status, empty for a valid row. */
export function reasonText(row: Row): string {
  if (row.problem) return problemText(row.problem);
  if (!row.check) return "";
  const { title, explanation } = describeCheck(language(), row.check);
  return `${title}: ${explanation}`;
}

/** Why a file was not verified, in the page's words (the technical message where none is known). */
export function problemText(problem: ReadProblem): string {
  switch (problem.code) {
    case "PDF_NO_CREDENTIAL":
      return t("pdfNoCredential");
    case "PDF_INVALID":
      return t("pdfInvalid");
    case "ZIP_TOO_MANY":
      return t("readTooMany", { max: ZIP_LIMITS.entries });
    case "ZIP_TOO_LARGE":
      return t("readTooLarge", { max: ZIP_LIMITS.bytes / 1024 / 1024 });
    case "ZIP_INVALID":
      return t("readZip", { reason: problem.message });
    case "UNAUTHORIZED":
      return t("keyRejected", { reason: problem.message });
    default:
      return t("requestFailed", { reason: problem.message });
  }
}

/** A subject's name in the page's language. */
export function subjectText(code: string): string {
  return valueText("subject", code, subjectByCode(code)?.name ?? code);
}

const catalogOrder = (code: string) => {
  const at = SUBJECTS.findIndex((subject) => subject.code === code);
  return at === -1 ? SUBJECTS.length : at;
};

/** Grades and subjects present in the valid transcripts, grades ascending, subjects in catalogue order. */
function scoreColumns(rows: readonly Row[]): { grades: number[]; subjects: Map<number, string[]> } {
  const subjects = new Map<number, string[]>();
  for (const row of rows) {
    if (row.status !== "valid" || row.document?.type !== "hocba.transcript/v1") continue;
    for (const year of row.document.years ?? []) {
      const known = subjects.get(year.grade) ?? [];
      for (const subject of year.subjects) if (!known.includes(subject.code)) known.push(subject.code);
      subjects.set(year.grade, known);
    }
  }
  for (const codes of subjects.values()) codes.sort((a, b) => catalogOrder(a) - catalogOrder(b));
  return { grades: [...subjects.keys()].sort((a, b) => a - b), subjects };
}

/** The export sheet of the rows for a combination. */
export function exportSheet(
  rows: readonly Row[],
  combination: Combination,
  duplicates: ReadonlyMap<number, number> = duplicateGroups(rows),
): Sheet {
  const { grades, subjects } = scoreColumns(rows);
  const combinationName = combination.code === "custom" ? t("custom") : combination.code;
  const header = [
    t("x_file"),
    t("x_status"),
    t("x_reason"),
    t("x_duplicate"),
    t("x_fullName"),
    t("x_dateOfBirth"),
    t("x_gender"),
    t("x_ethnicity"),
    t("x_placeOfBirth"),
    t("x_studentCode"),
    t("x_citizenId"),
    t("x_school"),
    t("x_schoolCode"),
    t("x_documentId"),
    t("x_years"),
    t("x_average", {
      combination: combinationName,
      subjects: combination.subjects.map(subjectText).join("–"),
      grades: combination.grades.join(", "),
    }),
    t("x_total", { combination: combinationName }),
    t("x_averageNote"),
  ];
  for (const grade of grades) {
    for (const code of subjects.get(grade)!) {
      const subject = subjectText(code);
      header.push(
        t("x_term1", { grade, subject }),
        t("x_term2", { grade, subject }),
        t("x_yearResult", { grade, subject }),
      );
    }
    header.push(t("x_academic", { grade }), t("x_conduct", { grade }));
  }

  const body = [...rows]
    .sort((a, b) => a.index - b.index)
    .map((row): Cell[] => {
      const student: RowDocument["student"] = row.document?.student ?? {};
      const valid = row.status === "valid";
      const cells: Cell[] = [
        row.file,
        t(`status_${row.status}`),
        reasonText(row),
        duplicates.get(row.index) ?? null,
        student.fullName ?? null,
        // dd/mm/yyyy in both languages: one format for a spreadsheet to sort and match on.
        student.dateOfBirth ? formatDate(student.dateOfBirth, "vi") : null,
        student.gender ?? null,
        student.ethnicity ?? null,
        student.placeOfBirth ?? null,
        student.studentCode ?? null,
        student.citizenId ?? null,
        row.document?.school.name ?? null,
        row.document?.school.code ?? null,
        row.document?.id ?? null,
        yearsCovered(row.document) || null,
      ];
      if (!valid || !row.document) cells.push(null, null, t("note_notValid"));
      else {
        const average = averageOf(row.document, combination);
        if ("average" in average) cells.push(average.average, average.total, null);
        else
          cells.push(
            null,
            null,
            t(`note_${average.reason}`, {
              grade: "grade" in average ? average.grade : "",
              subject: "subject" in average ? subjectText(average.subject) : "",
            }),
          );
      }
      const byGrade =
        valid && row.document?.type === "hocba.transcript/v1"
          ? yearsByGrade(row.document.years ?? [])
          : undefined;
      for (const grade of grades) {
        const year = byGrade?.get(grade);
        for (const code of subjects.get(grade)!) {
          const subject = year?.subjects.find((entry) => entry.code === code);
          cells.push(subject?.term1 ?? null, subject?.term2 ?? null, subject?.year ?? null);
        }
        cells.push(year?.academicResult ?? null, year?.conductResult ?? null);
      }
      return cells;
    });
  return { header, rows: body };
}

/** A CSV field: quoted when it holds a comma, quote or line break; a formula-looking text is defused. */
function csvField(cell: Cell): string {
  if (cell === null) return "";
  if (typeof cell === "number") return String(cell);
  // A spreadsheet opening the CSV must not run a file name or a name as a formula (CSV injection).
  const text = /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The sheet as CSV (RFC 4180, CRLF line ends), UTF-8 with a byte-order mark so that Excel reads the
 * Vietnamese letters; decimal point `.`.
 */
export function toCsv(sheet: Sheet): string {
  const lines = [sheet.header, ...sheet.rows].map((cells) => cells.map(csvField).join(","));
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}

/** The export's file name: hocba-xac-minh-<combination>-<yyyy-mm-dd>.<ext>. */
export function exportFileName(
  combination: Combination,
  extension: "xlsx" | "csv",
  now = new Date(),
): string {
  return `hocba-xac-minh-${combination.code}-${now.toISOString().slice(0, 10)}.${extension}`;
}
