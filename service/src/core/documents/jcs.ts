/**
 * RFC 8785 (JSON Canonicalization Scheme) serialisation of JSON data. Written here rather than
 * taken from json-canonicalize because it runs for every document submitted and every credential
 * verified, and that library builds the text in JavaScript with a path string for every value it
 * visits (for its circular-reference messages): about twice the time of this one, and the largest
 * JavaScript cost of a verification. For JSON data the output is the library's, byte for byte:
 * tests hold it to the RFC's examples, cyberphone's test data and json-canonicalize itself.
 *
 * JCS on ECMAScript is JSON.stringify for every primitive (numbers per Number.prototype.toString,
 * strings with the minimal escapes) with object members sorted by UTF-16 code units — the order
 * Array.prototype.sort gives strings. So a value already in that order is handed to the engine's
 * JSON.stringify as it is, and any other is first copied with every object's members inserted in
 * that order. Engines list
 * array-index-like keys ("1", "10") first and in numeric order whatever the insertion order, so a
 * value holding such a key is written member by member instead. As in json-canonicalize, an
 * object member whose value is undefined is left out, an undefined array element is null, and a
 * value with a toJSON method (a Date) is written as JSON.stringify writes it.
 */

const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

/** Thrown inside sortedCopy when the value needs the member-by-member path (made once: no stack per throw). */
const INDEX_KEY = new Error("array-index-like key");

function assertJson(value: unknown): void {
  if (typeof value === "number" && !Number.isFinite(value))
    throw new Error(`Non-finite number (${value}) is not permitted in JSON (RFC 8785 §3.2.2.3)`);
  if (typeof value === "function" || typeof value === "symbol" || typeof value === "bigint")
    throw new Error(`${typeof value} is not JSON data`);
}

function hasToJson(value: object): boolean {
  return (value as { toJSON?: unknown }).toJSON != null;
}

/**
 * True when `value` is already written canonically by JSON.stringify: every object's members in
 * canonical order and no array-index-like key anywhere. Throws, as the other paths do, for what
 * JSON cannot hold. Credentials this service hands out carry their document in that order, so
 * verifying them needs no reordered copy.
 */
function inCanonicalOrder(value: unknown): boolean {
  if (value === null || typeof value !== "object") {
    assertJson(value);
    return true;
  }
  if (hasToJson(value)) return true;
  if (Array.isArray(value)) {
    for (const element of value) if (!inCanonicalOrder(element)) return false;
    return true;
  }
  const record = value as Record<string, unknown>;
  let previous: string | undefined;
  for (const key of Object.keys(record)) {
    if ((previous !== undefined && previous >= key) || ARRAY_INDEX.test(key)) return false;
    if (!inCanonicalOrder(record[key])) return false;
    previous = key;
  }
  return true;
}

/** `value` with the members of every object in canonical order (no prototype: "__proto__" stays a member). */
function sortedCopy(value: unknown): unknown {
  if (value === null || typeof value !== "object") {
    assertJson(value);
    return value;
  }
  if (hasToJson(value)) return value;
  if (Array.isArray(value)) return value.map(sortedCopy);
  const record = value as Record<string, unknown>;
  const copy = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(record).sort()) {
    if (ARRAY_INDEX.test(key)) throw INDEX_KEY;
    copy[key] = sortedCopy(record[key]);
  }
  return copy;
}

/** The canonical text built member by member (values holding array-index-like keys). */
function serialize(value: unknown): string {
  if (value === null || typeof value !== "object" || hasToJson(value)) {
    assertJson(value);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    let text = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) text += ",";
      const element: unknown = value[i];
      text += element === undefined ? "null" : serialize(element);
    }
    return text + "]";
  }
  const record = value as Record<string, unknown>;
  let text = "{";
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined) continue;
    if (text.length > 1) text += ",";
    text += JSON.stringify(key) + ":" + serialize(member);
  }
  return text + "}";
}

/**
 * The RFC 8785 canonical text of a JSON value.
 * @throws Error for what JSON cannot hold: a non-finite number (RFC 8785 §3.2.2.3), a function,
 * a symbol, a bigint, undefined outside an object or array (json-canonicalize wrote "undefined").
 * @example
 * canonicalJson({ b: [1, 2.50], a: "é" }); // '{"a":"é","b":[1,2.5]}'
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) throw new Error("undefined is not JSON data");
  if (inCanonicalOrder(value)) return JSON.stringify(value);
  let copy: unknown;
  try {
    copy = sortedCopy(value);
  } catch (error) {
    if (error !== INDEX_KEY) throw error;
    return serialize(value);
  }
  return JSON.stringify(copy);
}
