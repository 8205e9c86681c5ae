/**
 * Graduates import fixtures: realistic rows of a district's list (Vietnamese names, CCCD agreeing
 * with birth year and gender), the CSV and XLSX files made from them, a district office
 * registered with its signing certificate, and a department (Sở GDĐT) registered through the
 * admin API with its former districts — for the import and search tests and the benchmark.
 */
import ExcelJS from "exceljs";
import type { FastifyInstance } from "fastify";
import type { Database } from "../../service/src/adapters/db/database";
import type { IssuedCertificate } from "../../service/src/adapters/pki/certificates";
import { composeCitizenId } from "../../service/src/core/documents/cccd";
import { GRADUATE_COLUMNS, type GraduateColumn } from "../../service/src/core/documents/graduate-rows";
import { signDetached } from "../../service/src/core/pki";
import { graduatesCsv, type GraduateFileRow } from "../../service/src/demo/graduates";
import {
  GIVEN_NAMES_FEMALE,
  GIVEN_NAMES_MALE,
  MIDDLE_NAMES_FEMALE,
  MIDDLE_NAMES_MALE,
  SURNAMES,
} from "../../service/src/demo/people";
import { apiKeyFor } from "./app";
import { fingerprintOf, issue, signerOf, type SchoolPki } from "./pki";

export type GraduateRow = Record<GraduateColumn, string>;

export const DISTRICT_CODE = "PGDQ1";
export const DISTRICT_NAME = "Phòng GDĐT Quận 1";

/** A Vietnamese full name for person `i` (service/src/demo/people.ts), varying fastest in the surname. */
export function personName(i: number, gender: "Nam" | "Nữ"): string {
  const [middle, given] =
    gender === "Nam" ? [MIDDLE_NAMES_MALE, GIVEN_NAMES_MALE] : [MIDDLE_NAMES_FEMALE, GIVEN_NAMES_FEMALE];
  const surname = SURNAMES[i % SURNAMES.length];
  const rest = Math.floor(i / SURNAMES.length);
  return `${surname} ${middle[rest % middle.length]} ${given[Math.floor(rest / middle.length) % given.length]}`;
}

/** Row `i` of a list: a different graduate for every i (serial, registry number, CCCD, name). */
export function graduateRow(i: number, overrides: Partial<GraduateRow> = {}): GraduateRow {
  const gender = i % 2 === 0 ? "Nam" : "Nữ";
  const month = String((i % 12) + 1).padStart(2, "0");
  const day = String((i % 28) + 1).padStart(2, "0");
  return {
    fullName: personName(i, gender),
    dateOfBirth: `2009-${month}-${day}`,
    gender,
    placeOfBirth: "TP. Hồ Chí Minh",
    ethnicity: "Kinh",
    citizenId: composeCitizenId("079", 2009, gender, String(100000 + (i % 900000)).padStart(6, "0")),
    studentCode: `79${String(10_000_000 + i).slice(-8)}`,
    schoolCode: "79000701",
    schoolName: "Trường THCS Nguyễn Du",
    graduationYear: "2024",
    decisionNumber: "125/QĐ-PGDĐT",
    decisionDate: "2024-06-20",
    diplomaSerial: `A${String(1_000_000 + i)}`,
    registryNumber: `Q1-2024-${String(i + 1).padStart(5, "0")}`,
    ...overrides,
  };
}

/** A CSV file (UTF-8, header row) of the rows, columns in the given order (the demo's writer). */
export function toCsv(
  rows: readonly GraduateFileRow[],
  columns: readonly string[] = GRADUATE_COLUMNS,
): Buffer {
  return Buffer.from(graduatesCsv(rows, columns));
}

/**
 * An XLSX file of the rows as a spreadsheet user types them: dates as date cells, the graduation
 * year and the citizen ID as numbers (so the CCCD loses its leading zero).
 */
export async function toXlsx(
  rows: readonly GraduateRow[],
  columns: readonly GraduateColumn[] = GRADUATE_COLUMNS,
): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet("Tốt nghiệp THCS");
  sheet.addRow([...columns]);
  for (const row of rows) {
    sheet.addRow(
      columns.map((c) => {
        const value = row[c];
        if ((c === "dateOfBirth" || c === "decisionDate") && /^\d{4}-\d{2}-\d{2}$/.test(value))
          return new Date(`${value}T00:00:00Z`);
        if (c === "graduationYear" || c === "citizenId") return Number(value);
        return value;
      }),
    );
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export interface District {
  code: string;
  apiKey: string;
  signer: IssuedCertificate;
  sign(file: Uint8Array): Promise<string>;
}

/** Registers district office `code` with a new signing certificate (issued by the PKI's intermediate). */
export async function registerDistrict(
  db: Database,
  pki: SchoolPki,
  code = DISTRICT_CODE,
  name = DISTRICT_NAME,
): Promise<District> {
  const signer = await issue({
    subject: `CN=Lê Văn Tâm, T=Trưởng phòng, O=${name}, C=VN`,
    issuer: pki.intermediate,
    keyAlgorithm: "P-256",
  });
  await db.query(
    "INSERT INTO issuers (code, kind, name) VALUES ($1, 'district', $2) ON CONFLICT DO NOTHING",
    [code, name],
  );
  await db.query(
    `INSERT INTO issuer_certificates (issuer_code, fingerprint, certificate, subject, role, added_at)
     VALUES ($1, $2, $3, $4, 'principal', now() - interval '1 day')`,
    [code, fingerprintOf(signer), signer.certificate, `district ${code}`],
  );
  const apiKey = await apiKeyFor(db, code);
  return {
    code,
    apiKey,
    signer,
    sign: async (file) =>
      Buffer.from(await signDetached(file, [signerOf(signer, pki.intermediate)])).toString("base64"),
  };
}

export interface Department {
  code: string;
  apiKey: string;
  signer: IssuedCertificate;
  sign(file: Uint8Array): Promise<string>;
  /** The admin API's answer to the registration. */
  status: number;
  body: unknown;
}

/**
 * Registers department `who` with its former `districts` through the admin API
 * (POST /api/v1/admin/issuers) with a new signing certificate of the PKI's intermediate.
 */
export async function registerDepartment(
  app: FastifyInstance,
  adminToken: string,
  pki: SchoolPki,
  who: { code: string; name: string },
  districts: string[],
): Promise<Department> {
  const signer = await issue({
    subject: `CN=Nguyễn Thị Thu, T=Giám đốc Sở, O=${who.name}, C=VN`,
    issuer: pki.intermediate,
    keyAlgorithm: "P-256",
  });
  const res = await app.inject({
    method: "POST",
    url: "/api/v1/admin/issuers",
    headers: { authorization: `Bearer ${adminToken}` },
    payload: {
      kind: "department",
      code: who.code,
      name: who.name,
      certificates: [signer.certificatePem + pki.intermediate.certificatePem],
      districts,
    },
  });
  return {
    code: who.code,
    signer,
    status: res.statusCode,
    body: res.json<unknown>(),
    apiKey: res.json<{ apiKey?: string }>().apiKey ?? "",
    sign: async (file) =>
      Buffer.from(await signDetached(file, [signerOf(signer, pki.intermediate)])).toString("base64"),
  };
}
