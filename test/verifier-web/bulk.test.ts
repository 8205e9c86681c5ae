/**
 * The pure parts of the bulk verification page: the tổ hợp average (scores.ts), rows, the row's
 * document, duplicates, filters and sorting, also kept up to date row by row (rows.ts), the export
 * sheet and its CSV (export.ts), the batch body (api.ts), and the ZIP reader's limits and the
 * packing of its files (zip.ts). The page itself is tried in Chromium in test/browser/bulk.test.ts.
 */
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import type { Transcript } from "../../service/src/core/documents";
import type { VerificationResult } from "../../service/src/core/verification";
import { batchBody } from "../../verifier-web/src/bulk/api";
import { exportSheet, toCsv } from "../../verifier-web/src/bulk/export";
import {
  documentSummary,
  duplicateGroups,
  FILTERS,
  identityOf,
  matches,
  problemRow,
  resultRow,
  RowTable,
  SORT_KEYS,
  sortRows,
  yearsCovered,
  type Row,
  type View,
} from "../../verifier-web/src/bulk/rows";
import { averageOf, COMBINATIONS, round2 } from "../../verifier-web/src/bulk/scores";
import { isZip, packEntries, unzipEntries, ZipProblem } from "../../verifier-web/src/bulk/zip";
import { makeTranscript, withValue } from "../helpers/fixtures";

const D01 = COMBINATIONS.find((combination) => combination.code === "D01")!;

/** A THPT transcript, grades 10–12. */
function thpt(seed: number): Transcript {
  return makeTranscript({ seed, school: { level: "THPT" } });
}

function yearResult(document: Transcript, grade: number, code: string): number {
  const year = document.years.find((entry) => entry.grade === grade)!;
  return year.subjects.find((subject) => subject.code === code)!.year as number;
}

const checksOf = (verdict: VerificationResult["verdict"]): VerificationResult => ({
  valid: verdict === "valid",
  verdict,
  checks:
    verdict === "valid"
      ? [{ name: "format", status: "valid", message: "ok" }]
      : verdict === "error"
        ? [
            { name: "format", status: "valid", message: "ok" },
            { name: "anchored", status: "error", message: "the chain could not be reached" },
          ]
        : [
            { name: "format", status: "valid", message: "ok" },
            { name: verdict === "revoked" ? "revocation" : "integrity", status: "invalid", message: "no" },
          ],
});

describe("the tổ hợp average", () => {
  it("is the mean of the chosen subjects' year results over the chosen grades, and the total the sum of subject means", () => {
    const document = thpt(1);
    const results = D01.subjects.map((code) =>
      [10, 11, 12].map((grade) => yearResult(document, grade, code)),
    );
    const sum = results.flat().reduce((a, b) => a + b, 0);
    const total = results.reduce((acc, grades) => acc + grades.reduce((a, b) => a + b, 0) / 3, 0);
    expect(averageOf(document, D01)).toEqual({
      average: Math.round((sum / 9) * 100 + 1e-9) / 100,
      total: Math.round(total * 100 + 1e-9) / 100,
    });
  });

  it("rounds half up to two decimals", () => {
    expect([round2(8.125), round2(7.005), round2(6.994999), round2(9)]).toEqual([8.13, 7.01, 6.99, 9]);
  });

  it("is not computed when a chosen grade is missing", () => {
    const document = makeTranscript({ seed: 2, school: { level: "THPT" }, grades: [10, 11] });
    expect(averageOf(document, D01)).toEqual({ reason: "missing-grade", grade: 12 });
  });

  it("is not computed when a chosen subject is missing in a grade", () => {
    expect(averageOf(thpt(3), { code: "custom", subjects: ["TOAN", "KHTN"], grades: [10] })).toEqual({
      reason: "missing-subject",
      subject: "KHTN",
      grade: 10,
    });
  });

  it("is not computed when a chosen subject is assessed by comment (Đ / CĐ)", () => {
    expect(averageOf(thpt(4), { code: "custom", subjects: ["TOAN", "GDTC"], grades: [10, 11] })).toEqual({
      reason: "comment-only",
      subject: "GDTC",
      grade: 10,
    });
  });

  it("takes the last school year of a repeated grade", () => {
    const document = thpt(5);
    const repeated = structuredClone(document.years[0]!);
    repeated.schoolYear = "2019-2020";
    const math = repeated.subjects.find((subject) => subject.code === "TOAN")!;
    math.year = 1;
    const twice = { ...document, years: [repeated, ...document.years] };
    const only = { code: "custom", subjects: ["TOAN"], grades: [10] };
    expect(averageOf(twice, only)).toEqual({
      average: yearResult(document, 10, "TOAN"),
      total: yearResult(document, 10, "TOAN"),
    });
  });

  it("is not computed for a graduation record or an empty combination", () => {
    expect([
      averageOf({ type: "hocba.graduation/v1" }, D01),
      averageOf(thpt(6), { code: "custom", subjects: [], grades: [10] }),
    ]).toEqual([{ reason: "not-transcript" }, { reason: "empty-combination" }]);
  });
});

