/**
 * Problems of a class workbook (docs/workbook.md): where (sheet, row, column heading) and what, in
 * Vietnamese for the school office and in English. Codes are append-only; the document rules'
 * codes (../documents/problems.ts) are reported as they are, at the cell the value came from.
 */
import type { ProblemCode } from "../documents/problems";

export const WORKBOOK_PROBLEM_CODES = [
  "FILE_UNREADABLE",
  "FILE_EMPTY",
  "SHEET_MISSING",
  "SHEET_UNKNOWN",
  "SHEET_EMPTY",
  "COLUMN_MISSING",
  "COLUMN_UNKNOWN",
  "COLUMN_DUPLICATE",
  "VALUE_MISSING",
  "NUMBER_INVALID",
  "VALUES_DIFFER",
  "STUDENT_DUPLICATE",
  "STUDENT_UNKNOWN",
  "STUDENT_WITHOUT_YEARS",
  "NAME_MISMATCH",
  "YEAR_UNKNOWN",
  "YEAR_ROW_DUPLICATE",
  "SUBJECT_INCOMPLETE",
  // the file as a whole (from the reader): over the size or cell limits
  "FILE_TOO_LARGE",
  "TOO_MANY_CELLS",
] as const;
export type WorkbookProblemCode = (typeof WORKBOOK_PROBLEM_CODES)[number];

/** One thing wrong with the file. */
export interface WorkbookProblem {
  /** The sheet's name; null for a CSV file (one table). */
  sheet: string | null;
  /** Row (1-based, as the spreadsheet numbers it) or CSV line; null: the whole sheet or file. */
  row: number | null;
  /** The column's heading as written in the file; null: the whole row. */
  column: string | null;
  code: WorkbookProblemCode | ProblemCode;
  /** Vietnamese, with the place: "Trang 'Năm 2024-2025', dòng 7, cột 'Toán – Cả năm': điểm 11 ngoài thang 0–10". */
  message: string;
  /** The same in English. */
  messageEn: string;
}

/** A place in the file. */
export interface Where {
  sheet: string | null;
  row: number | null;
  column: string | null;
}

function placeVi(w: Where): string {
  const parts = [
    ...(w.sheet === null ? [] : [`Trang '${w.sheet}'`]),
    ...(w.row === null ? [] : [`dòng ${w.row}`]),
    ...(w.column === null ? [] : [`cột '${w.column}'`]),
  ];
  const text = parts.join(", ");
  return text === "" ? "Tệp" : text.charAt(0).toUpperCase() + text.slice(1);
}

function placeEn(w: Where): string {
  const parts = [
    ...(w.sheet === null ? [] : [`Sheet '${w.sheet}'`]),
    ...(w.row === null ? [] : [`${w.sheet === null ? "line" : "row"} ${w.row}`]),
    ...(w.column === null ? [] : [`column '${w.column}'`]),
  ];
  const text = parts.join(", ");
  return text === "" ? "File" : text.charAt(0).toUpperCase() + text.slice(1);
}

export function problemAt(
  where: Where,
  code: WorkbookProblem["code"],
  vi: string,
  en: string,
): WorkbookProblem {
  return { ...where, code, message: `${placeVi(where)}: ${vi}`, messageEn: `${placeEn(where)}: ${en}` };
}

/**
 * Vietnamese for a document rule's problem, given the cell's text (`value`). The English is the
 * validator's own message. Codes a workbook cannot produce (ids, nonces…) fall back to a generic phrase.
 */
