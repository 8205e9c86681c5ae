import { describe, expect, it } from "vitest";
import {
  composeCitizenId,
  isCitizenIdProvince,
  parseCitizenId,
} from "../../../service/src/core/documents/cccd";
import { isCalendarDate, isCalendarDateTime } from "../../../service/src/core/documents/dates";
import { isNfc, normalizeDocument, textProblem } from "../../../service/src/core/documents/text";
import { REQUIRED_SUBJECTS, SUBJECTS } from "../../../service/src/core/catalog/subjects";
import { PROVINCES } from "../../../service/src/core/catalog/provinces";

describe("citizen ID", () => {
  it("reads province, birth year and gender from the 12 digits", () => {
    expect([
      parseCitizenId("079309001234"),
      parseCitizenId("001098123456"),
      parseCitizenId("048405000001"),
    ]).toEqual([
      { province: "079", birthYear: 2009, gender: "Nữ" },
      { province: "001", birthYear: 1998, gender: "Nam" },
      { province: "048", birthYear: 2105, gender: "Nam" },
    ]);
  });

  it("reads nothing from a value that is not exactly 12 ASCII digits", () => {
    expect([
      parseCitizenId("07930900123"),
      parseCitizenId("0793090012345"),
      parseCitizenId("07930900123x"),
    ]).toEqual([undefined, undefined, undefined]);
  });

  it("composes the prefix that parsing reads back", () => {
    const id = composeCitizenId("096", 2010, "Nữ", "123456");
    expect([id, parseCitizenId(id)]).toEqual([
      "096310123456",
      { province: "096", birthYear: 2010, gender: "Nữ" },
    ]);
  });

  it("accepts the province range 001–096 only", () => {
    expect(["000", "001", "096", "097", "99"].map(isCitizenIdProvince)).toEqual([
      false,
      true,
      true,
      false,
      false,
    ]);
  });
});

describe("calendar dates", () => {
  it("accepts real days, leap days included", () => {
    expect(["2024-02-29", "2000-02-29", "2023-12-31", "1900-01-01"].map(isCalendarDate)).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });

  it("rejects days that do not exist", () => {
    expect(
      ["2023-02-29", "1900-02-29", "2023-02-30", "2023-04-31", "2023-13-01", "2023-00-10", "2023-01-00"].map(
        isCalendarDate,
      ),
    ).toEqual([false, false, false, false, false, false, false]);
  });

  it("accepts real instants with an offset and rejects impossible times and offsets", () => {
    expect(
      [
        "2024-06-05T08:00:00+07:00",
        "2024-06-05T23:59:59.123Z",
        "2024-06-05T24:00:00+07:00",
        "2024-06-05T08:60:00+07:00",
        "2024-06-05T08:00:00+15:00",
        "2025-02-29T08:00:00+07:00",
      ].map(isCalendarDateTime),
    ).toEqual([true, true, false, false, false, false]);
  });
});

describe("text", () => {
  it("tells NFC from decomposed Vietnamese", () => {
    expect([isNfc("Nguyễn Thị Ánh"), isNfc("Nguyễn Thị Ánh".normalize("NFD"))]).toEqual([true, false]);
  });

  it("finds every string of characters below U+0300 in NFC, as normalize does (the fast path's premise)", () => {
    const below = Array.from({ length: 0x300 }, (_, code) => String.fromCharCode(code));
    const pairs = below.flatMap((a) => below.map((b) => a + b));
    const disagreeing = [...below, ...pairs].filter((s) => isNfc(s) !== (s === s.normalize("NFC")));
    expect([pairs.length, disagreeing]).toEqual([0x300 * 0x300, []]);
    expect([isNfc("A\u0301"), isNfc("\u0301"), isNfc("e\u0302\u0301")]).toEqual([false, true, false]);
  });

  it("names the text rule a value breaks", () => {
    expect(
      ["Nguyễn Văn An", "", "  ", " An", "An ", "Nguyễn  An", "Nguyễn\tAn", "Nguyễn\nAn"].map((v) =>
        textProblem(v),
      ),
    ).toEqual([
      undefined,
      "TEXT_EMPTY",
      "TEXT_EMPTY",
      "TEXT_UNTRIMMED",
      "TEXT_UNTRIMMED",
      "TEXT_UNTRIMMED",
      "TEXT_CONTROL_CHARACTER",
      "TEXT_CONTROL_CHARACTER",
    ]);
  });

  it("lets remarks be empty and span lines", () => {
    const remarks = { allowEmpty: true, multiline: true };
    expect([
      textProblem("", remarks),
      textProblem("Chăm ngoan.\nHọc tốt.", remarks),
      textProblem("a\u0007", remarks),
    ]).toEqual([undefined, undefined, "TEXT_CONTROL_CHARACTER"]);
  });

  it("normalises every string of a document to NFC without touching other values", () => {
    const nfd = (s: string) => s.normalize("NFD");
    const input = {
      student: { fullName: nfd("Nguyễn Thị Ánh"), gender: nfd("Nữ") },
      years: [{ grade: 8, remarks: nfd("Tốt") }],
      supersedes: null,
    };
    expect(normalizeDocument(input)).toEqual({
      student: { fullName: "Nguyễn Thị Ánh", gender: "Nữ" },
      years: [{ grade: 8, remarks: "Tốt" }],
      supersedes: null,
    });
    expect(input.student.fullName).toBe(nfd("Nguyễn Thị Ánh"));
  });
});

describe("catalogues", () => {
  it("holds each subject code once, with an NFC name, and requires only codes it knows", () => {
    const codes = SUBJECTS.map((s) => s.code);
    const required = Object.values(REQUIRED_SUBJECTS).flat(2);
    expect([
      new Set(codes).size === codes.length,
      SUBJECTS.every((s) => isNfc(s.name)),
      required.filter((c) => !codes.includes(c)),
    ]).toEqual([true, true, []]);
  });

  it("assesses exactly the subjects docs/school-records.md lists by comment only", () => {
    expect(SUBJECTS.filter((s) => s.assessment === "comment").map((s) => s.code)).toEqual([
      "GDTC",
      "NT",
      "AN",
      "MT",
      "HDTN",
      "GDDP",
    ]);
  });

  it("lists 63 provinces with distinct codes inside the CCCD range", () => {
    expect([
      PROVINCES.length,
      new Set(PROVINCES.map((p) => p.code)).size,
      PROVINCES.every((p) => isCitizenIdProvince(p.code)),
    ]).toEqual([63, 63, true]);
  });
});