describe("the rows of a bulk verification", () => {
  const a = thpt(11);
  const b = thpt(12);
  const sameStudentAsA = { ...thpt(13), student: a.student };
  const rows: Row[] = [
    resultRow(0, "b.hocba.json", documentSummary({ document: b }), checksOf("valid")),
    resultRow(1, "a.hocba.json", documentSummary({ document: a }), checksOf("valid")),
    resultRow(2, "a-again.pdf", documentSummary({ document: sameStudentAsA }), checksOf("revoked")),
    resultRow(3, "broken.hocba.json", documentSummary({ document: a }), checksOf("error")),
    resultRow(4, "package.json", documentSummary({ name: "x" }), {
      valid: false,
      verdict: "not-hocba",
      checks: [],
    }),
    problemRow(5, "scan.pdf", "not-hocba", { code: "PDF_NO_CREDENTIAL", message: "no attachment" }),
  ];

  it("group the files of one student, by citizen ID", () => {
    expect([...duplicateGroups(rows)]).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    expect(identityOf(rows[0]!)).toBe(`id:${b.student.citizenId}`);
  });

  it("fall back on name and date of birth when the citizen ID is withheld", () => {
    const { citizenId: _withheld, ...student } = a.student;
    const row = resultRow(0, "x", documentSummary({ document: { ...a, student } }), checksOf("valid"));
    expect(identityOf(row)).toBe(
      `name:${a.student.fullName.toLocaleLowerCase("vi")}|${a.student.dateOfBirth}`,
    );
  });

  it("keep no document of a file that is not a hocba file", () => {
    expect([rows[4]!.document, rows[5]!.document]).toEqual([undefined, undefined]);
  });

  it("filter valid, not valid, could not be checked and duplicates", () => {
    const duplicates = duplicateGroups(rows);
    const shown = (filter: Parameters<typeof matches>[1]) =>
      rows.filter((row) => matches(row, filter, duplicates)).map((row) => row.index);
    expect({
      all: shown("all"),
      valid: shown("valid"),
      notValid: shown("not-valid"),
      error: shown("error"),
      duplicates: shown("duplicates"),
    }).toEqual({
      all: [0, 1, 2, 3, 4, 5],
      valid: [0, 1],
      notValid: [2, 4, 5],
      error: [3],
      duplicates: [1, 2, 3],
    });
  });

  it("sort by status from valid to could not be checked, and by name with rows without one last", () => {
    expect(sortRows(rows, "status").map((row) => row.index)).toEqual([0, 1, 2, 4, 5, 3]);
    const byName = sortRows(rows, "name").map((row) => row.index);
    expect(byName.slice(-2)).toEqual([4, 5]);
    expect(sortRows(rows, "index", true).map((row) => row.index)).toEqual([5, 4, 3, 2, 1, 0]);
  });

  it("say which school years a transcript covers", () => {
    expect(yearsCovered(a)).toBe(`${a.years[0]!.schoolYear} – ${a.years[2]!.schoolYear}`);
  });
});

