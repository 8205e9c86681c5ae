/**
 * Selective disclosure of a transcript, in the manner of IETF SD-JWT (docs/selective-disclosure.md).
 *
 * The school signs a transcript in which the parts a graduate may withhold are replaced by salted
 * digests: `student.citizenId`, `student.ethnicity`, `student.placeOfBirth` become entries of
 * `student._sd`, and each school year of `years` becomes `{"...": digest}`. Beside the signed
 * document travel the disclosures, one per withheld part:
 *
 *   disclosure = base64url(UTF-8(JSON [salt, name, value]))   an object member
 *              = base64url(UTF-8(JSON [salt, value]))         an array element
 *   digest     = base64url(SHA-256(ASCII(disclosure)))
 *
 * with a fresh 128-bit random salt per part, so a digest reveals nothing of the value (not even a
 * citizen ID, whose 10^12 values could otherwise be tried one by one). The signed document is
 * marked by `_sd_alg: "sha-256"`. A holder shares the signed document with any subset of the
 * disclosures; the verifier puts the disclosed parts back and knows which parts are withheld.
 *
 * Pure and browser-safe: the page makes and checks the same forms.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { HocbaError } from "../errors";
import { TRANSCRIPT_TYPE } from "./schema";

/** The digest algorithm name carried in `_sd_alg` (IANA "Named Information Hash Algorithm"). */
export const SD_ALG = "sha-256";
/** The student fields a holder may withhold. */
export const WITHHOLDABLE_STUDENT_FIELDS = ["citizenId", "ethnicity", "placeOfBirth"] as const;
export type WithholdableField = (typeof WITHHOLDABLE_STUDENT_FIELDS)[number];

/**
 * What a holder chooses to show or withhold: a student field by name, or a school year by its
 * position in `years` (`years/0` is the first).
 */
export type DisclosureKey = WithholdableField | `years/${number}`;

/** Salt bytes: 128 bits, as SD-JWT recommends. */
const SALT_BYTES = 16;
/** The shortest salt accepted from a file: 16 bytes in base64url without padding. */
const MIN_SALT_LENGTH = 22;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const ARRAY_ELEMENT = "...";
/** Names a disclosure may not give a member: the markers, and what would reach a prototype. */
const RESERVED_NAMES = new Set(["_sd", "_sd_alg", ARRAY_ELEMENT, "__proto__", "constructor", "prototype"]);

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The digest of a disclosure as it appears in the signed document. */
export function disclosureDigest(disclosure: string): string {
  return base64url(sha256(encoder.encode(disclosure)));
}

function freshSalt(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(SALT_BYTES)));
}

function encode(parts: unknown[]): string {
  return base64url(encoder.encode(JSON.stringify(parts)));
}

/** True when the document is in the selectively disclosable form (it carries `_sd_alg`). */
export function isSelectivelyDisclosable(document: unknown): boolean {
  return isRecord(document) && "_sd_alg" in document;
}

/** A signed-form document and every disclosure of it. */
export interface DisclosableDocument {
  document: Json;
  disclosures: string[];
}

/**
 * Turns a plain (already validated) transcript into the form the school signs, with one fresh salt
 * per withholdable part. Digests in `student._sd` are sorted, so their order says nothing of which
 * field is which.
 * @throws HocbaError SCHEMA_INVALID for a graduation record or a document already in this form.
 * @example
 * const { document, disclosures } = makeDisclosable(transcript);
 * const cms = await signDetached(canonicalBytes(document), [signer]);
 */
export function makeDisclosable(transcript: unknown, salt: () => string = freshSalt): DisclosableDocument {
  if (!isRecord(transcript) || transcript.type !== TRANSCRIPT_TYPE)
    throw new HocbaError("SCHEMA_INVALID", `only ${TRANSCRIPT_TYPE} documents have withholdable parts`);
  if (isSelectivelyDisclosable(transcript))
    throw new HocbaError("SCHEMA_INVALID", "the document is already in the selectively disclosable form");
  const disclosures: string[] = [];
  const student = { ...(transcript.student as Json) };
  const digests: string[] = [];
  for (const field of WITHHOLDABLE_STUDENT_FIELDS) {
    if (!(field in student)) continue;
    const disclosure = encode([salt(), field, student[field]]);
    delete student[field];
    disclosures.push(disclosure);
    digests.push(disclosureDigest(disclosure));
  }
  student._sd = digests.sort();
  const years = (transcript.years as unknown[]).map((year) => {
    const disclosure = encode([salt(), year]);
    disclosures.push(disclosure);
    return { [ARRAY_ELEMENT]: disclosureDigest(disclosure) };
  });
  return { document: { ...transcript, _sd_alg: SD_ALG, student, years }, disclosures };
}

/** One disclosure, decoded. */
interface Decoded {
  disclosure: string;
  digest: string;
  salt: string;
  /** Present for an object member; absent for an array element. */
  name?: string;
  value: unknown;
}

/** Decodes a disclosure; a string saying what is wrong when it cannot be read. */
function decode(disclosure: unknown): Decoded | string {
  if (typeof disclosure !== "string") return "a disclosure is a base64url string";
  const bytes = fromBase64url(disclosure);
  if (bytes === undefined) return "not base64url";
  let parts: unknown;
  try {
    parts = JSON.parse(decoder.decode(bytes));
  } catch {
    return "not a JSON array in UTF-8";
  }
  if (!Array.isArray(parts) || (parts.length !== 2 && parts.length !== 3))
    return "not a JSON array of [salt, name, value] or [salt, value]";
  const [salt] = parts as unknown[];
  if (typeof salt !== "string" || salt.length < MIN_SALT_LENGTH)
    return `its salt is not a string of at least ${MIN_SALT_LENGTH} characters (128 bits)`;
  const digest = disclosureDigest(disclosure);
  if (parts.length === 2) return { disclosure, digest, salt, value: parts[1] };
  const name = parts[1] as unknown;
  if (typeof name !== "string" || RESERVED_NAMES.has(name))
    return "its member name is not a string, or is a reserved name";
  return { disclosure, digest, salt, name, value: parts[2] };
}

