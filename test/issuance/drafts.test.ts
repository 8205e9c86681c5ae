import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../service/src/adapters/db/database";
import { migrate } from "../../service/src/adapters/db/migrate";
import { readWorkbookFile } from "../../service/src/adapters/files/sheet";
import type { HocbaError } from "../../service/src/core/errors";
import type { Transcript } from "../../service/src/core/documents/schema";
import { yearSheetName } from "../../service/src/core/workbook/layout";
import {
  getDraft,
  importWorkbook,
  listDrafts,
  markSigned,
  markSubmitted,
  type DraftDeps,
  type WorkbookImportResult,
} from "../../service/src/issuance/drafts";
import { databaseBackends } from "../helpers/databases";
import { zipOf } from "../helpers/files";
import { SCHOOL_CODE } from "../helpers/pki";
import {
  csvOf,
  fillTemplate,
  setCell,
  tableNamed,
  testClass,
  xlsxOf,
  type TestClass,
} from "../helpers/workbook";

const backends = await databaseBackends();
const ACTOR = "issuer:79000701:test";
const NOW = new Date("2025-06-01T08:00:00.000Z");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The error a promise rejects with, as {code, message, details}. */
async function refusal(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    const e = error as HocbaError;
    return { code: e.code, message: e.message, details: e.details };
  }
  return "imported";
}

