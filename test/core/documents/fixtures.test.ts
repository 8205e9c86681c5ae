import { describe, expect, it } from "vitest";
import { parseCitizenId } from "../../../service/src/core/documents/cccd";
import { canonicalBytes } from "../../../service/src/core/documents/hash";
import { validateDocument } from "../../../service/src/core/documents/validate";
import { base64url, Rng } from "../../../service/src/demo/documents";
import { makeGraduation, makeTranscript, withExtra, withValue, without } from "../../helpers/fixtures";

const SEEDS = Array.from({ length: 150 }, (_, i) => i * 7919 + 1);

describe("the fixture factory", () => {
  it("makes valid THCS and THPT transcripts and graduation records for many seeds", () => {
    const invalid = SEEDS.flatMap((seed) =>
      [
        makeTranscript({ seed }),
        makeTranscript({ seed, school: { level: "THPT" } }),
        makeTranscript({ seed, grades: [8, 9] }),
        makeGraduation({ seed }),
        makeGraduation({ seed, graduationYear: 2010 + (seed % 14) }),
      ]
        .map((doc) => validateDocument(doc))
        .filter((r) => !r.ok)
        .map((r) => ({ seed, r })),
    );
    expect(invalid).toEqual([]);
  });

  it("reproduces a document exactly from its seed and varies it across seeds", () => {
    expect([
      canonicalBytes(makeTranscript({ seed: 42 })),
      makeTranscript({ seed: 43 }).id === makeTranscript({ seed: 42 }).id,
      makeGraduation({ seed: 42 }),
    ]).toEqual([canonicalBytes(makeTranscript({ seed: 42 })), false, makeGraduation({ seed: 42 })]);
  });

  it("gives distinct documents to calls without a seed", () => {
    expect(makeTranscript().id).not.toBe(makeTranscript().id);
  });

  it("writes every subject of the level in every year of a THCS transcript", () => {
    const doc = makeTranscript({ seed: 5 });
    const core = [
      "NVAN",
      "TOAN",
      "NN1",
      "GDCD",
      "LSDL",
      "KHTN",
      "CN",
      "TIN",
      "GDTC",
      "AN",
      "MT",
      "HDTN",
      "GDDP",
    ];
    expect(doc.years.map((y) => core.filter((c) => !y.subjects.some((s) => s.code === c)))).toEqual([
      [],
      [],
      [],
      [],
    ]);
  });

  it("gives a student a Vietnamese name with diacritics and a CCCD that encodes birth year and gender", () => {
    const students = SEEDS.map((seed) => makeTranscript({ seed }).student);
    const withDiacritics = students.filter((s) => /[^ -~]/.test(s.fullName)).length;
    const consistent = students.every((s) => {
      const facts = parseCitizenId(s.citizenId);
      return facts?.birthYear === Number(s.dateOfBirth.slice(0, 4)) && facts.gender === s.gender;
    });
    expect([
      withDiacritics > SEEDS.length * 0.8,
      consistent,
      students.every((s) => s.fullName.split(" ").length === 3),
    ]).toEqual([true, true, true]);
  });

  it("spreads learning results over all four levels", () => {
    const results = new Set(
      SEEDS.flatMap((seed) => makeTranscript({ seed }).years.map((y) => y.academicResult)),
    );
    expect([...results].sort()).toEqual(["Chưa đạt", "Khá", "Tốt", "Đạt"]);
  });

  it("honours overrides: deep-merged objects, replaced arrays, and fields the rest depends on", () => {
    const doc = makeTranscript({
      seed: 9,
      student: { gender: "Nam", dateOfBirth: "2010-01-31", placeOfBirth: "Đà Nẵng" },
      grades: [6, 7],
      supersedes: "0f8fad5b-d9cb-469f-a165-70867728950e",
    });
    expect([
      doc.student.gender,
      doc.student.citizenId.slice(0, 6),
      doc.years.map((y) => y.schoolYear),
      doc.supersedes,
      validateDocument(doc).ok,
    ]).toEqual(["Nam", "048210", ["2023-2024", "2024-2025"], "0f8fad5b-d9cb-469f-a165-70867728950e", true]);
  });

  it("makes a four-year THCS transcript of about 7 KB and a two-year one of about 3.5 KB canonical", () => {
    const size = (grades: number[]) =>
      Math.round(
        SEEDS.slice(0, 20).reduce(
          (n, seed) => n + canonicalBytes(makeTranscript({ seed, grades })).length,
          0,
        ) /
          20 /
          500,
      ) / 2;
    expect([size([6, 7, 8, 9]), size([8, 9])]).toEqual([7, 3.5]);
  });
});

describe("the document-breaking helpers", () => {
  const doc = { a: { b: [1, 2, 3] }, "x/y": 1 };

  it("replace, remove and add values at a JSON pointer on a copy", () => {
    expect([
      withValue(doc, "/a/b/1", 9),
      without(doc, "/a/b/0"),
      without(doc, "/x~1y"),
      withExtra(doc, "/a", "c", true),
      doc,
    ]).toEqual([
      { a: { b: [1, 9, 3] }, "x/y": 1 },
      { a: { b: [2, 3] }, "x/y": 1 },
      { a: { b: [1, 2, 3] } },
      { a: { b: [1, 2, 3], c: true }, "x/y": 1 },
      { a: { b: [1, 2, 3] }, "x/y": 1 },
    ]);
  });

  it("refuse a path that does not exist", () => {
    expect(() => withValue(doc, "/nope/deeper", 1)).toThrow("no such path: /nope/deeper");
  });
});

describe("the random source", () => {
  it("encodes 16 bytes as 22 base64url characters, as RFC 4648 §5 does", () => {
    expect([
      base64url(new Uint8Array(16)),
      base64url(Uint8Array.from([0xfb, 0xff, 0xbf])),
      base64url(Uint8Array.from([0xff])),
    ]).toEqual(["AAAAAAAAAAAAAAAAAAAAAA", "-_-_", "_w"]);
  });

  it("makes version-4 UUIDs", () => {
    const rng = new Rng(1);
    const ids = Array.from({ length: 50 }, () => rng.uuid());
    expect(
      ids.filter((id) => !/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)),
    ).toEqual([]);
  });
});
