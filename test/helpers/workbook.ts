/**
 * Class workbook fixtures (docs/workbook.md): a class of realistic transcripts for the test school,
 * and the files a school office would send — the repository's template filled cell by cell with
 * ExcelJS, the writer's XLSX, the CSV layout — with a hook to put a mistake in a table first.
 */
import ExcelJS from "exceljs";
import { writeWorkbook } from "../../service/src/adapters/files/workbook-writer";
import type { Cell } from "../../service/src/core/documents/graduate-rows";
import type { Transcript } from "../../service/src/core/documents/schema";
import {
  csvTable,
  tableToCsv,
  workbookTables,
  type ClassInfo,
  type WorkbookTable,
} from "../../service/src/core/workbook/layout";
import { makeClass } from "../../service/src/demo/class";
import { templateWorkbook } from "../../service/src/issuance/drafts";
import { SCHOOL_CODE } from "./pki";

export const CLASS_SCHOOL = {
  code: SCHOOL_CODE,
  name: "Trường THCS Nguyễn Du",
  province: "79",
  level: "THCS",
} as const;

export interface TestClass {
  info: ClassInfo;
  transcripts: Transcript[];
}

/** A class of `size` students of the test school (class 9A1, 2021-2022 to 2024-2025). */
export function testClass(size = 5, seed = 11, suffix = "A1"): TestClass {
  return makeClass({ school: CLASS_SCHOOL, size, seed, suffix });
}

/** Sets the cell of `table` at sheet row `row` (1 = heading) under heading `header`. */
export function setCell(table: WorkbookTable, row: number, header: string, value: Cell): void {
  const column = table.header.indexOf(header);
  if (column < 0) throw new Error(`no column ${header} in ${table.name}`);
  table.rows[row - 2]![column] = value;
}

/** The table named `name`. */
export function tableNamed(tables: WorkbookTable[], name: string): WorkbookTable {
  const table = tables.find((t) => t.name === name);
  if (!table) throw new Error(`no table ${name}`);
  return table;
}

/** The class as an XLSX written by the service's writer, after `edit`. */
export function xlsxOf(
  c: TestClass,
  edit: (tables: WorkbookTable[]) => void = () => {},
): Promise<Uint8Array> {
  const tables = workbookTables(c.info, c.transcripts);
  edit(tables);
  return writeWorkbook(tables);
}

/** The class in the CSV layout, after `edit`. */
export function csvOf(c: TestClass, edit: (table: WorkbookTable) => void = () => {}): Uint8Array {
  const table = csvTable(c.info, c.transcripts);
  edit(table);
  return new TextEncoder().encode(tableToCsv(table));
}

/**
 * The downloadable template of the class's level, filled as an office would: ExcelJS opens it and
 * writes each value under the template's own headings, sheet by sheet.
 */
export async function fillTemplate(c: TestClass): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  const template = await templateWorkbook(writeWorkbook, c.info.school.level);
  await workbook.xlsx.load(template.buffer as ArrayBuffer);
  for (const table of workbookTables(c.info, c.transcripts)) {
    const sheet = workbook.getWorksheet(table.name);
    if (!sheet) throw new Error(`the template has no sheet ${table.name}`);
    const headings = (sheet.getRow(1).values as unknown[]).map((v) => (typeof v === "string" ? v : ""));
    table.rows.forEach((values, r) => {
      table.header.forEach((header, i) => {
        const column = headings.indexOf(header);
        if (column < 1) throw new Error(`the template's sheet ${table.name} has no column ${header}`);
        const value = values[i];
        sheet.getCell(r + 2, column).value = value === undefined ? null : value;
      });
    });
  }
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}
