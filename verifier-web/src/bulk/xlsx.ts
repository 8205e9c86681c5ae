/**
 * The export sheet as an XLSX workbook, written in the browser by write-excel-file (a small,
 * maintained writer on fflate; exceljs, which the service uses to read workbooks, is several
 * times larger in a page). Loaded only when the office asks for the file. The header row is bold
 * and frozen; scores are numbers, so Excel sorts and averages them.
 */
import writeXlsxFile from "write-excel-file/browser";
import type { Sheet } from "./export";

/** The workbook (one sheet) of an export. */
export async function toXlsx(sheet: Sheet): Promise<Blob> {
  const header = sheet.header.map((value) => ({ value, fontWeight: "bold" as const, wrap: true }));
  const rows = sheet.rows.map((cells) =>
    cells.map((value) =>
      value === null ? null : typeof value === "number" ? { type: Number, value } : { type: String, value },
    ),
  );
  return writeXlsxFile([header, ...rows], {
    sheet: "hocba",
    stickyRowsCount: 1,
    columns: sheet.header.map((_, index) => ({ width: index < 3 ? 28 : 14 })),
  }).toBlob();
}