describe("the row's document", () => {
  it("keeps of a transcript the identity, the school and per year the results, and nothing else", () => {
    const document = thpt(31);
    expect(documentSummary({ document, proof: { signature: "…" } })).toEqual({
      type: "hocba.transcript/v1",
      id: document.id,
      school: { code: document.school.code, name: document.school.name },
      student: {
        fullName: document.student.fullName,
        dateOfBirth: document.student.dateOfBirth,
        gender: document.student.gender,
        ethnicity: document.student.ethnicity,
        placeOfBirth: document.student.placeOfBirth,
        studentCode: document.student.studentCode,
        citizenId: document.student.citizenId,
      },
      years: document.years.map((year) => ({
        schoolYear: year.schoolYear,
        grade: year.grade,
        academicResult: year.academicResult,
        conductResult: year.conductResult,
        subjects: year.subjects.map(({ code, term1, term2, year: result }) => ({
          code,
          term1,
          term2,
          year: result,
        })),
      })),
    });
  });

  it("gives the same export as the whole document", () => {
    const document = thpt(32);
    const result = checksOf("valid");
    const fromSummary = exportSheet([resultRow(0, "a", documentSummary({ document }), result)], D01);
    const whole = exportSheet([{ index: 0, file: "a", status: "valid", document }], D01);
    expect(fromSummary).toEqual(whole);
  });

  it("leaves out fields of the wrong kind, and is absent when there is no document", () => {
    expect([
      documentSummary({ document: { type: "hocba.transcript/v1", student: { fullName: 7 }, years: [1] } }),
      documentSummary({ name: "hocba" }),
      documentSummary("not JSON"),
    ]).toEqual([{ type: "hocba.transcript/v1", school: {}, student: {}, years: [] }, undefined, undefined]);
  });
});

describe("the rows kept up to date as files come in", () => {
  const documents = [thpt(41), thpt(42), thpt(43), thpt(44)];
  const { citizenId: _withheld, ...named } = documents[3]!.student;
  const statuses = ["valid", "invalid", "revoked", "error", "valid", "not-hocba"] as const;
  // 60 rows: four students named several times (one by name and date of birth only), files without
  // a document, every status.
  const rows: Row[] = Array.from({ length: 60 }, (_, index) => {
    const status = statuses[index % statuses.length]!;
    if (index % 7 === 6)
      return problemRow(index, `scan-${index}.pdf`, "not-hocba", { code: "PDF_NO_CREDENTIAL", message: "" });
    const base = documents[(index * 5) % 4]!;
    const document = index % 4 === 3 ? { ...base, student: named } : base;
    return resultRow(
      index,
      `file-${(index * 37) % 60}.hocba.json`,
      documentSummary({ document }),
      checksOf(status),
    );
  });
  // The order the answers come in: not the files' order.
  const arrival = [...rows].sort((a, b) => ((a.index * 23) % 60) - ((b.index * 23) % 60));

  const duplicates = duplicateGroups(rows);
  const expected = (view: View) =>
    sortRows(
      rows.filter((row) => matches(row, view.filter, duplicates)),
      view.key,
      view.descending,
    ).map((row) => row.index);

  it("count and group the rows as the whole-list functions do", () => {
    const table = new RowTable();
    for (const row of arrival) table.add(row);
    expect({
      counts: table.counts(),
      groups: [...table.duplicateGroups()].sort((a, b) => a[0] - b[0]),
    }).toEqual({
      counts: Object.fromEntries(
        FILTERS.map((filter) => [filter, rows.filter((row) => matches(row, filter, duplicates)).length]),
      ),
      groups: [...duplicates].sort((a, b) => a[0] - b[0]),
    });
    expect(table.counts().duplicates).toBeGreaterThan(10);
  });

  it("insert each new row in place in the view shown, for every filter and order", () => {
    const views: View[] = FILTERS.flatMap((filter) =>
      SORT_KEYS.flatMap((key) => [false, true].map((descending) => ({ filter, key, descending }))),
    );
    const kept = views.map((view) => {
      const table = new RowTable();
      // Shown before the rows come: each is inserted into it as it is added.
      table.shown(view);
      for (const row of arrival) table.add(row);
      return table.shown(view).map((row) => row.index);
    });
    expect(kept).toEqual(views.map(expected));
  });

  it("show a view asked for after the rows came as the whole-list functions do", () => {
    const table = new RowTable();
    for (const row of arrival) table.add(row);
    const view: View = { filter: "duplicates", key: "name", descending: true };
    expect(table.shown(view).map((row) => row.index)).toEqual(expected(view));
  });
});

