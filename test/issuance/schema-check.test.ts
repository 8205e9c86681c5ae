import { describe, expect, it } from "vitest";
import { validateTranscript } from "../../service/src/core/documents";
import { compiledSchemaCheck } from "../../service/src/issuance/schema-check";
import { makeTranscript, withExtra, without, withValue } from "../helpers/fixtures";

describe("the compiled schema check used by the service", () => {
  it("gives the same validation result as TypeBox's interpreted check, valid or not", () => {
    const valid = makeTranscript();
    const documents = [
      valid,
      withValue(valid, "/years/0/subjects/3/term1", 8.25),
      withValue(valid, "/years/0/subjects/0/term1", "8"),
      withValue(valid, "/student/fullName", "Nguye\u0302\u0303n Văn An"),
      withValue(valid, "/issuedAt", "2024-13-01T00:00:00+07:00"),
      without(valid, "/student/dateOfBirth"),
      withExtra(valid, "/school", "fax", "028"),
      withValue(valid, "/years", []),
      [],
      "a string",
    ];
    const compiled = documents.map((d) => validateTranscript(d, { schemaCheck: compiledSchemaCheck }));
    expect(compiled).toEqual(documents.map((d) => validateTranscript(d)));
    expect(compiled.map((r) => r.ok)).toEqual([
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
