/**
 * How documents are written for people, shared by the printable PDF, the service and the public
 * pages (one definition each): dates the Vietnamese way (dd/mm/yyyy, Vietnam time), English dates
 * for the English pages, scores with a decimal comma, and dates typed as ngày/tháng/năm read back.
 * Pure arithmetic (no Intl, no time-zone database): Vietnam is UTC+7 all year.
 */
import { isCalendarDate } from "./dates";

export type DisplayLanguage = "vi" | "en";

/** Vietnam has one time zone, UTC+7, and no daylight saving. */
const VIETNAM_OFFSET_MS = 7 * 3_600_000;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const LONG_MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/**
 * dd/mm/yyyy of an ISO date (YYYY-MM-DD…), as Vietnamese documents write dates.
 * @example vietnameseDate("2009-05-17") // "17/05/2009"
 */
export function vietnameseDate(iso: string): string {
  const [y, m, d] = iso.slice(0, 10).split("-");
  return `${d}/${m}/${y}`;
}

/**
 * An ISO date (YYYY-MM-DD…) in words, as the place-and-date line of a Vietnamese document writes it.
 * @example vietnameseDateInWords("2025-06-14") // "ngày 14 tháng 06 năm 2025"
 */
export function vietnameseDateInWords(iso: string): string {
  const [y, m, d] = iso.slice(0, 10).split("-");
  return `ngày ${d} tháng ${m} năm ${y}`;
}

/** The instant as YYYY-MM-DDTHH:MM… in Vietnam time. */
function inVietnam(instant: Date): string {
  return new Date(instant.getTime() + VIETNAM_OFFSET_MS).toISOString();
}

/**
 * dd/mm/yyyy hh:mm in Vietnam time of an instant.
 * @example vietnameseDateTime(new Date("2024-06-05T17:30:00Z")) // "06/06/2024 00:30"
 */
export function vietnameseDateTime(instant: Date): string {
  const t = inVietnam(instant);
  return `${vietnameseDate(t)} ${t.slice(11, 16)}`;
}

/**
 * A calendar date (YYYY-MM-DD) for people: "17/05/2009" in Vietnamese, "17 May 2009" in English;
 * any other text as it is.
 */
export function formatDate(value: string, language: DisplayLanguage): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  if (language === "vi") return vietnameseDate(value);
  const [y, m, d] = value.split("-");
  return `${Number(d)} ${LONG_MONTHS[Number(m) - 1]} ${y}`;
}

/**
 * An instant for people, in Vietnam time: "23/11/2026 23:29 (giờ Việt Nam)" or
 * "23 Nov 2026, 23:29 (Vietnam time)"; text that is no instant as it is.
 */
export function formatDateTime(value: string | Date, language: DisplayLanguage): string {
  const date = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return String(value);
  if (language === "vi") return `${vietnameseDateTime(date)} (giờ Việt Nam)`;
  const t = inVietnam(date);
  return `${t.slice(8, 10)} ${MONTHS[Number(t.slice(5, 7)) - 1]} ${t.slice(0, 4)}, ${t.slice(11, 16)} (Vietnam time)`;
}

/**
 * A term or year result: a score with one decimal (a decimal comma in Vietnamese), Đ / CĐ as is.
 * @example formatScore(8.5, "vi") // "8,5"
 */
export function formatScore(value: number | string, language: DisplayLanguage = "vi"): string {
  if (typeof value !== "number") return value;
  return language === "vi" ? value.toFixed(1).replace(".", ",") : value.toFixed(1);
}

/** Oldest year a typed birth date may name. */
const EARLIEST_YEAR = 1900;

/**
 * A date typed the Vietnamese way — ngày/tháng/năm as "17/05/2009", "17-5-2009" or "17.05.2009" —
 * or as YYYY-MM-DD, as YYYY-MM-DD; undefined unless it names a real day from 1900 on.
 * @example
 * parseVietnameseDate("17/5/2009"); // "2009-05-17"
 * parseVietnameseDate("31/02/2009"); // undefined
 */
export function parseVietnameseDate(text: string): string | undefined {
  const value = text.trim();
  const vn = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(value);
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value);
  const [year, month, day] = vn ? [vn[3], vn[2], vn[1]] : iso ? [iso[1], iso[2], iso[3]] : [];
  if (year === undefined || Number(year) < EARLIEST_YEAR) return undefined;
  const date = `${year}-${month!.padStart(2, "0")}-${day!.padStart(2, "0")}`;
  return isCalendarDate(date) ? date : undefined;
}

/** Today in Vietnam as YYYY-MM-DD. */
export function todayInVietnam(now: Date = new Date()): string {
  return inVietnam(now).slice(0, 10);
}
