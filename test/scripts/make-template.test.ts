import { readFileSync } from "node:fs";
import path from "node:path";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { templateFiles, TEMPLATES_DIR } from "../../scripts/make-template";

/** Every sheet's name and cell values, row by row. */
async function cellsOf(bytes: Uint8Array): Promise<{ name: string; rows: unknown[][] }[]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(new Uint8Array(bytes).buffer);
  return workbook.worksheets.map((sheet) => {
    const rows: unknown[][] = [];
    sheet.eachRow({ includeEmpty: true }, (row) => rows.push((row.values as unknown[]).slice(1)));
    return { name: sheet.name, rows };
  });
}

describe("the class workbook templates in docs/templates", () => {
  it("hold what scripts/make-template.ts makes (run it after changing the layout)", async () => {
    const files = await templateFiles();
    for (const [name, made] of Object.entries(files)) {
      const committed = readFileSync(path.join(TEMPLATES_DIR, name));
      if (typeof made === "string") expect(committed.toString("utf8")).toEqual(made);
      else expect(await cellsOf(new Uint8Array(committed))).toEqual(await cellsOf(made));
    }
  });

  it("have the sheets of a class: Lớp, Học sinh, a sheet per school year of the level, then the instructions", async () => {
    const files = await templateFiles();
    const names = async (name: string) => (await cellsOf(files[name] as Uint8Array)).map((s) => s.name);
    expect([await names("hoc-ba-lop-thcs.xlsx"), await names("hoc-ba-lop-thpt.xlsx")]).toEqual([
      ["Lớp", "Học sinh", "Năm 2021-2022", "Năm 2022-2023", "Năm 2023-2024", "Năm 2024-2025", "Hướng dẫn"],
      ["Lớp", "Học sinh", "Năm 2022-2023", "Năm 2023-2024", "Năm 2024-2025", "Hướng dẫn"],
    ]);
  });
});
