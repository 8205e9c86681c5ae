import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { readSheet } from "../../../service/src/adapters/files/sheet";
import type { HocbaError } from "../../../service/src/core/errors";

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
