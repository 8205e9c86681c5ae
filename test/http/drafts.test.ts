import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import ExcelJS from "exceljs";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../service/src/adapters/db/database";
import { yearSheetName } from "../../service/src/core/workbook/layout";
import { XLSX_TYPE } from "../../service/src/http/routes/drafts";
import { apiKeyFor } from "../helpers/app";
import { startBackendApp, type BackendApp } from "../helpers/backend-app";
import { databaseBackends } from "../helpers/databases";
import { makeSchoolPki, SCHOOL_CODE, type SchoolPki } from "../helpers/pki";
import { csvOf, setCell, tableNamed, testClass, xlsxOf } from "../helpers/workbook";

const backends = await databaseBackends();
const dir = mkdtempSync(path.join(os.tmpdir(), "hocba-http-drafts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let pki: SchoolPki;
beforeAll(async () => {
  pki = await makeSchoolPki("P-256");
});

describe.each(backends)("the drafts API on $name", (backend) => {
  let db: Database;
  let t: BackendApp;
  let app: FastifyInstance;
  let otherKey: string;

  beforeAll(async () => {
    t = await startBackendApp(backend, dir, { pki });
    db = t.db;
    app = t.app;
    otherKey = await apiKeyFor(db, "79000799");
  });
  afterAll(async () => {
    await t?.dispose();
  });

  const auth = (key: string) => ({ authorization: `Bearer ${key}` });

  function upload(file: Uint8Array, type = XLSX_TYPE, key = t.schoolKey) {
    return app.inject({
      method: "POST",
      url: "/api/v1/drafts/import",
      headers: { ...auth(key), "content-type": type },
      payload: Buffer.from(file),
    });
  }

  it("imports a class sent as the raw XLSX body, lists its drafts with their status and reads one back", async () => {
    const c = testClass(3, 31, "C1");
    const res = await upload(await xlsxOf(c));
    const body = res.json<{
      importId: string;
      drafts: { id: string; studentCode: string }[];
      counts: unknown;
    }>();
    expect([res.statusCode, body.counts, body.drafts.map((d) => d.studentCode)]).toEqual([
      201,
      { students: 3, created: 3, replaced: 0, kept: 0, removed: 0 },
      c.transcripts.map((d) => d.student.studentCode),
    ]);

    const list = await app.inject({
      method: "GET",
      url: "/api/v1/drafts?class=9C1&year=2024-2025",
      headers: auth(t.schoolKey),
    });
    expect([list.statusCode, list.json<{ drafts: unknown[] }>().drafts.length]).toEqual([200, 3]);
    const first = list.json<{
      drafts: { id: string; fullName: string; status: string; className: string }[];
    }>().drafts;
    expect(first.map((d) => [d.className, d.status]).sort()).toEqual([
      ["9C1", "draft"],
      ["9C1", "draft"],
      ["9C1", "draft"],
    ]);

    const id = body.drafts[0]!.id;
    const one = await app.inject({ method: "GET", url: `/api/v1/drafts/${id}`, headers: auth(t.schoolKey) });
    const view = one.json<{
      id: string;
      status: string;
      document: { id: string; student: unknown };
      problems: unknown[];
    }>();
    expect([
      one.statusCode,
      view.id,
      view.status,
      view.document.id,
      view.document.student,
      view.problems,
    ]).toEqual([200, id, "draft", id, c.transcripts[0]!.student, []]);
  });

  it("imports the CSV layout sent as text/csv", async () => {
    const res = await upload(csvOf(testClass(2, 32, "C2")), "text/csv");
    expect([res.statusCode, res.json<{ format: string; className: string }>().format]).toEqual([201, "csv"]);
  });

  it("answers a file with a mistake with 422 and every problem, and stores nothing", async () => {
    const c = testClass(2, 33, "C3");
    const res = await upload(
      await xlsxOf(c, (tables) =>
        setCell(tableNamed(tables, yearSheetName("2024-2025")), 3, "Toán – Cả năm", 11),
      ),
    );
    expect([res.statusCode, res.json()]).toEqual([
      422,
      {
        error: {
          code: "IMPORT_INVALID",
          message:
            "the workbook was not imported: 1 problem, first: Sheet 'Năm 2024-2025', row 3, column 'Toán – Cả năm': score 11 is outside 0–10",
          details: [
            {
              sheet: "Năm 2024-2025",
              row: 3,
              column: "Toán – Cả năm",
              code: "SCORE_RANGE",
              message: "Trang 'Năm 2024-2025', dòng 3, cột 'Toán – Cả năm': điểm 11 ngoài thang 0–10",
              messageEn: "Sheet 'Năm 2024-2025', row 3, column 'Toán – Cả năm': score 11 is outside 0–10",
            },
          ],
        },
      },
    ]);
    const list = await app.inject({
      method: "GET",
      url: "/api/v1/drafts?class=9C3",
      headers: auth(t.schoolKey),
    });
    expect(list.json()).toEqual({ drafts: [] });
  });

  it("refuses another school's workbook with 403 WORKBOOK_SCHOOL_MISMATCH", async () => {
    const res = await upload(await xlsxOf(testClass(1, 34, "C4")), XLSX_TYPE, otherKey);
    expect([res.statusCode, res.json<{ error: { code: string } }>().error.code]).toEqual([
      403,
      "WORKBOOK_SCHOOL_MISMATCH",
    ]);
  });

  it("hides a school's drafts from another school", async () => {
    const res = await upload(await xlsxOf(testClass(1, 35, "C5")));
    const id = res.json<{ drafts: { id: string }[] }>().drafts[0]!.id;
    const other = await app.inject({ method: "GET", url: `/api/v1/drafts/${id}`, headers: auth(otherKey) });
    const list = await app.inject({ method: "GET", url: "/api/v1/drafts", headers: auth(otherKey) });
    expect([other.statusCode, other.json<{ error: { code: string } }>().error.code, list.json()]).toEqual([
      404,
      "NOT_FOUND",
      { drafts: [] },
    ]);
  });

  it("asks for a key on every drafts route and refuses a body of another content type", async () => {
    const answers = await Promise.all([
      app.inject({
        method: "POST",
        url: "/api/v1/drafts/import",
        headers: { "content-type": XLSX_TYPE },
        payload: "x",
      }),
      app.inject({ method: "GET", url: "/api/v1/drafts" }),
      app.inject({ method: "GET", url: "/api/v1/drafts/00000000-0000-4000-8000-000000000000" }),
      app.inject({ method: "GET", url: "/api/v1/drafts/template.xlsx" }),
    ]);
    expect(answers.map((a) => a.statusCode)).toEqual([401, 401, 401, 401]);
    const pdf = await upload(new Uint8Array([0x25, 0x50, 0x44, 0x46]), "application/pdf");
    expect([pdf.statusCode, pdf.json<{ error: { code: string } }>().error.code]).toEqual([
      400,
      "SCHEMA_INVALID",
    ]);
  });

  it("serves the template of each level as an XLSX download", async () => {
    const sheetsOf = async (level: string) => {
      const res = await app.inject({
        method: "GET",
        url: `/api/v1/drafts/template.xlsx?level=${level}`,
        headers: auth(t.schoolKey),
      });
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(new Uint8Array(res.rawPayload).buffer);
      return [
        res.statusCode,
        res.headers["content-type"],
        res.headers["content-disposition"],
        workbook.worksheets.length,
      ];
    };
    expect([await sheetsOf("THCS"), await sheetsOf("THPT")]).toEqual([
      [200, XLSX_TYPE, 'attachment; filename="hoc-ba-lop-thcs.xlsx"', 7],
      [200, XLSX_TYPE, 'attachment; filename="hoc-ba-lop-thpt.xlsx"', 6],
    ]);
  });

  it("reports the school of the import in the answer", async () => {
    const res = await upload(await xlsxOf(testClass(1, 36, "C6")));
    expect(res.json<{ schoolCode: string }>().schoolCode).toBe(SCHOOL_CODE);
  });
});
