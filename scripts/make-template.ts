/**
 * Writes the class workbook templates and the CSV example kept in the repository
 * (docs/workbook.md): docs/templates/hoc-ba-lop-thcs.xlsx and hoc-ba-lop-thpt.xlsx (empty, one
 * sheet per school year of the level) and docs/templates/hoc-ba-lop-mau.csv (three students of a
 * demo class in the CSV layout). test/scripts/make-template.test.ts checks the committed files
 * hold what this script makes.
 *
 *   npx tsx scripts/make-template.ts
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { writeWorkbook } from "../service/src/adapters/files/workbook-writer";
import { csvTable, tableToCsv, templateClass, workbookTables } from "../service/src/core/workbook/layout";
import { makeClass } from "../service/src/demo/class";

export const TEMPLATES_DIR = path.join(__dirname, "..", "docs", "templates");

export const CSV_EXAMPLE_SCHOOL = {
  code: "DEMO01",
  name: "Trường THCS Demo",
  province: "01",
  level: "THCS",
} as const;

/** The files and their contents. */
export async function templateFiles(): Promise<Record<string, Uint8Array | string>> {
  const example = makeClass({ school: CSV_EXAMPLE_SCHOOL, size: 3, seed: 7 });
  return {
    "hoc-ba-lop-thcs.xlsx": await writeWorkbook(workbookTables(templateClass("THCS"))),
    "hoc-ba-lop-thpt.xlsx": await writeWorkbook(workbookTables(templateClass("THPT"))),
    "hoc-ba-lop-mau.csv": tableToCsv(csvTable(example.info, example.transcripts)),
  };
}

async function main(): Promise<void> {
  for (const [name, content] of Object.entries(await templateFiles())) {
    writeFileSync(path.join(TEMPLATES_DIR, name), content);
    console.log(`wrote docs/templates/${name}`);
  }
}

if (require.main === module)
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