describe.each(backends)("importing a class workbook into drafts on $name", (backend) => {
  let db: Database;
  let opened: Awaited<ReturnType<typeof backend.open>>;
  let deps: DraftDeps;

  beforeAll(async () => {
    opened = await backend.open();
    db = opened.db;
    await migrate(db);
    for (const code of [SCHOOL_CODE, "79000702"])
      await db.query("INSERT INTO issuers (code, kind, name) VALUES ($1, 'school', $1)", [code]);
    deps = { db, readWorkbook: (bytes) => readWorkbookFile(bytes), now: () => NOW };
  });
  afterAll(async () => {
    await opened?.dispose();
  });

  /** The stored document of every draft of the result, in order. */
  async function documentsOf(result: WorkbookImportResult): Promise<Transcript[]> {
    return Promise.all(
      result.drafts.map(async (d) => (await getDraft(deps, SCHOOL_CODE, d.id, ACTOR)).document),
    );
  }

  /** What each draft must be: the class's transcript with the draft's id and nonce, issued at import time. */
  function expected(c: TestClass, documents: Transcript[]): Transcript[] {
    return c.transcripts.map((t, i) => ({
      ...t,
      id: documents[i]!.id,
      nonce: documents[i]!.nonce,
      issuedAt: "2025-06-01T08:00:00Z",
    }));
  }

  async function countDrafts(className: string): Promise<number> {
    const { rows } = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM drafts WHERE class_name = $1",
      [className],
    );
    return rows[0]!.n;
  }

  it("turns the filled template into one unsigned draft per student, equal to the class's documents", async () => {
    const c = testClass(6, 21, "A1");
    const result = await importWorkbook(deps, SCHOOL_CODE, await fillTemplate(c), ACTOR);
    expect({
      ...result,
      importId: "",
      fileSha256: "",
      drafts: result.drafts.map((d) => ({ ...d, id: "" })),
    }).toEqual({
      importId: "",
      schoolCode: SCHOOL_CODE,
      schoolYear: "2024-2025",
      className: "9A1",
      format: "xlsx",
      fileSha256: "",
      importedAt: NOW.toISOString(),
      counts: { students: 6, created: 6, replaced: 0, kept: 0, removed: 0 },
      drafts: c.transcripts.map((t) => ({
        id: "",
        studentCode: t.student.studentCode,
        status: "draft",
        outcome: "created",
      })),
    });
    const documents = await documentsOf(result);
    expect(documents).toEqual(expected(c, documents));
    expect(documents.every((d) => UUID.test(d.id))).toBe(true);
    const view = await getDraft(deps, SCHOOL_CODE, result.drafts[0]!.id, ACTOR);
    expect({ ...view, document: null }).toEqual({
      id: result.drafts[0]!.id,
      schoolCode: SCHOOL_CODE,
      schoolYear: "2024-2025",
      className: "9A1",
      studentCode: c.transcripts[0]!.student.studentCode,
      status: "draft",
      importId: result.importId,
      importedBy: ACTOR,
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
      signatures: [],
      document: null,
      problems: [],
    });
  });

  it("imports the same class from the CSV layout", async () => {
    const c = testClass(4, 22, "A2");
    const result = await importWorkbook(deps, SCHOOL_CODE, csvOf(c), ACTOR);
    expect([result.format, result.className, result.counts]).toEqual([
      "csv",
      "9A2",
      { students: 4, created: 4, replaced: 0, kept: 0, removed: 0 },
    ]);
    const documents = await documentsOf(result);
    expect(documents).toEqual(expected(c, documents));
  });

  it("reports a mistake by sheet, row and column in Vietnamese and English and imports nothing; the fixed file imports", async () => {
    const c = testClass(6, 23, "A3");
    const toan = "Toán – Cả năm";
    const bad = await xlsxOf(c, (tables) =>
      setCell(tableNamed(tables, yearSheetName("2024-2025")), 7, toan, 11),
    );
    expect(await refusal(importWorkbook(deps, SCHOOL_CODE, bad, ACTOR))).toEqual({
      code: "IMPORT_INVALID",
      message:
        "the workbook was not imported: 1 problem, first: Sheet 'Năm 2024-2025', row 7, column 'Toán – Cả năm': score 11 is outside 0–10",
      details: [
        {
          sheet: "Năm 2024-2025",
          row: 7,
          column: toan,
          code: "SCORE_RANGE",
          message: "Trang 'Năm 2024-2025', dòng 7, cột 'Toán – Cả năm': điểm 11 ngoài thang 0–10",
          messageEn: "Sheet 'Năm 2024-2025', row 7, column 'Toán – Cả năm': score 11 is outside 0–10",
        },
      ],
    });
    expect(await countDrafts("9A3")).toBe(0);
    const fixed = await importWorkbook(deps, SCHOOL_CODE, await xlsxOf(c), ACTOR);
    expect(fixed.counts).toEqual({ students: 6, created: 6, replaced: 0, kept: 0, removed: 0 });
    expect(await countDrafts("9A3")).toBe(6);
  });

  it("reports every problem of the file at once, each at its cell", async () => {
    const c = testClass(3, 24, "A4");
    const bad = await xlsxOf(c, (tables) => {
      const students = tableNamed(tables, "Học sinh");
      setCell(students, 2, "Giới tính", "Nu");
      setCell(students, 3, "Ngày sinh", "31/02/2010");
      const year = tableNamed(tables, yearSheetName("2023-2024"));
      setCell(year, 4, "Kết quả học tập", "Xuất sắc");
      setCell(year, 2, "Ngữ văn – HK I", null);
    });
    const outcome = (await refusal(importWorkbook(deps, SCHOOL_CODE, bad, ACTOR))) as {
      code: string;
      details: { sheet: string; row: number; column: string; code: string; message: string }[];
    };
    expect([outcome.code, outcome.details.map((p) => [p.sheet, p.row, p.column, p.code, p.message])]).toEqual(
      [
        "IMPORT_INVALID",
        [
          [
            "Học sinh",
            2,
            "Giới tính",
            "GENDER_INVALID",
            "Trang 'Học sinh', dòng 2, cột 'Giới tính': giới tính “Nu” phải là Nam hoặc Nữ",
          ],
          [
            "Học sinh",
            3,
            "Ngày sinh",
            "DATE_INVALID",
            "Trang 'Học sinh', dòng 3, cột 'Ngày sinh': ngày “31/02/2010” không phải một ngày có thật (viết DD/MM/YYYY)",
          ],
          [
            "Năm 2023-2024",
            2,
            "Ngữ văn – HK I",
            "SUBJECT_INCOMPLETE",
            "Trang 'Năm 2023-2024', dòng 2, cột 'Ngữ văn – HK I': môn học đã có kết quả ở cột khác nhưng ô này trống",
          ],
          [
            "Năm 2023-2024",
            4,
            "Kết quả học tập",
            "ACADEMIC_RESULT_INVALID",
            "Trang 'Năm 2023-2024', dòng 4, cột 'Kết quả học tập': kết quả học tập “Xuất sắc” phải là Tốt, Khá, Đạt hoặc Chưa đạt",
          ],
        ],
      ],
    );
    expect(await countDrafts("9A4")).toBe(0);
  });

  it("replaces the unsigned drafts on a new import and keeps, and reports, the signed and submitted ones", async () => {
    const c = testClass(4, 25, "A5");
    const first = await importWorkbook(deps, SCHOOL_CODE, await xlsxOf(c), ACTOR);
    const [signed, submitted, unsigned] = first.drafts;
    expect(
      await markSigned(db, SCHOOL_CODE, signed!.id, { actor: "staff:gvcn", role: "homeroom" }, NOW),
    ).toBe("awaiting");
    await markSigned(db, SCHOOL_CODE, submitted!.id, { actor: "staff:hieu-truong", role: "principal" }, NOW);
    await markSubmitted(db, SCHOOL_CODE, submitted!.id, "staff:hieu-truong");
    // The new file drops the last student and corrects a name.
    const next: TestClass = { info: c.info, transcripts: c.transcripts.slice(0, 3) };
    next.transcripts[2] = {
      ...next.transcripts[2]!,
      student: { ...next.transcripts[2]!.student, fullName: "Lê Thị Mai" },
    };
    const second = await importWorkbook(deps, SCHOOL_CODE, await xlsxOf(next), ACTOR);
    expect([
      second.counts,
      second.drafts.map((d) => [d.id === signed!.id, d.id === submitted!.id, d.status, d.outcome]),
    ]).toEqual([
      { students: 3, created: 0, replaced: 1, kept: 2, removed: 1 },
      [
        [true, false, "awaiting", "kept"],
        [false, true, "submitted", "kept"],
        [false, false, "draft", "replaced"],
      ],
    ]);
    const listed = await listDrafts(db, SCHOOL_CODE, { className: "9A5", schoolYear: "2024-2025" }, ACTOR);
    expect(listed.map((d) => [d.id, d.fullName, d.status]).sort()).toEqual(
      [
        [signed!.id, c.transcripts[0]!.student.fullName, "awaiting"],
        [submitted!.id, c.transcripts[1]!.student.fullName, "submitted"],
        [second.drafts[2]!.id, "Lê Thị Mai", "draft"],
      ].sort(),
    );
    expect((await getDraft(deps, SCHOOL_CODE, signed!.id, ACTOR)).signatures).toEqual([
      { actor: "staff:gvcn", role: "homeroom", at: NOW.toISOString() },
    ]);
    expect(unsigned!.id).not.toBe(second.drafts[2]!.id);
    expect(await refusal(getDraft(deps, SCHOOL_CODE, unsigned!.id, ACTOR))).toEqual({
      code: "NOT_FOUND",
      message: `no draft ${unsigned!.id}`,
      details: undefined,
    });
  });

  it("audits every import and every read of drafts, without names or citizen IDs", async () => {
    const c = testClass(2, 26, "A6");
    const result = await importWorkbook(deps, SCHOOL_CODE, await xlsxOf(c), ACTOR);
    await listDrafts(db, SCHOOL_CODE, { className: "9A6" }, ACTOR);
    await getDraft(deps, SCHOOL_CODE, result.drafts[0]!.id, ACTOR);
    const { rows } = await db.query<{ actor: string; action: string; subject: string; details: unknown }>(
      `SELECT actor, action, subject, details FROM audit_log
        WHERE (action = 'drafts.imported' AND subject = $1) OR (action = 'drafts.listed' AND details->>'className' = '9A6')
           OR (action = 'draft.read' AND subject = $2) ORDER BY id`,
      [result.importId, result.drafts[0]!.id],
    );
    expect(rows).toEqual([
      {
        actor: ACTOR,
        action: "drafts.imported",
        subject: result.importId,
        details: {
          schoolCode: SCHOOL_CODE,
          schoolYear: "2024-2025",
          className: "9A6",
          fileSha256: result.fileSha256,
          counts: { students: 2, created: 2, replaced: 0, kept: 0, removed: 0 },
          kept: [],
        },
      },
      {
        actor: ACTOR,
        action: "drafts.listed",
        subject: SCHOOL_CODE,
        details: { className: "9A6", results: 2 },
      },
      {
        actor: ACTOR,
        action: "draft.read",
        subject: result.drafts[0]!.id,
        details: { schoolCode: SCHOOL_CODE },
      },
    ]);
  });

  it("answers another school's draft as missing", async () => {
    const c = testClass(1, 27, "A7");
    const result = await importWorkbook(deps, SCHOOL_CODE, await xlsxOf(c), ACTOR);
    expect(await refusal(getDraft(deps, "79000702", result.drafts[0]!.id, ACTOR))).toEqual({
      code: "NOT_FOUND",
      message: `no draft ${result.drafts[0]!.id}`,
      details: undefined,
    });
    expect(await listDrafts(db, "79000702", {}, ACTOR)).toEqual([]);
  });

  describe("refusing bad files with their coded errors", () => {
    const c = testClass(2, 28, "B1");
    const fileProblem = (code: string, vi: string, en: string) => ({
      sheet: null,
      row: null,
      column: null,
      code,
      message: `Tệp: ${vi} (${en})`,
      messageEn: `File: ${en}`,
    });

    it("refuses a file that is neither an XLSX nor UTF-8 CSV", async () => {
      const pdf = new Uint8Array([
        0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37, 0x0a, 0xe2, 0xe3, 0xcf, 0xd3,
      ]);
      const reason = "The encoded data was not valid for encoding utf-8";
      expect(await refusal(importWorkbook(deps, SCHOOL_CODE, pdf, ACTOR))).toEqual({
        code: "IMPORT_INVALID",
        message: `the file is not a readable CSV: ${reason}`,
        details: [
          fileProblem(
            "FILE_UNREADABLE",
            "không đọc được tệp: cần tệp XLSX hoặc CSV (UTF-8) theo mẫu",
            reason,
          ),
        ],
      });
    });

    it("refuses a damaged XLSX", async () => {
      const damaged = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4, 5, 6, 7, 8]);
      const reason = "no ZIP end of central directory";
      expect(await refusal(importWorkbook(deps, SCHOOL_CODE, damaged, ACTOR))).toEqual({
        code: "IMPORT_INVALID",
        message: `the file is not a readable XLSX: ${reason}`,
        details: [
          fileProblem(
            "FILE_UNREADABLE",
            "không đọc được tệp: cần tệp XLSX hoặc CSV (UTF-8) theo mẫu",
            reason,
          ),
        ],
      });
    });

    it("refuses a ZIP bomb before inflating it", async () => {
      const bomb = zipOf([
        { name: "xl/worksheets/sheet1.xml", content: Buffer.alloc(4096), declared: 400 * 1_048_576 },
      ]);
      const reason = "the XLSX is 400 MB uncompressed (at most 50 MB)";
      expect(await refusal(importWorkbook(deps, SCHOOL_CODE, bomb, ACTOR))).toEqual({
        code: "PAYLOAD_TOO_LARGE",
        message: reason,
        details: [fileProblem("FILE_TOO_LARGE", "tệp quá lớn", reason)],
      });
    });

    it("refuses a workbook with more cells than the limit", async () => {
      const small: DraftDeps = {
        ...deps,
        readWorkbook: (bytes) => readWorkbookFile(bytes, { maxUncompressedBytes: 50_000_000, maxCells: 100 }),
      };
      const reason = "the XLSX has more than 100 cells";
      expect(await refusal(importWorkbook(small, SCHOOL_CODE, await xlsxOf(c), ACTOR))).toEqual({
        code: "PAYLOAD_TOO_LARGE",
        message: reason,
        details: [fileProblem("TOO_MANY_CELLS", "tệp có quá nhiều ô", reason)],
      });
    });

    it("refuses an empty file", async () => {
      expect(await refusal(importWorkbook(deps, SCHOOL_CODE, new Uint8Array(0), ACTOR))).toEqual({
        code: "IMPORT_INVALID",
        message: "the workbook was not imported: 1 problem, first: File: the file is empty",
        details: [
          {
            sheet: null,
            row: null,
            column: null,
            code: "FILE_EMPTY",
            message: "Tệp: tệp rỗng",
            messageEn: "File: the file is empty",
          },
        ],
      });
    });

    it("refuses wrong headings: an unknown column, a missing one and a subject without its three terms", async () => {
      const bad = await xlsxOf(c, (tables) => {
        const students = tableNamed(tables, "Học sinh");
        students.header[4] = "Tôn giáo";
        const year = tableNamed(tables, yearSheetName("2022-2023"));
        year.header[year.header.indexOf("Toán – HK II")] = "Toán – HK 3";
      });
      const outcome = (await refusal(importWorkbook(deps, SCHOOL_CODE, bad, ACTOR))) as {
        code: string;
        details: { sheet: string; row: number; column: string; code: string; messageEn: string }[];
      };
      expect([
        outcome.code,
        outcome.details.map((p) => [p.sheet, p.row, p.column, p.code, p.messageEn]),
      ]).toEqual([
        "IMPORT_INVALID",
        [
          [
            "Học sinh",
            1,
            "Tôn giáo",
            "COLUMN_UNKNOWN",
            "Sheet 'Học sinh', row 1, column 'Tôn giáo': the column is not part of the template (see the Hướng dẫn sheet)",
          ],
          [
            "Học sinh",
            1,
            "Dân tộc",
            "COLUMN_MISSING",
            "Sheet 'Học sinh', row 1, column 'Dân tộc': a required column is missing",
          ],
          [
            "Năm 2022-2023",
            1,
            "Toán – HK 3",
            "COLUMN_UNKNOWN",
            "Sheet 'Năm 2022-2023', row 1, column 'Toán – HK 3': the column is not part of the template (see the Hướng dẫn sheet)",
          ],
          [
            "Năm 2022-2023",
            1,
            "Toán – HK II",
            "COLUMN_MISSING",
            "Sheet 'Năm 2022-2023', row 1, column 'Toán – HK II': a subject needs its three columns: HK I, HK II and Cả năm",
          ],
        ],
      ]);
    });

    it("refuses a sheet without data", async () => {
      const bad = await xlsxOf(c, (tables) => {
        tableNamed(tables, "Học sinh").rows = [];
      });
      expect(await refusal(importWorkbook(deps, SCHOOL_CODE, bad, ACTOR))).toEqual({
        code: "IMPORT_INVALID",
        message:
          "the workbook was not imported: 1 problem, first: Sheet 'Học sinh': the sheet has no heading row and data",
        details: [
          {
            sheet: "Học sinh",
            row: null,
            column: null,
            code: "SHEET_EMPTY",
            message: "Trang 'Học sinh': trang không có dòng tiêu đề và dữ liệu",
            messageEn: "Sheet 'Học sinh': the sheet has no heading row and data",
          },
        ],
      });
    });

    it("refuses a workbook without the sheet of a school year its class lists", async () => {
      const bad = await xlsxOf(c, (tables) => {
        tables.splice(tables.indexOf(tableNamed(tables, yearSheetName("2021-2022"))), 1);
      });
      const outcome = (await refusal(importWorkbook(deps, SCHOOL_CODE, bad, ACTOR))) as {
        code: string;
        details: { sheet: string; row: number | null; code: string; message: string }[];
      };
      expect([outcome.code, outcome.details.map((p) => [p.sheet, p.row, p.code, p.message])]).toEqual([
        "IMPORT_INVALID",
        [
          [
            "Năm 2021-2022",
            null,
            "SHEET_MISSING",
            "Trang 'Năm 2021-2022': thiếu trang của năm học 2021-2022 (có trong trang 'Lớp')",
          ],
        ],
      ]);
    });

    it("refuses a workbook of another school, before anything else", async () => {
      expect(await refusal(importWorkbook(deps, "79000702", await xlsxOf(c), ACTOR))).toEqual({
        code: "WORKBOOK_SCHOOL_MISMATCH",
        message: `the workbook is for school ${SCHOOL_CODE}, not 79000702: a school imports its own classes only`,
        details: undefined,
      });
    });
  });
});
