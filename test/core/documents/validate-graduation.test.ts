import { describe, expect, it } from "vitest";
import { composeCitizenId } from "../../../service/src/core/documents/cccd";
import {
  validateDocument,
  validateGraduation,
  type ValidationResult,
} from "../../../service/src/core/documents/validate";
import { makeGraduation, withExtra, withValue, without } from "../../helpers/fixtures";

function problems(result: ValidationResult<unknown>): { path: string; code: string }[] {
  return result.ok ? [] : result.problems.map(({ path, code }) => ({ path, code }));
}

const check = (doc: unknown) => problems(validateGraduation(doc));
const base = makeGraduation({ seed: 42 });
const older = makeGraduation({ seed: 42, graduationYear: 2019 });

describe("a valid graduation record", () => {
  it("is accepted without classification under Thông tư 31/2023", () => {
    expect([base.classification, validateGraduation(base), validateDocument(base)]).toEqual([
      undefined,
      { ok: true, document: base },
      { ok: true, document: base },
    ]);
  });

  it("is accepted with the classification an older diploma carries", () => {
    expect([older.classification !== undefined, validateGraduation(older)]).toEqual([
      true,
      { ok: true, document: older },
    ]);
  });

  it("is accepted with a classification decided just before Thông tư 31/2023 took effect", () => {
    const doc = makeGraduation({
      seed: 42,
      graduationYear: 2024,
      decision: { date: "2024-02-14" },
      classification: "Khá",
    });
    expect(check(doc)).toEqual([]);
  });
});

describe("graduation rules", () => {
  it("rejects a classification on a diploma recognised from 2024-02-15", () => {
    expect(check(withValue(base, "/classification", "Giỏi"))).toEqual([
      { path: "/classification", code: "CLASSIFICATION_NOT_ALLOWED" },
    ]);
  });

  it("rejects a classification that never existed", () => {
    expect(check(withValue(older, "/classification", "Xuất sắc"))).toEqual([
      { path: "/classification", code: "CLASSIFICATION_INVALID" },
    ]);
  });

  it("rejects a decision dated outside the graduation year", () => {
    expect(check(withValue(base, "/decision/date", "2023-06-14"))).toEqual([
      { path: "/decision/date", code: "DECISION_YEAR_MISMATCH" },
    ]);
  });

  it("rejects decision dates that are not real dates", () => {
    expect([
      check(withValue(base, "/decision/date", "2024-06-31")),
      check(withValue(base, "/decision/date", "14/06/2024")),
    ]).toEqual([
      [{ path: "/decision/date", code: "DATE_INVALID" }],
      [{ path: "/decision/date", code: "DATE_FORMAT" }],
    ]);
  });

  it.each([[1899], [2200], [2024.5]])("rejects the graduation year %s", (year) => {
    const doc = withValue(base, "/graduationYear", year);
    expect(problems(validateGraduation(doc))).toEqual([
      { path: "/graduationYear", code: "GRADUATION_YEAR_INVALID" },
    ]);
  });

  it("rejects a graduate younger than twelve in the graduation year", () => {
    const doc = makeGraduation({ seed: 42, student: { dateOfBirth: "2013-01-10" } });
    expect([doc.student.citizenId.slice(3, 6), check(doc)]).toEqual([
      "213",
      [{ path: "/student/dateOfBirth", code: "DATE_OF_BIRTH_IMPLAUSIBLE" }],
    ]);
  });

  it("rejects a CCCD that contradicts the graduate's birth year and gender", () => {
    const id = composeCitizenId("079", 2008, base.student.gender === "Nam" ? "Nữ" : "Nam", "000001");
    expect(check(withValue(base, "/student/citizenId", id))).toEqual([
      { path: "/student/citizenId", code: "CCCD_BIRTH_YEAR_MISMATCH" },
      { path: "/student/citizenId", code: "CCCD_GENDER_MISMATCH" },
    ]);
  });

  it("rejects codes, text and identifiers broken in each part", () => {
    let doc: unknown = withValue(base, "/district/code", "76 0");
    doc = withValue(doc, "/district/name", "");
    doc = withValue(doc, "/decision/number", " 2708/QĐ-PGDĐT");
    doc = withValue(doc, "/school/name", base.school.name.normalize("NFD"));
    doc = withValue(doc, "/diplomaSerial", "A\t7927158");
    doc = withValue(doc, "/registryNumber", "   ");
    doc = withValue(doc, "/supersedes", base.id);
    doc = withValue(doc, "/nonce", "short");
    expect(check(doc)).toEqual([
      { path: "/decision/number", code: "TEXT_UNTRIMMED" },
      { path: "/diplomaSerial", code: "TEXT_CONTROL_CHARACTER" },
      { path: "/district/code", code: "CODE_FORMAT" },
      { path: "/district/name", code: "TEXT_EMPTY" },
      { path: "/nonce", code: "NONCE_FORMAT" },
      { path: "/registryNumber", code: "TEXT_EMPTY" },
      { path: "/school/name", code: "TEXT_NOT_NFC" },
      { path: "/supersedes", code: "SUPERSEDES_SELF" },
    ]);
  });

  it("rejects unknown fields at every level and reports missing ones", () => {
    let doc: unknown = withExtra(base, "", "grade", 9);
    doc = withExtra(doc, "/district", "province", "79");
    doc = withExtra(doc, "/decision", "signer", "Trưởng phòng");
    doc = withExtra(doc, "/school", "level", "THCS");
    doc = withExtra(doc, "/student", "phone", "0900000000");
    doc = without(doc, "/registryNumber");
    expect(check(doc)).toEqual([
      { path: "/decision/signer", code: "UNKNOWN_FIELD" },
      { path: "/district/province", code: "UNKNOWN_FIELD" },
      { path: "/grade", code: "UNKNOWN_FIELD" },
      { path: "/registryNumber", code: "MISSING_FIELD" },
      { path: "/school/level", code: "UNKNOWN_FIELD" },
      { path: "/student/phone", code: "UNKNOWN_FIELD" },
    ]);
  });

  it("rejects a transcript-only field set given the graduation type", () => {
    expect(check(withValue(base, "/type", "hocba.transcript/v1"))).toEqual([
      { path: "/type", code: "DOCUMENT_TYPE_INVALID" },
    ]);
  });
});