/** What the disclosures of a signed-form document reveal. */
export interface Disclosed {
  /** The document with every disclosed part put back and the digest markers removed. */
  view: Json;
  /**
   * JSON pointers of the withheld parts (`/student/citizenId`, `/years/1`), in document order.
   * A withheld student field is named from the format: the member of the plain form it stands for.
   */
  withheld: string[];
  /** The key of each disclosure given, at its index; undefined for one with a problem. */
  keys: Array<DisclosureKey | undefined>;
  /** What is wrong with the disclosures: one that matches no digest, a duplicate, a malformed one. */
  problems: Array<{ index: number; message: string }>;
}

/**
 * Puts the disclosures back into a signed-form document. Never throws on bad input: problems are
 * listed (the integrity check reports them), and a disclosure with a problem reveals nothing.
 * @example
 * const { view, withheld } = disclose(credential.document, credential.disclosures);
 * // withheld: ["/student/citizenId", "/student/ethnicity"]
 */
export function disclose(document: Json, disclosures: readonly unknown[]): Disclosed {
  const problems: Disclosed["problems"] = [];
  const byDigest = new Map<string, { decoded: Decoded; index: number }>();
  disclosures.forEach((disclosure, index) => {
    const decoded = decode(disclosure);
    if (typeof decoded === "string") problems.push({ index, message: decoded });
    else if (byDigest.has(decoded.digest))
      problems.push({ index, message: "the same disclosure is given twice" });
    else byDigest.set(decoded.digest, { decoded, index });
  });
  const used = new Set<string>();
  const keys: Array<DisclosureKey | undefined> = disclosures.map(() => undefined);
  const withheld: string[] = [];

  const view: Json = { ...document };
  delete view._sd_alg;
  const student = isRecord(document.student) ? { ...document.student } : undefined;
  if (student !== undefined) {
    const digests = Array.isArray(student._sd) ? student._sd : [];
    delete student._sd;
    let hidden = 0;
    for (const digest of digests) {
      const found = typeof digest === "string" ? byDigest.get(digest) : undefined;
      if (found === undefined) {
        hidden++;
        continue;
      }
      used.add(digest as string);
      const { decoded, index } = found;
      if (decoded.name === undefined) {
        problems.push({
          index,
          message: "an array element's disclosure stands for a student field's digest",
        });
      } else if (Object.hasOwn(student, decoded.name)) {
        problems.push({ index, message: `student.${decoded.name} is both disclosed and in the clear` });
      } else {
        student[decoded.name] = decoded.value;
        if ((WITHHOLDABLE_STUDENT_FIELDS as readonly string[]).includes(decoded.name))
          keys[index] = decoded.name as WithholdableField;
      }
    }
    // The withheld fields are the withholdable ones neither in the clear nor disclosed.
    const missing = WITHHOLDABLE_STUDENT_FIELDS.filter((field) => !Object.hasOwn(student, field));
    withheld.push(...missing.slice(0, hidden).map((field) => `/student/${field}`));
    view.student = student;
  }
  if (Array.isArray(document.years)) {
    const years: unknown[] = [];
    document.years.forEach((year, position) => {
      const digest = isRecord(year) && Object.keys(year).length === 1 ? year[ARRAY_ELEMENT] : undefined;
      if (typeof digest !== "string") {
        years.push(year);
        return;
      }
      const found = byDigest.get(digest);
      if (found === undefined) {
        withheld.push(`/years/${position}`);
        return;
      }
      used.add(digest);
      if (found.decoded.name !== undefined) {
        problems.push({
          index: found.index,
          message: "a student field's disclosure stands for a school year's digest",
        });
        return;
      }
      keys[found.index] = `years/${position}`;
      years.push(found.decoded.value);
    });
    view.years = years;
  }
  for (const { decoded, index } of byDigest.values()) {
    if (!used.has(decoded.digest))
      problems.push({ index, message: "it matches no digest the issuer signed (changed or foreign)" });
  }
  problems.sort((a, b) => a.index - b.index);
  return {
    view,
    withheld,
    keys,
    problems,
  };
}

/**
 * The disclosures a holder keeps to withhold `withhold` (keys as in DisclosureKey); the others are
 * returned unchanged, in their order.
 * @throws HocbaError SCHEMA_INVALID when a disclosure does not belong to the document.
 */
export function withholding(
  document: Json,
  disclosures: readonly string[],
  withhold: readonly DisclosureKey[],
): string[] {
  const { keys, problems } = disclose(document, disclosures);
  if (problems.length > 0)
    throw new HocbaError("SCHEMA_INVALID", `disclosure ${problems[0]!.index + 1}: ${problems[0]!.message}`);
  return disclosures.filter((_, index) => {
    const key = keys[index];
    return key === undefined || !withhold.includes(key);
  });
}

/** True when a string names a withholdable part: a field, or `years/<n>`. */
export function isDisclosureKey(value: unknown): value is DisclosureKey {
  return (
    typeof value === "string" &&
    ((WITHHOLDABLE_STUDENT_FIELDS as readonly string[]).includes(value) ||
      /^years\/(0|[1-9]\d{0,2})$/.test(value))
  );
}
