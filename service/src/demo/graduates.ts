/**
 * The demo graduation lists of the embedded default (README, Quick start; docs/graduates.md): the
 * district office DEMOQ1's list of 2024, decided by it before the 2025 reform, and the department
 * DEMOSO's list for its former district DEMOQ1 — two graduates of 2025 it decided itself after the
 * reform, and a correction of one of the district's 2024 records (still decided by the district).
 * The lookup page then shows records decided by a former district and by the department.
 * Pure: the files' bytes only (server/demo.ts signs and imports them).
 */
import { composeCitizenId } from "../core/documents/cccd";
import { DEPARTMENT_COLUMNS, GRADUATE_COLUMNS, type ImportColumn } from "../core/documents/graduate-rows";

/** One row of a graduates file, by column. */
export type GraduateFileRow = Partial<Record<ImportColumn, string>>;

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A CSV file (UTF-8, header row, CRLF) of `rows` with `columns` in that order. */
export function graduatesCsv(
  rows: readonly GraduateFileRow[],
  columns: readonly string[] = GRADUATE_COLUMNS,
): Uint8Array {
  const lines = [
    columns.join(","),
    ...rows.map((r) => columns.map((c) => csvCell(r[c as ImportColumn] ?? "")).join(",")),
  ];
  return new TextEncoder().encode(lines.join("\r\n") + "\r\n");
}

export const DEMO_DISTRICT = { code: "DEMOQ1", name: "Phòng GDĐT Demo" } as const;
export const DEMO_DEPARTMENT_ISSUER = { code: "DEMOSO", name: "Sở GDĐT Demo" } as const;

const SCHOOL = { schoolCode: "DEMO01", schoolName: "Trường THCS Demo" };

/** A demo list: the decision its rows carry, and the prefix of its registry numbers. */
interface DemoList {
  decision: GraduateFileRow & { graduationYear: string };
  registry: string;
}

/**
 * The list's graduate number `n` (from 1). The numbers on their papers follow from it and the
 * graduation year: the citizen ID's serial <yy><nnnn> (and the student code made from it), the
 * diploma serial DM<yy><nnnnn> and the registry number <registry>-<year>-<nnnnn>.
 */
function graduate(
  list: DemoList,
  n: number,
  fullName: string,
  dateOfBirth: string,
  gender: "Nam" | "Nữ",
): GraduateFileRow {
  const year = list.decision.graduationYear;
  const serial = `${year.slice(2)}${String(n).padStart(4, "0")}`;
  const number = String(n).padStart(5, "0");
  const birthYear = Number(dateOfBirth.slice(0, 4));
  return {
    fullName,
    dateOfBirth,
    gender,
    placeOfBirth: "Hà Nội",
    ethnicity: "Kinh",
    // Made-up citizen IDs of Hà Nội (001), agreeing with birth year and gender.
    citizenId: composeCitizenId("001", birthYear, gender, serial),
    studentCode: `01${serial}00`,
    ...SCHOOL,
    ...list.decision,
    diplomaSerial: `DM${year.slice(2)}${number}`,
    registryNumber: `${list.registry}-${year}-${number}`,
  };
}

/** The district's 2024 list: decided by the district office (decision of June 2024); DM2400001, DM2400002. */
const DISTRICT_2024: DemoList = {
  decision: { graduationYear: "2024", decisionNumber: "125/QĐ-PGDĐT", decisionDate: "2024-06-20" },
  registry: "DM",
};
const DISTRICT_ROWS: GraduateFileRow[] = [
  graduate(DISTRICT_2024, 1, "Vũ Thị Hồng", "2009-05-17", "Nữ"),
  graduate(DISTRICT_2024, 2, "Trần Quốc Bảo", "2009-02-03", "Nam"),
];

/**
 * The department's list for DEMOQ1: Trần Quốc Bảo's 2024 record corrected (his place of birth),
 * still decided by the district; two 2025 graduates recognised by the department after the
 * district office was dissolved (1 July 2025): DM2500001, DM2500002.
 */
const DEPARTMENT_2025: DemoList = {
  decision: {
    graduationYear: "2025",
    decisionNumber: "45/QĐ-SGDĐT",
    decisionDate: "2025-07-15",
    districtCode: DEMO_DISTRICT.code,
    decidedBy: DEMO_DEPARTMENT_ISSUER.code,
  },
  registry: "SDM",
};
const DEPARTMENT_ROWS: GraduateFileRow[] = [
  {
    ...DISTRICT_ROWS[1],
    placeOfBirth: "Hải Phòng",
    districtCode: DEMO_DISTRICT.code,
    decidedBy: DEMO_DISTRICT.code,
  },
  graduate(DEPARTMENT_2025, 1, "Lê Minh Châu", "2010-09-09", "Nữ"),
  graduate(DEPARTMENT_2025, 2, "Phạm Đức Duy", "2010-12-01", "Nam"),
];

/** The two demo lists, in the order they are imported: the district's, then the department's. */
export function demoGraduateFiles(): { issuer: string; name: string; csv: Uint8Array }[] {
  return [
    { issuer: DEMO_DISTRICT.code, name: "sample-graduates-DEMOQ1.csv", csv: graduatesCsv(DISTRICT_ROWS) },
    {
      issuer: DEMO_DEPARTMENT_ISSUER.code,
      name: "sample-graduates-DEMOSO.csv",
      csv: graduatesCsv(DEPARTMENT_ROWS, [...GRADUATE_COLUMNS, ...DEPARTMENT_COLUMNS]),
    },
  ];
}
