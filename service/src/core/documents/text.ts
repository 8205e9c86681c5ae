/**
 * Text rules for names and other free text in signed documents. A signed document must already be
 * NFC: two encodings of "Nguyễn" would hash differently and defeat accent-insensitive search, so
 * validation reports non-NFC text instead of fixing it, and `normalizeDocument` is offered to the
 * software that builds documents before signing.
 */

/** Control characters (C0, DEL, C1). Multi-line text may still contain line feeds. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
const LINE_FEED = /\n/;

export type TextProblem = "TEXT_EMPTY" | "TEXT_UNTRIMMED" | "TEXT_CONTROL_CHARACTER";

/**
 * The first text rule a value breaks, or undefined. `allowEmpty` is for optional free text such as
 * remarks, which may also span lines (`multiline`).
 */
export function textProblem(
  value: string,
  { allowEmpty = false, multiline = false }: { allowEmpty?: boolean; multiline?: boolean } = {},
): TextProblem | undefined {
  if (value === "") return allowEmpty ? undefined : "TEXT_EMPTY";
  if (value.trim() === "") return "TEXT_EMPTY";
  if (CONTROL.test(value) || (!multiline && LINE_FEED.test(value))) return "TEXT_CONTROL_CHARACTER";
  if (value !== value.trim() || (!multiline && / {2}/.test(value))) return "TEXT_UNTRIMMED";
  return undefined;
}

/**
 * Characters below U+0300 (Latin, IPA, spacing modifiers; the combining marks start there) are
 * starters that compose with none of each other, so a string of them alone is already NFC.
 */
// eslint-disable-next-line no-control-regex -- every code unit below U+0300, controls included
const BELOW_COMBINING_MARKS = /^[\u0000-\u02ff]*$/;

/** True when a string is in Unicode Normalization Form C (codes, dates and ASCII text without normalising). */
export function isNfc(value: string): boolean {
  return BELOW_COMBINING_MARKS.test(value) || value === value.normalize("NFC");
}

/**
 * A deep copy of a JSON value with every string NFC-normalised (object keys included). For the
 * software that builds a document before signing; validation itself never normalises.
 *
 * @example normalizeDocument({ fullName: "Nguye\u0302\u0303n" }) // { fullName: "Nguyễn" }
 */
export function normalizeDocument<T>(value: T): T {
  return normalizeValue(value) as T;
}

function normalizeValue(value: unknown): unknown {
  if (typeof value === "string") return value.normalize("NFC");
  if (Array.isArray(value)) return value.map(normalizeValue);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.normalize("NFC"), normalizeValue(v)]));
  }
  return value;
}
