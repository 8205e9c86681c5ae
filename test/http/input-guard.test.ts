import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonDeeperThan } from "../../service/src/http/input-guard";

/** Nesting of objects and arrays, counted on the value rather than on its text. */
function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (typeof value === "object" && value !== null)
    return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

// strings full of what could fool a text scan: quotes, backslashes, brackets
const tricky = fc
  .array(fc.constantFrom('"', "\\", "[", "]", "{", "}", "a", "\\\\", '\\"'), { maxLength: 8 })
  .map((parts) => parts.join(""));
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    tricky,
    fc.integer(),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(tricky, tie("value"), { maxKeys: 3 }),
  ),
})).value;

describe("jsonDeeperThan", () => {
  it("says a JSON text is deeper than a limit exactly when its value nests deeper", () => {
    fc.assert(
      fc.property(json, fc.integer({ min: 0, max: 6 }), (value, max) => {
        expect(jsonDeeperThan(JSON.stringify(value), max)).toBe(depthOf(value) > max);
      }),
      { numRuns: 3_000 },
    );
  });

  it("does not count brackets inside strings, escaped quotes included", () => {
    expect(
      [
        ['{"a":"[[[[\\"[[["}', 1],
        ['["\\\\",[[1]]]', 2],
        ['["\\\\",[[1]]]', 3],
        ['"unterminated [[[[', 0],
      ].map(([text, max]) => jsonDeeperThan(text as string, max as number)),
    ).toEqual([false, true, false, false]);
  });
});
