/**
 * The layout of a transcript (hocba.transcript/v1) as the paper học bạ of Thông tư 22/2021: the
 * school under the Sở's name, the title by level, the student, then per school year the subjects
 * with their term and year results, the learning and conduct results, absences, the outcome, the
 * remarks and the homeroom teacher, and the principal's confirmation of completion when given.
 */
import type { RGB } from "pdf-lib";
import type { Completion, SchoolYear, Transcript } from "../../core/documents";
import { formatScore, vietnameseDate } from "../../core/documents/display";
import { TRANSCRIPT_TYPE } from "../../core/documents/schema";
import { header, provinceName, studentBlock, title } from "./blocks";
import type { DocumentLayout } from "./document-layout";
import { A4, CONTENT_WIDTH, MARGIN, RULE, SHADE, type PageCursor, type TextStyle } from "./page-cursor";

const LEVEL_TITLES: Record<string, string> = {
  THCS: "CẤP TRUNG HỌC CƠ SỞ",
  THPT: "CẤP TRUNG HỌC PHỔ THÔNG",
};
const OUTCOME_TEXT: Record<string, string> = {
  promoted: "Được lên lớp",
  "summer-reassessment": "Rèn luyện, kiểm tra lại trong hè",
  "held-back": "Ở lại lớp",
  graduated: "Hoàn thành chương trình, đủ điều kiện xét công nhận tốt nghiệp",
};

const COLUMNS = [
  { title: "STT", width: 32 },
  { title: "Môn học và hoạt động giáo dục", width: CONTENT_WIDTH - 32 - 3 * 78 },
  { title: "Học kì I", width: 78 },
  { title: "Học kì II", width: 78 },
  { title: "Cả năm", width: 78 },
];
const ROW = 16;

/** One table row at the cursor: its shading, text and bottom rule (the verticals come with `tableEdges`). */
function tableRow(cursor: PageCursor, cells: string[], style: TextStyle, fill?: RGB): void {
  const size = style.size ?? 9.5;
  cursor.y -= ROW;
  if (fill) cursor.box(MARGIN.left, cursor.y, CONTENT_WIDTH, ROW, fill, undefined);
  let x = MARGIN.left;
  COLUMNS.forEach((column, i) => {
    const cell = cells[i] ?? "";
    const y = cursor.y + (ROW - size) / 2 + 1.5;
    if (i === 1) cursor.draw(cell, x + 5, y, { ...style, size });
    else cursor.centred(cell, x + column.width / 2, y, { ...style, size });
    x += column.width;
  });
  cursor.rule(MARGIN.left, MARGIN.left + CONTENT_WIDTH, cursor.y);
}

/** The table's top rule and column lines from `top` down to the cursor. */
function tableEdges(cursor: PageCursor, top: number): void {
  cursor.rule(MARGIN.left, MARGIN.left + CONTENT_WIDTH, top);
  let x = MARGIN.left;
  for (const column of [...COLUMNS, undefined]) {
    cursor.current.drawLine({ start: { x, y: top }, end: { x, y: cursor.y }, thickness: 0.6, color: RULE });
    x += column?.width ?? 0;
  }
}

/** The table of a school year's subjects; a page break repeats the header row. */
function subjectTable(cursor: PageCursor, year: SchoolYear): void {
  const header = () => {
    tableRow(
      cursor,
      COLUMNS.map((c) => c.title),
      { font: "bold", size: 9.5 },
      SHADE,
    );
  };
  let top = cursor.y;
  header();
  year.subjects.forEach((subject, i) => {
    if (cursor.y - ROW < MARGIN.bottom) {
      tableEdges(cursor, top);
      cursor.newPage();
      top = cursor.y;
      header();
    }
    tableRow(
      cursor,
      [
        String(i + 1),
        subject.name,
        formatScore(subject.term1),
        formatScore(subject.term2),
        formatScore(subject.year),
      ],
      { size: 9.5 },
    );
  });
  tableEdges(cursor, top);
}

const REMARKS_STYLE: TextStyle = { font: "italic", size: 10 };