describe("the batch body", () => {
  it('is the credentials\' JSON between {"credentials":[ and ]}', async () => {
    const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).buffer;
    const credentials = [{ document: { name: "Nguyễn Văn A" } }, "text", { format: "hocba/2" }];
    const body = batchBody(credentials.map(encode));
    expect([body.type, JSON.parse(await body.text())]).toEqual(["application/json", { credentials }]);
    expect(await batchBody([]).text()).toBe('{"credentials":[]}');
  });
});

describe("the export sheet", () => {
  const valid = thpt(21);
  const forged = withValue(thpt(22), "/years/0/subjects/0/year", 10) as unknown as Transcript;
  const rows: Row[] = [
    resultRow(0, "valid.hocba.json", documentSummary({ document: valid }), checksOf("valid")),
    resultRow(1, "forged.hocba.json", documentSummary({ document: forged }), checksOf("invalid")),
    problemRow(2, "scan.pdf", "not-hocba", { code: "PDF_NO_CREDENTIAL", message: "no attachment" }),
  ];
  const sheet = exportSheet(rows, D01);
  const column = (name: string) => {
    const at = sheet.header.indexOf(name);
    expect(at, name).toBeGreaterThanOrEqual(0);
    return sheet.rows.map((row) => row[at]);
  };

  it("has identity, verdict, the average and per grade and subject the term and year results", () => {
    const average = averageOf(valid, D01) as { average: number; total: number };
    const math10 = valid.years[0]!.subjects.find((subject) => subject.code === "TOAN")!;
    expect({
      status: column("Kết quả xác minh"),
      name: column("Họ và tên"),
      citizenId: column("Số định danh cá nhân"),
      average: column("Điểm TB tổ hợp D01 (Ngữ văn–Toán–Ngoại ngữ 1; lớp 10, 11, 12)"),
      total: column("Tổng điểm tổ hợp D01"),
      note: column("Ghi chú điểm tổ hợp"),
      math10: [
        column("Lớp 10 Toán HK I")[0],
        column("Lớp 10 Toán HK II")[0],
        column("Lớp 10 Toán cả năm")[0],
      ],
      conduct12: column("Lớp 12 kết quả rèn luyện"),
    }).toEqual({
      status: ["Hợp lệ", "Không hợp lệ", "Không phải học bạ số"],
      name: [valid.student.fullName, forged.student.fullName, null],
      citizenId: [valid.student.citizenId, forged.student.citizenId, null],
      average: [average.average, null, null],
      total: [average.total, null, null],
      note: [null, "Không tính: học bạ không hợp lệ", "Không tính: học bạ không hợp lệ"],
      math10: [math10.term1, math10.term2, math10.year],
      conduct12: [valid.years[2]!.conductResult, null, null],
    });
  });

  it("gives the failing check in plain words", () => {
    expect(column("Bước không đạt")).toEqual([
      "",
      "Nội dung nguyên vẹn: Nội dung đã bị thay đổi sau khi được ký (ví dụ một điểm số hay một tên bị sửa).",
      "Tệp PDF không mang học bạ số (không có tệp .hocba.json đính kèm).",
    ]);
  });

  it("writes no score of a file that is not valid", () => {
    const scores = sheet.header.flatMap((name, at) => (/^Lớp \d+ /.test(name) ? [at] : []));
    expect(scores.length).toBeGreaterThan(30);
    expect(scores.map((at) => sheet.rows[1]![at])).toEqual(scores.map(() => null));
  });

  it("is written as CSV with a byte-order mark, quoted fields and defused formulas", () => {
    const csv = toCsv({
      header: ["Tệp", "Điểm"],
      rows: [
        ['a, "b".json', 8.5],
        ["=HYPERLINK(1)", null],
      ],
    });
    expect(csv).toBe('\uFEFFTệp,Điểm\r\n"a, ""b"".json",8.5\r\n\'=HYPERLINK(1),\r\n');
  });
});

