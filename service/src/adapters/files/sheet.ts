/**
 * Reading the table of an import file (docs/formats.md): CSV in UTF-8 with a header row, or XLSX
 * with the same header in the first sheet. The format is told by the bytes (an XLSX is a ZIP
 * archive), not by a name, since the API receives bytes only. Rows keep their number in the file
 * (CSV line, sheet row) so problems can be reported where the district office will look.
 */
import { Worker } from "node:worker_threads";
import { parse } from "csv-parse";
import type ExcelJS from "exceljs";
import { HocbaError } from "../../core/errors";
import type { Cell, SheetRow } from "../../core/documents/graduate-rows";
import type { Sheet, WorkbookFile } from "../../issuance/ports";
import { assertZipWithinLimits, fileTooLarge, type ZipLimits } from "./zip-limits";

export type { Sheet, WorkbookFile };
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

/** Characters of CSV text parsed between two turns of the event loop (about 5 ms of parsing). */
const CSV_SLICE = 32_768;

async function readCsv(bytes: Uint8Array): Promise<SheetRow[]> {
  // One line break style: csv-parse counts a CR LF inside a quoted cell as two lines.
  const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/\r\n?/g, "\n");
  const records: { record: string[]; info: { lines: number } }[] = [];
  const parser = parse({
    bom: true,
    delimiter: delimiterOf(text),
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
  });
  parser.on("data", (record: { record: string[]; info: { lines: number } }) => records.push(record));
  let failed = false;
  const finished = new Promise<void>((resolve, reject) => {
    parser.on("end", resolve);
    parser.on("error", (error) => {
      failed = true;
      reject(error);
    });
  });
  // Awaited below, after the slices: a parse error meanwhile must not count as unhandled.
  finished.catch(() => undefined);
  // Slice by slice, yielding between them: a 10,000-row list parsed in one go holds the event
  // loop for a second. Nothing more is written once the parser failed.
  for (let at = 0; at < text.length && !failed; at += CSV_SLICE) {
    parser.write(text.slice(at, at + CSV_SLICE));
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (!failed) parser.end();
  await finished;
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

/**
 * Reads the raw cell values of the first sheet (or every sheet) in a worker thread: ExcelJS parses
 * a whole sheet without yielding (10,000 rows hold the event loop for over a second), so it parses
 * beside the event loop, with a heap of its own; the values come back by structured clone (dates
 * stay dates). The worker is kept warm between files (loading ExcelJS anew cost more CPU than
 * reading a class of 40 students) and reads one file at a time. Its code is inline
 * (worker_threads `eval`) so that the bundle needs no second file.
 */
const XLSX_WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const ExcelJS = require(workerData.exceljs);
async function read(bytes, all) {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(Buffer.from(bytes), { ignoreNodes: workerData.ignoreNodes });
  const sheets = [];
  for (const sheet of all ? workbook.worksheets : workbook.worksheets.slice(0, 1)) {
    const rows = [];
    sheet.eachRow({ includeEmpty: false }, (row, number) => {
      const cells = [];
      row.eachCell({ includeEmpty: true }, (cell, column) => { cells[column - 1] = cell.value; });
      rows.push({ row: number, cells });
    });
    sheets.push({ name: sheet.name, rows });
  }
  return sheets;
}
parentPort.on("message", ({ bytes, all }) => {
  read(bytes, all).then(
    (sheets) => parentPort.postMessage({ sheets }),
    (error) => parentPort.postMessage({ error: String((error && error.message) || error) }),
  );
});
`;

/**
 * Worksheet parts the reader skips: none of them changes a cell's value, and ExcelJS would expand
 * every data validation range into one entry per cell (the class template has a list on every
 * score cell).
 */
const XLSX_IGNORED_NODES = ["dataValidations", "conditionalFormatting", "extLst"];

/** Heap of the XLSX worker (MB): far above what a sheet within the import limits needs. */
const XLSX_WORKER_HEAP_MB = 512;
/** How long the XLSX worker stays without a file before it stops (its heap is returned). */
const XLSX_WORKER_IDLE_MS = 60_000;

interface RawSheet {
  name: string;
  rows: { row: number; cells: ExcelJS.CellValue[] }[];
}

/** The warm worker, while it runs; files wait their turn in `queue`. */
let xlsxWorker: { worker: Worker; idle?: NodeJS.Timeout } | undefined;
let queue: Promise<unknown> = Promise.resolve();

function startXlsxWorker(): Worker {
  const worker = new Worker(XLSX_WORKER, {
    eval: true,
    workerData: { exceljs: require.resolve("exceljs"), ignoreNodes: XLSX_IGNORED_NODES },
    resourceLimits: { maxOldGenerationSizeMb: XLSX_WORKER_HEAP_MB },
  });
  xlsxWorker = { worker };
  worker.once("exit", () => {
    if (xlsxWorker?.worker === worker) xlsxWorker = undefined;
  });
  return worker;
}

/** One file through the worker (started if need be); the worker is kept unless it failed. */
function readInWorker(bytes: Uint8Array, all: boolean): Promise<RawSheet[]> {
  if (xlsxWorker?.idle) clearTimeout(xlsxWorker.idle);
  const worker = xlsxWorker?.worker ?? startXlsxWorker();
  // Held by the file being read, not by an idle worker: the process may exit between imports.
  worker.ref();
  return new Promise<RawSheet[]>((resolve, reject) => {
    const settle = (keep: boolean): void => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
      if (!keep) {
        if (xlsxWorker?.worker === worker) xlsxWorker = undefined;
        void worker.terminate();
        return;
      }
      worker.unref();
      if (xlsxWorker?.worker === worker)
        xlsxWorker.idle = setTimeout(() => void worker.terminate(), XLSX_WORKER_IDLE_MS).unref();
    };
    const onMessage = (answer: { sheets: RawSheet[] } | { error: string }): void => {
      settle(true);
      if ("error" in answer) reject(new Error(answer.error));
      else resolve(answer.sheets);
    };
    const onError = (error: Error): void => {
      settle(false);
      reject(error);
    };
    const onExit = (code: number): void => {
      settle(false);
      reject(new Error(`the XLSX reader stopped (exit code ${code})`));
    };
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
    worker.postMessage({ bytes, all });
  });
}

function readXlsxSheets(bytes: Uint8Array, all: boolean): Promise<RawSheet[]> {
  const read = queue.then(() => readInWorker(bytes, all));
  queue = read.catch(() => undefined);
  return read;
}

function rowsOf(sheet: RawSheet): SheetRow[] {
  return sheet.rows.map(({ row, cells }) => ({ row, cells: Array.from(cells, (value) => cellValue(value)) }));
}

async function readXlsx(bytes: Uint8Array): Promise<SheetRow[]> {
  const [first] = await readXlsxSheets(bytes, false);
  return first === undefined ? [] : rowsOf(first);
}

/** Import limits unless configured (IMPORT_MAX_UNCOMPRESSED_BYTES, IMPORT_MAX_CELLS). */
export const DEFAULT_SHEET_LIMITS: ZipLimits = { maxUncompressedBytes: 52_428_800, maxCells: 500_000 };

/**
 * Reads the file's rows. An XLSX is measured from its ZIP directory and a counting inflate
 * (zip-limits.ts) before the spreadsheet reader sees it.
 * @throws HocbaError IMPORT_INVALID (FILE_UNREADABLE) when the bytes are not UTF-8 CSV or a readable XLSX;
 *   PAYLOAD_TOO_LARGE (FILE_TOO_LARGE, TOO_MANY_CELLS) when the file is over a limit.
 */
export async function readSheet(bytes: Uint8Array, limits: ZipLimits = DEFAULT_SHEET_LIMITS): Promise<Sheet> {
  const format = sheetFormatOf(bytes);
  if (format === "xlsx") await assertZipWithinLimits(bytes, limits);
  let rows: SheetRow[];
  try {
    rows = format === "xlsx" ? await readXlsx(bytes) : await readCsv(bytes);
  } catch (error) {
    throw unreadable(format, error);
  }
  countCells([{ name: null, rows }], limits);
  return { format, ...split(rows) };
}

function countCells(sheets: WorkbookFile["sheets"], limits: ZipLimits): void {
  const cells = sheets.reduce((sum, s) => s.rows.reduce((n, row) => n + row.cells.length, sum), 0);
  if (cells > limits.maxCells)
    throw fileTooLarge("TOO_MANY_CELLS", `the file has ${cells} cells (at most ${limits.maxCells})`);
}

/**
 * Reads every sheet of a class workbook (docs/workbook.md), within the same limits as readSheet.
 * @throws HocbaError IMPORT_INVALID (FILE_UNREADABLE), PAYLOAD_TOO_LARGE (FILE_TOO_LARGE, TOO_MANY_CELLS).
 */
export async function readWorkbookFile(
  bytes: Uint8Array,
  limits: ZipLimits = DEFAULT_SHEET_LIMITS,
): Promise<WorkbookFile> {
  const format = sheetFormatOf(bytes);
  if (format === "xlsx") await assertZipWithinLimits(bytes, limits);
  let sheets: WorkbookFile["sheets"];
  try {
    sheets =
      format === "xlsx"
        ? (await readXlsxSheets(bytes, true)).map((s) => ({ name: s.name, rows: rowsOf(s) }))
        : [{ name: null, rows: await readCsv(bytes) }];
  } catch (error) {
    throw unreadable(format, error);
  }
  countCells(sheets, limits);
  return { format, sheets };
}
