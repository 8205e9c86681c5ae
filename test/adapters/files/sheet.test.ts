import { monitorEventLoopDelay } from "node:perf_hooks";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { readSheet } from "../../../service/src/adapters/files/sheet";
import type { HocbaError } from "../../../service/src/core/errors";
import { zipOf } from "../../helpers/files";
import { graduateRow, toCsv, toXlsx } from "../../helpers/graduates";

describe("reading an import file", () => {
  it("reads a UTF-8 CSV with a BOM, a quoted cell over two lines and blank lines, keeping line numbers", async () => {
    const text =
      '\uFEFFfullName,placeOfBirth\r\nNguyễn Thị Ánh,"Xã An Phú,\r\nHuyện Củ Chi"\r\n\r\nĐặng Văn Đức,Tỉnh Đồng Nai\r\n';
    expect(await readSheet(Buffer.from(text, "utf8"))).toEqual({
      format: "csv",
      header: { row: 1, cells: ["fullName", "placeOfBirth"] },
      rows: [
        { row: 2, cells: ["Nguyễn Thị Ánh", "Xã An Phú,\nHuyện Củ Chi"] },
        { row: 5, cells: ["Đặng Văn Đức", "Tỉnh Đồng Nai"] },
      ],
    });
  });

  it("reads a CSV separated by semicolons", async () => {
    const sheet = await readSheet(Buffer.from("fullName;dateOfBirth\nNguyễn Văn An;17/05/2009\n"));
    expect([sheet.header?.cells, sheet.rows.map((r) => r.cells)]).toEqual([
      ["fullName", "dateOfBirth"],
      [["Nguyễn Văn An", "17/05/2009"]],
    ]);
  });

  it("reads the first sheet of an XLSX: text, numbers, dates, rich text and formula results", async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet("DS");
    workbook.addWorksheet("other").addRow(["ignored"]);
    sheet.addRow(["fullName", "dateOfBirth", "graduationYear", "schoolName"]);
    sheet.addRow([
      { richText: [{ text: "Trần " }, { text: "Thị Mai" }] },
      new Date("2009-05-17T00:00:00Z"),
      { formula: "2020+4", result: 2024 },
      "Trường THCS Lê Lợi",
    ]);
    const read = await readSheet(Buffer.from(await workbook.xlsx.writeBuffer()));
    expect(read).toEqual({
      format: "xlsx",
      header: { row: 1, cells: ["fullName", "dateOfBirth", "graduationYear", "schoolName"] },
      rows: [
        { row: 2, cells: ["Trần Thị Mai", new Date("2009-05-17T00:00:00Z"), 2024, "Trường THCS Lê Lợi"] },
      ],
    });
  });

  it("reads XLSX files sent at once one after the other, each whole, and a damaged one spoils none after it", async () => {
    const file = (first: number) => toXlsx([graduateRow(first), graduateRow(first + 1)]);
    const damaged = zipOf([
      { name: "xl/workbook.xml", content: Buffer.from("<workbook><sheets><sheet") },
      { name: "xl/worksheets/sheet1.xml", content: Buffer.from("<worksheet><sheetData><row") },
    ]);
    const outcome = (read: Promise<unknown>) =>
      read.then(
        (sheet) => (sheet as { rows: { cells: unknown[] }[] }).rows.map((row) => row.cells[0]),
        (error: HocbaError) => [error.code, (error.details as { code: string }[])[0]!.code],
      );
    const [a, b, c, d] = await Promise.all([
      outcome(readSheet(await file(1))),
      outcome(readSheet(damaged)),
      outcome(readSheet(await file(3))),
      outcome(readSheet(await file(5))),
    ]);
    expect([a, b, c, d]).toEqual([
      [graduateRow(1).fullName, graduateRow(2).fullName],
      ["IMPORT_INVALID", "FILE_UNREADABLE"],
      [graduateRow(3).fullName, graduateRow(4).fullName],
      [graduateRow(5).fullName, graduateRow(6).fullName],
    ]);
  });

  it("refuses bytes that are neither UTF-8 text nor a readable XLSX", async () => {
    const failure = async (bytes: Uint8Array) => {
      try {
        await readSheet(bytes);
      } catch (error) {
        const e = error as HocbaError;
        return [e.code, (e.details as { code: string }[])[0]!.code];
      }
      return "read";
    };
    expect(await failure(Buffer.from([0x66, 0xff, 0xfe, 0x0a]))).toEqual([
      "IMPORT_INVALID",
      "FILE_UNREADABLE",
    ]);
    expect(await failure(Buffer.from("PK\u0003\u0004 not really a zip"))).toEqual([
      "IMPORT_INVALID",
      "FILE_UNREADABLE",
    ]);
  });
});

