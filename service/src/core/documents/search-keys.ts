/**
 * Search keys of the public graduation lookup (docs/school-records.md: search matches regardless
 * of accents and case). A name is folded to plain lower-case ASCII-like text — accents removed, đ/Đ to d,
 * whitespace collapsed — so `nguyen  thi ANH`, `Nguyễn Thị Ánh` and its NFD spelling share one key.
 * The service stores the key beside each record and indexes it; the lookup page may fold its input
 * with the same function. Pure and browser-safe.
 */

/** Combining marks left by NFD decomposition (Vietnamese tones and vowel marks). */
const COMBINING = /[\u0300-\u036f]/g;

/**
 * The search key of a full name.
 *
 * @example nameKey("  Nguyễn Thị  Ánh ") // "nguyen thi anh"
 * @example nameKey("Đặng Văn Đức") // "dang van duc"
 */
export function nameKey(name: string): string {
  return name
    .normalize("NFD")
    .replace(COMBINING, "")
    .replace(/[đĐ]/g, "d")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * The search key of a diploma serial (số hiệu): upper case, no spaces, accents folded like names.
 *
 * @example serialKey(" a 0123456 ") // "A0123456"
 */
export function serialKey(serial: string): string {
  return nameKey(serial).replace(/ /g, "").toUpperCase();
}