/** A school year's remarks as printed. */
function remarksText(year: SchoolYear): string | undefined {
  return year.remarks.trim() === "" ? undefined : `Nhận xét của giáo viên chủ nhiệm: ${year.remarks}`;
}

/** The height `schoolYear` takes: heading, table, results, remarks, teacher. */
function schoolYearHeight(cursor: PageCursor, year: SchoolYear): number {
  const remarks = remarksText(year);
  const remarkLines = remarks ? cursor.wrap(remarks, CONTENT_WIDTH, REMARKS_STYLE).length : 0;
  return 28 + ROW * (year.subjects.length + 1) + 4 + 3 * 16 + remarkLines * 13.5 + 4;
}

function schoolYear(cursor: PageCursor, year: SchoolYear): void {
  // A year stays on one page when it fits on one; a longer one repeats the table header.
  const height = schoolYearHeight(cursor, year);
  cursor.ensure(height <= A4.height - MARGIN.top - MARGIN.bottom ? height : 22 + ROW * 4);
  cursor.y -= 20;
  cursor.box(MARGIN.left, cursor.y - 4, CONTENT_WIDTH, 18, SHADE, undefined);
  cursor.draw(`Năm học ${year.schoolYear.replace("-", " - ")}`, MARGIN.left + 6, cursor.y + 1, {
    font: "bold",
    size: 11,
  });
  const klass = `Lớp ${year.className} (khối ${year.grade})`;
  cursor.draw(
    klass,
    A4.width - MARGIN.right - 6 - cursor.width(klass, { font: "bold", size: 11 }),
    cursor.y + 1,
    {
      font: "bold",
      size: 11,
    },
  );
  cursor.y -= 8;
  subjectTable(cursor, year);
  cursor.y -= 4;
  const col2 = MARGIN.left + 190;
  const col3 = MARGIN.left + 370;
  cursor.fields(
    [
      ["Kết quả học tập", year.academicResult, MARGIN.left],
      ["Kết quả rèn luyện", year.conductResult, col2],
      ["Số ngày nghỉ", String(year.daysAbsent), col3],
    ],
    10,
  );
  cursor.fields([["Kết quả cuối năm", OUTCOME_TEXT[year.outcome] ?? year.outcome, MARGIN.left]], 10);
  const remarks = remarksText(year);
  if (remarks) {
    cursor.y -= 2;
    cursor.paragraph(remarks, MARGIN.left, CONTENT_WIDTH, REMARKS_STYLE);
  }
  cursor.fields([["Giáo viên chủ nhiệm", year.homeroomTeacher, MARGIN.left]], 10);
}

/** The principal's confirmation of lower-secondary completion (from 2026, instead of a diploma). */
function completionBlock(cursor: PageCursor, completion: Completion): void {
  cursor.y -= 6;
  cursor.paragraph(
    `Xác nhận hoàn thành chương trình trung học cơ sở: ngày ${vietnameseDate(completion.date)}, Hiệu trưởng ${completion.principal}.`,
    MARGIN.left,
    CONTENT_WIDTH,
    { font: "bold", size: 10 },
  );
}

export const transcriptLayout: DocumentLayout<Transcript> = {
  type: TRANSCRIPT_TYPE,
  kind: "học bạ số",
  body(cursor, document, kind) {
    const province = provinceName(document.school.province);
    header(cursor, document.school.name, province ? `Sở GD&ĐT ${province}` : "Sở Giáo dục và Đào tạo");
    title(cursor, "HỌC BẠ", LEVEL_TITLES[document.school.level], document.id, kind);
    studentBlock(cursor, document.student, `${document.school.name} (mã trường ${document.school.code})`);
    for (const year of document.years) schoolYear(cursor, year);
    if (document.completion) completionBlock(cursor, document.completion);
  },
  place: (document) => provinceName(document.school.province),
  defaultSignerRole: "Hiệu trưởng",
  signedBy: "được nhà trường ký số",
  title: (document) => `Học bạ - ${document.student.fullName}`,
  author: (document) => document.school.name,
};
