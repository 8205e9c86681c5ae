/**
 * The citizen ID (CCCD / mã định danh cá nhân, 12 digits, no check digit): province of birth
 * registration (3 digits), a digit coding century and gender, the 2-digit year of birth, then 6
 * random digits. What it says about the holder can be compared with the stated birth date and gender.
 */
import type { Gender } from "./schema";

export interface CitizenIdFacts {
  /** 3-digit province code, e.g. "079". */
  readonly province: string;
  /** Full year of birth, e.g. 2009. */
  readonly birthYear: number;
  readonly gender: Gender;
}

/**
 * Reads province, year of birth and gender out of a 12-digit CCCD. The century/gender digit pairs
 * 0/1 → 1900s, 2/3 → 2000s, 4/5 → 2100s, 6/7 → 2200s, 8/9 → 2300s; even is male, odd is female.
 * Returns undefined unless the input is exactly 12 ASCII digits.
 */
export function parseCitizenId(citizenId: string): CitizenIdFacts | undefined {
  if (!/^[0-9]{12}$/.test(citizenId)) return undefined;
  const digit = Number(citizenId[3]);
  return {
    province: citizenId.slice(0, 3),
    birthYear: 1900 + Math.floor(digit / 2) * 100 + Number(citizenId.slice(4, 6)),
    gender: digit % 2 === 0 ? "Nam" : "Nữ",
  };
}

/** True for the province range 001–096 that docs/school-records.md gives for birth registration. */
export function isCitizenIdProvince(province: string): boolean {
  const n = Number(province);
  return /^[0-9]{3}$/.test(province) && n >= 1 && n <= 96;
}

/** Builds the first 6 digits of a CCCD (province, century/gender, year) followed by `serial`. */
export function composeCitizenId(
  province: string,
  birthYear: number,
  gender: Gender,
  serial: string,
): string {
  const centuryGender = Math.floor((birthYear - 1900) / 100) * 2 + (gender === "Nữ" ? 1 : 0);
  return `${province}${centuryGender}${String(birthYear % 100).padStart(2, "0")}${serial}`;
}

/** How many trailing digits `maskCitizenId` leaves readable. */
export const CITIZEN_ID_VISIBLE_DIGITS = 3;

/**
 * The citizen ID as printed for people (PDF, pages): every digit but the last three hidden. The
 * first six digits are not secret in effect — they follow from province, gender and year of birth,
 * which the transcript shows — so only the random tail protects the number: three visible digits
 * leave 1,000 candidates, enough to tell two records apart, too few to read the number off a print.
 *
 * @example maskCitizenId("079309001234") // "•••••••••234"
 */
export function maskCitizenId(citizenId: string): string {
  const visible = citizenId.slice(-CITIZEN_ID_VISIBLE_DIGITS);
  return "•".repeat(Math.max(citizenId.length - visible.length, 0)) + visible;
}