async function refusal(bytes: Uint8Array, limits?: Parameters<typeof readSheet>[1]): Promise<unknown> {
  try {
    await readSheet(bytes, limits);
  } catch (error) {
    const e = error as HocbaError;
    return { code: e.code, message: e.message, details: e.details };
  }
  return "read";
}

const tooLarge = (code: string, message: string) => ({
  code: "PAYLOAD_TOO_LARGE",
  message,
  details: [{ row: 1, column: null, code, message }],
});

describe("the import limits", () => {
  const rows = Array.from({ length: 200 }, (_, i) => graduateRow(i));

  it("refuses an XLSX whose directory declares more than the limit uncompressed, before inflating it", async () => {
    // 400 MB declared: the directory alone refuses it (the 4 KB of zeros behind it are never inflated).
    const bomb = zipOf([
      { name: "xl/worksheets/sheet1.xml", content: Buffer.alloc(4096), declared: 400 * 1_048_576 },
    ]);
    expect(await refusal(bomb)).toEqual(
      tooLarge("FILE_TOO_LARGE", "the XLSX is 400 MB uncompressed (at most 50 MB)"),
    );
  });

  it("refuses an XLSX whose part inflates beyond the size its directory declares", async () => {
    const liar = zipOf([
      { name: "xl/worksheets/sheet1.xml", content: Buffer.alloc(1_000_000), declared: 1000 },
    ]);
    expect(await refusal(liar)).toEqual(
      tooLarge("FILE_TOO_LARGE", "the part xl/worksheets/sheet1.xml inflates beyond its declared size"),
    );
  });

  it("refuses an XLSX with more cells than the limit, counted while inflating", async () => {
    const xlsx = await toXlsx(rows);
    expect(await refusal(xlsx, { maxUncompressedBytes: 50_000_000, maxCells: 2000 })).toEqual(
      tooLarge("TOO_MANY_CELLS", "the XLSX has more than 2000 cells"),
    );
    // 201 rows of 14 cells: within a limit of 2,814, refused one below it.
    expect([
      (await readSheet(xlsx, { maxUncompressedBytes: 50_000_000, maxCells: 2814 })).rows.length,
      await refusal(xlsx, { maxUncompressedBytes: 50_000_000, maxCells: 2813 }),
    ]).toEqual([200, tooLarge("TOO_MANY_CELLS", "the XLSX has more than 2813 cells")]);
  });

  it("refuses a CSV with more cells than the limit", async () => {
    expect(await refusal(toCsv(rows), { maxUncompressedBytes: 50_000_000, maxCells: 2813 })).toEqual(
      tooLarge("TOO_MANY_CELLS", "the file has 2814 cells (at most 2813)"),
    );
  });

  it("keeps the event loop turning while it reads a 5,000-row XLSX or CSV", async () => {
    const many = Array.from({ length: 5000 }, (_, i) => graduateRow(i));
    for (const file of [await toXlsx(many), toCsv(many)]) {
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      const sheet = await readSheet(file);
      delay.disable();
      // The longest stall, in ms: a fraction of a second even on a machine shared by many jobs
      // (unloaded it is below 50 ms; parsing in one go held it 0.5 s for 2,000 rows of XLSX, 1.2 s for 10,000).
      expect([sheet.rows.length, delay.max / 1e6 < 500]).toEqual([5000, true]);
    }
  });
});
