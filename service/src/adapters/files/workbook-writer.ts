/**
 * Writes a class workbook (docs/workbook.md) as an XLSX file with ExcelJS: the tables of
 * core/workbook/layout.ts, headings in bold and frozen, code columns formatted as text (so a
 * leading zero survives typing), drop-down lists for the closed lists, and the instructions sheet
 * `Hướng dẫn` (every column in Vietnamese and English, ignored on import). The template, the
 * demo's filled example and the tests' files are all made here.
 */
import ExcelJS from "exceljs";
import { RESULTS } from "../../core/documents/schema";
import {
  CLASS_COLUMNS,
  INSTRUCTIONS_SHEET,
  OUTCOME_WORDS,
  STUDENT_COLUMNS,
  TERM_LABELS,
  YEAR_COLUMNS,
  type WorkbookTable,
} from "../../core/workbook/layout";

/** Drop-down lists by heading: values a clerk picks rather than types. */
const LISTS: Record<string, string[]> = {
  "Cấp học": ["THCS", "THPT"],
  "Giới tính": ["Nam", "Nữ"],
  "Kết quả học tập": [...RESULTS],
  "Kết quả rèn luyện": [...RESULTS],
  "Kết quả cuối năm": Object.values(OUTCOME_WORDS).map((words) => words[0]!),
};

/** Rows of a sheet that get the drop-downs and text format (the template leaves room for a class). */
const FORMATTED_ROWS = 200;
/** Fixed document dates: the same tables give the same sheets. */
const WRITTEN_AT = new Date("2025-01-01T00:00:00Z");

function instructions(workbook: ExcelJS.Workbook): void {
  const sheet = workbook.addWorksheet(INSTRUCTIONS_SHEET);
  sheet.columns = [
    { header: "Trang (sheet)", width: 18 },
    { header: "Cột (column)", width: 34 },
    { header: "Giá trị (values)", width: 48 },
    { header: "Ví dụ (example)", width: 22 },
    { header: "English", width: 60 },
  ];
  sheet.getRow(1).font = { bold: true };
  const add = (
    page: string,
    specs: readonly { header: string; values: string; example: string; en: string; optional?: boolean }[],
  ) => {
    for (const c of specs)
      sheet.addRow([page, c.header + (c.optional ? " (không bắt buộc)" : ""), c.values, c.example, c.en]);
  };
  add("Lớp", CLASS_COLUMNS);
  add("Học sinh", STUDENT_COLUMNS);
  add("Năm YYYY-YYYY", YEAR_COLUMNS);
  sheet.addRow([
    "Năm YYYY-YYYY",
    `<Môn> – ${TERM_LABELS.term1} / ${TERM_LABELS.term2} / ${TERM_LABELS.year}`,
    "Môn tính điểm: 0–10, một chữ số thập phân (8,5 hoặc 8.5); môn nhận xét: Đ hoặc CĐ. Để trống cả ba ô nếu học sinh không học môn đó.",
    "8,5",
    "per subject: term 1, term 2 and year result; a score 0–10 (one decimal) or Đ / CĐ; all three blank = not taken",
  ]);
  sheet.addRow([]);
  sheet.addRow([
    "",
    "Mỗi năm học một trang tên 'Năm 2024-2025'; thêm hoặc xoá trang cho đúng các năm học của lớp (như trang 'Lớp').",
    "",
    "",
    "one sheet per school year named 'Năm 2024-2025', matching the rows of sheet 'Lớp'",
  ]);
}

/** The XLSX bytes of `tables`, followed by the instructions sheet. */
export async function writeWorkbook(tables: readonly WorkbookTable[]): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = "hocba";
  workbook.created = WRITTEN_AT;
  workbook.modified = WRITTEN_AT;
  for (const table of tables) {
    const sheet = workbook.addWorksheet(table.name, { views: [{ state: "frozen", ySplit: 1, xSplit: 0 }] });
    sheet.addRow(table.header);
    sheet.getRow(1).font = { bold: true };
    sheet.getRow(1).alignment = { wrapText: true, vertical: "middle" };
    table.header.forEach((h, i) => {
      sheet.getColumn(i + 1).width = Math.min(28, Math.max(10, h.length + 2));
    });
    for (const i of table.textColumns) sheet.getColumn(i + 1).numFmt = "@";
    for (const row of table.rows) sheet.addRow(row.map((cell) => cell ?? null));
    const last = Math.max(FORMATTED_ROWS, table.rows.length + 1);
    table.header.forEach((h, i) => {
      const list = LISTS[h];
      if (!list) return;
      for (let r = 2; r <= last; r++)
        sheet.getCell(r, i + 1).dataValidation = {
          type: "list",
          allowBlank: true,
          formulae: [`"${list.join(",")}"`],
          showErrorMessage: false,
        };
    });
  }
  instructions(workbook);
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}
