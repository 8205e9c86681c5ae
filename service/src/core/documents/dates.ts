/**
 * Calendar checks for the lexical dates the schema lets through: `2023-02-30` matches the pattern
 * but is not a day. Pure arithmetic on the proleptic Gregorian calendar, no Date parsing quirks.
 */

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** True when `YYYY-MM-DD` names a real calendar day. */
export function isCalendarDate(value: string): boolean {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** True when an ISO-8601 date-time with offset names a real instant (real day, 00:00:00–23:59:59, offset ≤ 14:00). */
export function isCalendarDateTime(value: string): boolean {
  const m =
    /^([0-9-]{10})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?(?:Z|[+-]([0-9]{2}):([0-9]{2}))$/.exec(value);
  if (!m || !isCalendarDate(m[1] ?? "")) return false;
  const [h, min, s] = [Number(m[2]), Number(m[3]), Number(m[4])];
  const [oh, om] = [Number(m[5] ?? 0), Number(m[6] ?? 0)];
  return h <= 23 && min <= 59 && s <= 59 && om <= 59 && oh * 60 + om <= 14 * 60;
}
