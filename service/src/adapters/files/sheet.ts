/**
 * Reading the table of an import file (docs/formats.md): CSV in UTF-8 with a header row, or XLSX
 * with the same header in the first sheet. The format is told by the bytes (an XLSX is a ZIP
 * archive), not by a name, since the API receives bytes only. Rows keep their number in the file
 * (CSV line, sheet row) so problems can be reported where the district office will look.
 */
import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { HocbaError } from "../../core/errors";
import type { Cell, SheetRow } from "../../core/documents/graduate-rows";
import type { Sheet } from "../../issuance/ports";

export type { Sheet };
export type SheetFormat = Sheet["format"];

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

export function sheetFormatOf(bytes: Uint8Array): SheetFormat {
  return ZIP_MAGIC.every((b, i) => bytes[i] === b) ? "xlsx" : "csv";
}

function unreadable(format: SheetFormat, cause: unknown): HocbaError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new HocbaError("IMPORT_INVALID", `the file is not a readable ${format.toUpperCase()}: ${reason}`, {
    cause,
    details: [{ row: 1, column: null, code: "FILE_UNREADABLE", message: reason }],
  });
}

function split(rows: SheetRow[]): Pick<Sheet, "header" | "rows"> {
  const start = rows.findIndex((row) => row.cells.some((cell) => cell !== "" && cell != null));
  return start < 0 ? { header: undefined, rows: [] } : { header: rows[start], rows: rows.slice(start + 1) };
}

/** Comma, or semicolon when the header line has semicolons and no comma (spreadsheets in some locales). */
function delimiterOf(text: string): "," | ";" {
  const header = text.slice(0, text.search(/\r?\n|$/));
  return header.includes(";") && !header.includes(",") ? ";" : ",";
}

function readCsv(bytes: Uint8Array): SheetRow[] {
  // One line break style: csv-parse counts a CR LF inside a quoted cell as two lines.
  const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/\r\n?/g, "\n");
  const records = parse(text, {
    bom: true,
    delimiter: delimiterOf(text),
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
  }) as unknown as { record: string[]; info: { lines: number } }[];
  // `lines` is where a record ends; a quoted cell may span lines, the row starts that many earlier.
  const breaks = (record: string[]) => record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);
  return records.map(({ record, info }) => ({ row: info.lines - breaks(record), cells: record }));
}

/** The value of an XLSX cell as text, number, boolean or date (formulas give their result). */
function cellValue(value: ExcelJS.CellValue): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  if (value instanceof Date) return value;
  if ("richText" in value) return value.richText.map((part) => part.text).join("");
  if ("result" in value) return cellValue(value.result);
  if ("text" in value) return value.text;
  // An error cell (#N/A, #REF!…): its code, which no column accepts.
  if ("error" in value) return value.error;
  return null;
}

async function readXlsx(bytes: Uint8Array): Promise<SheetRow[]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(Buffer.from(bytes) as unknown as ExcelJS.Buffer);
  const sheet = workbook.worksheets[0];
  if (sheet === undefined) return [];
  const rows: SheetRow[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, number) => {
    const cells: Cell[] = [];
    row.eachCell({ includeEmpty: true }, (cell, column) => {
      cells[column - 1] = cellValue(cell.value);
    });
    rows.push({ row: number, cells });
  });
  return rows;
}

/**
 * Reads the file's rows.
 * @throws HocbaError IMPORT_INVALID (FILE_UNREADABLE) when the bytes are not UTF-8 CSV or a readable XLSX.
 */
export async function readSheet(bytes: Uint8Array): Promise<Sheet> {
  const format = sheetFormatOf(bytes);
  let rows: SheetRow[];
  try {
    rows = format === "xlsx" ? await readXlsx(bytes) : readCsv(bytes);
  } catch (error) {
    throw unreadable(format, error);
  }
  return { format, ...split(rows) };
}
