/**
 * What the lookup form asks the search API (docs/http-api.md, `GET /api/v1/graduates/search`), checked
 * in the page before anything is sent: a parent gets a precise message next to the field instead
 * of a 400, and no request leaves the page without both identifying inputs. Pure (no DOM), so the
 * rules are tested in Node.
 */
import { parseVietnameseDate, todayInVietnam } from "../../../service/src/core/documents/display";

/** The two ways to search: full name + date of birth, or the diploma serial (số hiệu). */
export type SearchMode = "name" | "serial";

export type FieldName = "fullName" | "dateOfBirth" | "year" | "schoolCode" | "diplomaSerial";

/** Why a field was refused; the page turns the code into a sentence in its language. */
export type FieldProblem =
  | "required"
  | "tooShort"
  | "dateInvalid"
  | "dateInFuture"
  | "yearInvalid"
  | "schoolCodeInvalid"
  | "serialInvalid";

export interface FieldError {
  field: FieldName;
  problem: FieldProblem;
}

export type QueryCheck = { ok: true; params: URLSearchParams } | { ok: false; errors: FieldError[] };

/** Oldest birth and graduation years the page accepts: older records are not in any digital list. */
const EARLIEST_YEAR = 1900;
const SCHOOL_CODE = /^[A-Za-z0-9]{1,20}$/;
const SERIAL = /^[\p{L}\p{N}./-]{1,40}$/u;

/** Collapses runs of white space and trims, as the API does before matching names. */
export function tidy(value: string): string {
  return value.replace(/\s+/g, " ").trim();
}

/**
 * A typed date as YYYY-MM-DD: the Vietnamese DD/MM/YYYY (also with `-` or `.`) or YYYY-MM-DD;
 * undefined for anything that is not a real date (the core's reading, shared with the service).
 */
export const parseDateInput = parseVietnameseDate;
export { todayInVietnam };

export interface NameSearchInput {
  fullName: string;
  dateOfBirth: string;
  year: string;
  schoolCode: string;
}

/**
 * Checks the name form and builds its query: `fullName` (white space tidied, accents kept as
 * typed — the API folds them), `dateOfBirth` as YYYY-MM-DD, and `year`, `schoolCode` when given.
 * @example
 * checkNameSearch({ fullName: "nguyen thi anh", dateOfBirth: "17/05/2009", year: "", schoolCode: "" });
 * // { ok: true, params: fullName=nguyen+thi+anh&dateOfBirth=2009-05-17 }
 */
export function checkNameSearch(input: NameSearchInput, now: Date = new Date()): QueryCheck {
  const errors: FieldError[] = [];
  const fullName = tidy(input.fullName);
  if (fullName === "") errors.push({ field: "fullName", problem: "required" });
  else if (fullName.replace(/[\s.'-]/g, "").length < 2)
    errors.push({ field: "fullName", problem: "tooShort" });

  const dateOfBirth = parseDateInput(input.dateOfBirth);
  if (input.dateOfBirth.trim() === "") errors.push({ field: "dateOfBirth", problem: "required" });
  else if (dateOfBirth === undefined) errors.push({ field: "dateOfBirth", problem: "dateInvalid" });
  else if (dateOfBirth > todayInVietnam(now)) errors.push({ field: "dateOfBirth", problem: "dateInFuture" });

  const year = input.year.trim();
  const thisYear = Number(todayInVietnam(now).slice(0, 4));
  if (year !== "" && (!/^\d{4}$/.test(year) || Number(year) < EARLIEST_YEAR || Number(year) > thisYear + 1))
    errors.push({ field: "year", problem: "yearInvalid" });

  const schoolCode = input.schoolCode.trim();
  if (schoolCode !== "" && !SCHOOL_CODE.test(schoolCode))
    errors.push({ field: "schoolCode", problem: "schoolCodeInvalid" });

  if (errors.length > 0) return { ok: false, errors };
  const params = new URLSearchParams({ fullName, dateOfBirth: dateOfBirth! });
  if (year !== "") params.set("year", year);
  if (schoolCode !== "") params.set("schoolCode", schoolCode);
  return { ok: true, params };
}

/**
 * Checks the serial form: the số hiệu as printed (letters, digits, `.`, `/`, `-`), spaces removed —
 * people copy it with spaces between the letter prefix and the digits.
 */
export function checkSerialSearch(input: { diplomaSerial: string }): QueryCheck {
  const diplomaSerial = input.diplomaSerial.replace(/\s+/g, "");
  if (diplomaSerial === "") return { ok: false, errors: [{ field: "diplomaSerial", problem: "required" }] };
  if (!SERIAL.test(diplomaSerial))
    return { ok: false, errors: [{ field: "diplomaSerial", problem: "serialInvalid" }] };
  return { ok: true, params: new URLSearchParams({ diplomaSerial }) };
}

/** The fragment of a link that opens the lookup on a serial: `#so-hieu=A0123456` (never sent to a server). */
const SERIAL_FRAGMENT = "so-hieu";

/**
 * A link that looks the serial up again, printed on the confirmation.
 * @example
 * serialLink("https://hocba.example.vn", "A0123456"); // "https://hocba.example.vn/tra-cuu#so-hieu=A0123456"
 */
export function serialLink(origin: string, serial: string): string {
  return `${origin}/tra-cuu#${SERIAL_FRAGMENT}=${encodeURIComponent(serial)}`;
}

/** The serial a `#so-hieu=…` fragment asks for, or undefined. */
export function serialFromFragment(hash: string): string | undefined {
  const value = new URLSearchParams(hash.replace(/^#/, "")).get(SERIAL_FRAGMENT);
  return value === null || value.trim() === "" ? undefined : value;
}