export function documentProblemVi(code: ProblemCode, value: string): string {
  const v = value === "" ? "" : /^[0-9][0-9.,]*$/.test(value) ? ` ${value}` : ` “${value}”`;
  switch (code) {
    case "MISSING_FIELD":
      return "thiếu giá trị";
    case "WRONG_TYPE":
    case "SUBJECT_RESULT_INVALID":
      return `giá trị${v} không hợp lệ`;
    case "CODE_FORMAT":
      return `mã${v} phải có 2–20 chữ cái hoặc chữ số`;
    case "PROVINCE_INVALID":
      return `mã tỉnh${v} phải từ 01 đến 96`;
    case "STUDENT_CODE_FORMAT":
      return `mã học sinh${v} không đúng độ dài`;
    case "CCCD_FORMAT":
      return "số CCCD phải có đúng 12 chữ số";
    case "CCCD_PROVINCE":
      return "mã tỉnh nơi đăng ký khai sinh trong số CCCD không có (ngoài 001–096)";
    case "CCCD_BIRTH_YEAR_MISMATCH":
      return "số CCCD không khớp với năm sinh";
    case "CCCD_GENDER_MISMATCH":
      return "số CCCD không khớp với giới tính";
    case "DATE_FORMAT":
    case "DATE_INVALID":
      return `ngày${v} không phải một ngày có thật (viết DD/MM/YYYY)`;
    case "DATE_OF_BIRTH_IMPLAUSIBLE":
      return `ngày sinh${v} không phù hợp với các năm học`;
    case "LEVEL_INVALID":
      return `cấp học${v} phải là THCS hoặc THPT`;
    case "GENDER_INVALID":
      return `giới tính${v} phải là Nam hoặc Nữ`;
    case "ACADEMIC_RESULT_INVALID":
      return `kết quả học tập${v} phải là Tốt, Khá, Đạt hoặc Chưa đạt`;
    case "CONDUCT_RESULT_INVALID":
      return `kết quả rèn luyện${v} phải là Tốt, Khá, Đạt hoặc Chưa đạt`;
    case "OUTCOME_INVALID":
      return `kết quả cuối năm${v} không có trong danh sách (Lên lớp; Rèn luyện hoặc kiểm tra lại trong hè; Ở lại lớp; Hoàn thành chương trình)`;
    case "TEXT_NOT_NFC":
      return "chữ không ở dạng Unicode dựng sẵn (NFC)";
    case "TEXT_EMPTY":
      return "ô trống";
    case "TEXT_UNTRIMMED":
      return "có khoảng trắng thừa";
    case "TEXT_CONTROL_CHARACTER":
      return "có ký tự điều khiển hoặc xuống dòng";
    case "YEARS_EMPTY":
      return "học sinh không có năm học nào";
    case "SCHOOL_YEAR_FORMAT":
      return `năm học${v} phải viết YYYY-YYYY, năm sau bằng năm trước cộng 1`;
    case "SCHOOL_YEAR_ORDER":
      return "các năm học không theo thứ tự hoặc bị trùng";
    case "GRADE_INVALID":
      return `khối${v} phải từ 6 đến 12`;
    case "GRADE_LEVEL_MISMATCH":
      return `khối${v} không thuộc cấp học`;
    case "GRADE_SEQUENCE":
      return "khối không khớp với các năm học (mỗi năm lên một khối, hoặc giữ nguyên khi ở lại lớp)";
    case "DAYS_ABSENT_INVALID":
      return `số ngày nghỉ${v} phải là số nguyên không âm`;
    case "OUTCOME_GRADE_MISMATCH":
      return "chỉ năm cuối cấp mới được ghi Hoàn thành chương trình";
    case "SUBJECTS_EMPTY":
      return "không có môn học nào";
    case "SUBJECT_LEVEL_MISMATCH":
      return "môn học không thuộc cấp học";
    case "SUBJECT_MISSING":
      return "thiếu môn bắt buộc";
    case "SCORE_EXPECTED":
      return `môn tính điểm cần điểm 0–10, không phải${v}`;
    case "COMMENT_EXPECTED":
      return `môn đánh giá bằng nhận xét chỉ ghi Đ hoặc CĐ, không phải${v}`;
    case "SCORE_RANGE":
      return `điểm${v} ngoài thang 0–10`;
    case "SCORE_PRECISION":
      return `điểm${v} có nhiều hơn một chữ số thập phân`;
    case "YEAR_AVERAGE_MISMATCH":
      return `điểm cả năm${v} khác (HK I + 2 × HK II) / 3`;
    case "COMMENT_YEAR_MISMATCH":
      return `kết quả cả năm${v} phải bằng kết quả HK II`;
    case "ACADEMIC_RESULT_MISMATCH":
      return `kết quả học tập${v} không khớp với điểm các môn (Thông tư 22)`;
    default:
      return `giá trị${v} không hợp lệ (${code})`;
  }
}
