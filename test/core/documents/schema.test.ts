import { describe, expect, it } from "vitest";
import { PROBLEM_CODES } from "../../../service/src/core/documents/problems";
import { GraduationSchema, TranscriptSchema } from "../../../service/src/core/documents/schema";

const CONSTRAINTS = ["pattern", "minimum", "maximum", "minItems", "anyOf", "const"];

/** Pointers to constrained schemas that do not say which problem code they report. */
function uncoded(schema: unknown, path = "", insideUnion = false): string[] {
  if (typeof schema !== "object" || schema === null) return [];
  const node = schema as Record<string, unknown>;
  const own =
    !insideUnion && CONSTRAINTS.some((k) => k in node) && typeof node.errorCode !== "string"
      ? [path || "/"]
      : [];
  const properties = Object.entries((node.properties as Record<string, unknown> | undefined) ?? {}).flatMap(
    ([k, v]) => uncoded(v, `${path}/${k}`),
  );
  const items = node.items === undefined ? [] : uncoded(node.items, `${path}/*`);
  const variants = Array.isArray(node.anyOf) ? node.anyOf.flatMap((v) => uncoded(v, path, true)) : [];
  return [...own, ...properties, ...items, ...variants];
}

/** Pointers to objects that accept fields they do not declare. */
function open(schema: unknown, path = ""): string[] {
  if (typeof schema !== "object" || schema === null) return [];
  const node = schema as Record<string, unknown>;
  const own = node.type === "object" && node.additionalProperties !== false ? [path || "/"] : [];
  const children = [
    ...Object.entries((node.properties as Record<string, unknown> | undefined) ?? {}).map(([k, v]) =>
      open(v, `${path}/${k}`),
    ),
    node.items === undefined ? [] : open(node.items, `${path}/*`),
    ...(Array.isArray(node.anyOf) ? node.anyOf.map((v) => open(v, path)) : []),
  ];
  return [...own, ...children.flat()];
}

describe("document schemas", () => {
  it("give every constraint the problem code it reports", () => {
    expect([uncoded(TranscriptSchema), uncoded(GraduationSchema)]).toEqual([[], []]);
  });

  it("close every object to unknown fields", () => {
    expect([open(TranscriptSchema), open(GraduationSchema)]).toEqual([[], []]);
  });

  it("use problem codes from the published list only", () => {
    const used = JSON.stringify([TranscriptSchema, GraduationSchema]).match(/"errorCode":"[A-Z_]+"/g) ?? [];
    const unknown = used
      .map((s) => s.slice(13, -1))
      .filter((c) => !(PROBLEM_CODES as readonly string[]).includes(c));
    expect([used.length > 10, unknown]).toEqual([true, []]);
  });

  it("publish unique UPPER_SNAKE problem codes", () => {
    expect([
      new Set(PROBLEM_CODES).size,
      PROBLEM_CODES.filter((c) => !/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/.test(c)),
    ]).toEqual([PROBLEM_CODES.length, []]);
  });
});
