/**
 * Test fixtures: the seeded document factory (valid by construction, from service/src/demo) and
 * small helpers that break a document at one JSON-pointer path, so each test states exactly which
 * field is wrong instead of copying a whole JSON file.
 *
 *   makeTranscript({ seed: 42 })                          a valid THCS transcript, grades 6–9
 *   makeTranscript({ seed: 1, school: { level: "THPT" } }) a valid THPT transcript
 *   makeGraduation({ seed: 42 })                          a valid THCS graduation record
 *   withValue(doc, "/years/0/subjects/3/term1", 8.25)      the same document with one value replaced
 *   without(doc, "/student/citizenId")                    …with one field removed
 *   withExtra(doc, "/student", "nickname", "Bé")          …with one unknown field added
 */
export {
  makeGraduation,
  makeTranscript,
  Rng,
  type GraduationOverrides,
  type TranscriptOverrides,
} from "../../service/src/demo/documents";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function segments(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new Error(`not a JSON pointer: ${pointer}`);
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function edit(
  doc: unknown,
  pointer: string,
  apply: (parent: Record<string, Json> | Json[], key: string) => void,
) {
  const copy = structuredClone(doc) as Json;
  const path = segments(pointer);
  const last = path.pop();
  if (last === undefined) throw new Error("cannot edit the document root");
  let parent: Json = copy;
  for (const key of path) {
    if (typeof parent !== "object" || parent === null) throw new Error(`no such path: ${pointer}`);
    parent = (parent as Record<string, Json>)[key] as Json;
  }
  if (typeof parent !== "object" || parent === null) throw new Error(`no such path: ${pointer}`);
  apply(parent, last);
  return copy as Record<string, unknown>;
}

/** A deep copy of `doc` with the value at `pointer` replaced (or created) by `value`. */
export function withValue(doc: unknown, pointer: string, value: unknown): Record<string, unknown> {
  return edit(doc, pointer, (parent, key) => {
    (parent as Record<string, unknown>)[key] = value;
  });
}

/** A deep copy of `doc` without the field at `pointer` (array items are spliced out). */
export function without(doc: unknown, pointer: string): Record<string, unknown> {
  return edit(doc, pointer, (parent, key) => {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  });
}

/** A deep copy of `doc` with an unknown field `key` added to the object at `pointer`. */
export function withExtra(
  doc: unknown,
  pointer: string,
  key: string,
  value: unknown,
): Record<string, unknown> {
  return withValue(doc, `${pointer}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`, value);
}
