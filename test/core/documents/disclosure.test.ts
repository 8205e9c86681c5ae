import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import {
  disclose,
  disclosureDigest,
  isDisclosureKey,
  makeDisclosable,
  withholding,
} from "../../../service/src/core/documents/disclosure";
import { validateDocument } from "../../../service/src/core/documents";
import { HocbaError } from "../../../service/src/core/errors";
import { makeGraduation, makeTranscript } from "../../helpers/fixtures";

const b64url = (bytes: Uint8Array) =>
  Buffer.from(bytes).toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const encode = (parts: unknown[]) => b64url(new TextEncoder().encode(JSON.stringify(parts)));
const decode = (disclosure: string) =>
  JSON.parse(Buffer.from(disclosure, "base64url").toString("utf8")) as unknown[];

describe("the selectively disclosable form", () => {
  const transcript = makeTranscript({ seed: 7 });
  const { document, disclosures } = makeDisclosable(transcript);

  it("replaces the citizen ID, ethnicity, place of birth and every school year by digests of their disclosures", () => {
    const student = { ...transcript.student } as Record<string, unknown>;
    delete student.citizenId;
    delete student.ethnicity;
    delete student.placeOfBirth;
    const fieldDigests = disclosures.slice(0, 3).map(disclosureDigest).sort();
    const yearDigests = disclosures.slice(3).map((d) => ({ "...": disclosureDigest(d) }));
    expect(document).toEqual({
      ...transcript,
      _sd_alg: "sha-256",
      student: { ...student, _sd: fieldDigests },
      years: yearDigests,
    });
    expect(disclosures.map((d) => decode(d).slice(1))).toEqual([
      ["citizenId", transcript.student.citizenId],
      ["ethnicity", transcript.student.ethnicity],
      ["placeOfBirth", transcript.student.placeOfBirth],
      ...transcript.years.map((year) => [year]),
    ]);
  });

  it("computes each digest as base64url SHA-256 of the disclosure's characters, as SD-JWT does", () => {
    const disclosure = disclosures[0]!;
    expect(disclosureDigest(disclosure)).toBe(b64url(sha256(new TextEncoder().encode(disclosure))));
  });

  it("draws a fresh 128-bit salt for every part, so signing the same transcript twice gives other digests", () => {
    const salts = disclosures.map((d) => decode(d)[0] as string);
    expect(salts.every((salt) => Buffer.from(salt, "base64url").length === 16)).toBe(true);
    expect(new Set(salts).size).toBe(salts.length);
    const again = makeDisclosable(transcript);
    expect(again.document.student).not.toEqual(document.student);
  });

  it("gives back the whole transcript from every disclosure, with nothing withheld", () => {
    expect(disclose(document, disclosures)).toEqual({
      view: transcript,
      withheld: [],
      keys: ["citizenId", "ethnicity", "placeOfBirth", ...transcript.years.map((_, i) => `years/${i}`)],
      problems: [],
    });
  });

  it("names what a holder withheld and validates what remains with those parts aside", () => {
    const kept = withholding(document, disclosures, ["citizenId", "ethnicity", "years/1"]);
    const { view, withheld, problems } = disclose(document, kept);
    const student = { ...transcript.student } as Record<string, unknown>;
    delete student.citizenId;
    delete student.ethnicity;
    expect({ view, withheld, problems }).toEqual({
      view: { ...transcript, student, years: transcript.years.filter((_, i) => i !== 1) },
      withheld: ["/student/citizenId", "/student/ethnicity", "/years/1"],
      problems: [],
    });
    expect(validateDocument(view, { withheld })).toEqual({ ok: true, document: view });
    expect(validateDocument(view).ok).toBe(false);
  });

  it("reports a disclosure changed after signing, a foreign one, a duplicate and malformed ones, revealing none of them", () => {
    const changed = encode([decode(disclosures[1]!)[0], "ethnicity", "Tày"]);
    const foreign = makeDisclosable(makeTranscript({ seed: 8 })).disclosures[0]!;
    const result = disclose(document, [
      disclosures[0]!,
      changed,
      foreign,
      disclosures[0]!,
      "not base64!",
      encode(["short", "citizenId", "0"]),
      encode([decode(disclosures[3]!)[0], "__proto__", { polluted: true }]),
      b64url(new TextEncoder().encode("{}")),
    ]);
    expect(result.problems).toEqual([
      { index: 1, message: "it matches no digest the issuer signed (changed or foreign)" },
      { index: 2, message: "it matches no digest the issuer signed (changed or foreign)" },
      { index: 3, message: "the same disclosure is given twice" },
      { index: 4, message: "not base64url" },
      { index: 5, message: "its salt is not a string of at least 22 characters (128 bits)" },
      { index: 6, message: "its member name is not a string, or is a reserved name" },
      { index: 7, message: "not a JSON array of [salt, name, value] or [salt, value]" },
    ]);
    expect(result.view.student).toEqual({
      studentCode: transcript.student.studentCode,
      fullName: transcript.student.fullName,
      dateOfBirth: transcript.student.dateOfBirth,
      gender: transcript.student.gender,
      citizenId: transcript.student.citizenId,
    });
    expect(result.withheld).toEqual([
      "/student/ethnicity",
      "/student/placeOfBirth",
      ...transcript.years.map((_, i) => `/years/${i}`),
    ]);
  });

  it("refuses a school year's disclosure in the place of a student field and the reverse", () => {
    const [field] = disclosures;
    const year = disclosures[3]!;
    const swapped = {
      ...document,
      student: { ...(document.student as object), _sd: [disclosureDigest(year)] },
      years: [{ "...": disclosureDigest(field!) }],
    };
    expect(disclose(swapped, [field!, year]).problems).toEqual([
      { index: 0, message: "a student field's disclosure stands for a school year's digest" },
      { index: 1, message: "an array element's disclosure stands for a student field's digest" },
    ]);
  });

  it("refuses to make a graduation record or an already disclosable document disclosable", () => {
    expect(() => makeDisclosable(makeGraduation({ seed: 1 }))).toThrow(
      new HocbaError("SCHEMA_INVALID", "only hocba.transcript/v1 documents have withholdable parts"),
    );
    expect(() => makeDisclosable(document)).toThrow(
      new HocbaError("SCHEMA_INVALID", "the document is already in the selectively disclosable form"),
    );
  });

  it("knows the keys a holder may withhold and no others", () => {
    expect(
      [
        "citizenId",
        "ethnicity",
        "placeOfBirth",
        "years/0",
        "years/12",
        "fullName",
        "years/-1",
        "years/01",
        "years/",
      ].map(isDisclosureKey),
    ).toEqual([true, true, true, true, true, false, false, false, false]);
  });
});