describe("a ZIP of credential files", () => {
  const enc = (text: string) => new TextEncoder().encode(text);

  it("gives its files in archive order, without folders and macOS metadata", () => {
    const zip = zipSync({
      "hoc-ba/a.hocba.json": enc("{}"),
      "hoc-ba/b.pdf": enc("%PDF-"),
      "__MACOSX/hoc-ba/._a.hocba.json": enc("x"),
      "hoc-ba/.DS_Store": enc("x"),
    });
    expect(isZip(zip)).toBe(true);
    expect(
      unzipEntries("ho-so.zip", zip).map((entry) => [entry.name, new TextDecoder().decode(entry.bytes)]),
    ).toEqual([
      ["ho-so.zip/hoc-ba/a.hocba.json", "{}"],
      ["ho-so.zip/hoc-ba/b.pdf", "%PDF-"],
    ]);
  });

  it("is refused with ZIP_TOO_MANY over the entry limit and ZIP_TOO_LARGE over the size limit", () => {
    const zip = zipSync({ "a.json": enc("{}"), "b.json": enc("{}"), "c.json": enc("0123456789") });
    const refusal = (limits: { entries: number; bytes: number }) => {
      try {
        unzipEntries("x.zip", zip, limits);
        return undefined;
      } catch (error) {
        return [(error as ZipProblem).code, (error as ZipProblem).message];
      }
    };
    expect([refusal({ entries: 2, bytes: 1000 }), refusal({ entries: 10, bytes: 10 })]).toEqual([
      ["ZIP_TOO_MANY", "more than 2 files in x.zip"],
      ["ZIP_TOO_LARGE", "more than 10 bytes unpacked in x.zip"],
    ]);
  });

  it("hands its files over packed in a few buffers, each file's bytes unchanged", () => {
    const files = ["a", "bb", "cccc", "dddddddd", "e"].map((text, at) => ({
      name: `x.zip/${at}.json`,
      bytes: enc(text),
    }));
    const { entries, chunks } = packEntries(files, 6);
    expect({
      chunks: chunks.map((chunk) => new TextDecoder().decode(chunk)),
      files: entries.map((entry) => [
        entry.name,
        new TextDecoder().decode(chunks[entry.chunk]!.slice(entry.start, entry.end)),
      ]),
    }).toEqual({
      chunks: ["abb", "cccc", "dddddddd", "e"],
      files: files.map((file) => [file.name, new TextDecoder().decode(file.bytes)]),
    });
  });

  it("is refused with ZIP_INVALID when it cannot be read", () => {
    const broken = zipSync({ "a.json": enc("{}") }).slice(0, 20);
    expect(() => unzipEntries("x.zip", broken)).toThrow(ZipProblem);
    try {
      unzipEntries("x.zip", broken);
    } catch (error) {
      expect((error as ZipProblem).code).toBe("ZIP_INVALID");
    }
  });
});
