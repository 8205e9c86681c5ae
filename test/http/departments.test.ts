/**
 * The department (Sở GDĐT) after the 2025 reform, over HTTP on PGlite and PostgreSQL: registered
 * through the admin API with its former district offices, it imports graduation records for two
 * of them, corrects a record a district decided (which keeps its deciding authority), cannot touch
 * another department's district, and keeps registry numbers unique per deciding authority; the
 * lookup answers each record's deciding authority and the issuer that signed its list
 * (docs/graduates.md, "After the 2025 reform").
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../service/src/adapters/db/database";
import type { Graduation } from "../../service/src/core/documents";
import { DEPARTMENT_COLUMNS, GRADUATE_COLUMNS } from "../../service/src/core/documents/graduate-rows";
import type { GraduateFileRow } from "../../service/src/demo/graduates";
import type { GraduateView } from "../../service/src/issuance/graduates";
import { startBackendApp, type BackendApp } from "../helpers/backend-app";
import { databaseBackends } from "../helpers/databases";
import {
  graduateRow,
  registerDepartment as registerGraduationDepartment,
  registerDistrict,
  toCsv,
  type Department,
  type District,
} from "../helpers/graduates";
import { fingerprintOf, makeSchoolPki, type SchoolPki } from "../helpers/pki";

const backends = await databaseBackends();
const dir = mkdtempSync(path.join(os.tmpdir(), "hocba-http-departments-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const DEPARTMENT = { code: "SO79", name: "Sở GDĐT TP. Hồ Chí Minh" };
const OTHER_DEPARTMENT = { code: "SO48", name: "Sở GDĐT TP. Đà Nẵng" };
const DEPARTMENT_FILE = [...GRADUATE_COLUMNS, ...DEPARTMENT_COLUMNS];

let pki: SchoolPki;
beforeAll(async () => {
  pki = await makeSchoolPki("P-256");
});

describe.each(backends)("a department's graduation records on $name", (backend) => {
  let db: Database;
  let t: BackendApp;
  let app: FastifyInstance;
  let q1: District;
  let q3: District;
  let lienChieu: District;
  let department: Department;
  /** Rows numbered per backend, as in the graduates API test. */
  let base: number;

  const registerDepartment = (who: { code: string; name: string }, districts: string[]) =>
    registerGraduationDepartment(app, t.adminToken, pki, who, districts);

  async function importFile(file: Buffer, by: { apiKey: string; sign(file: Uint8Array): Promise<string> }) {
    return app.inject({
      method: "POST",
      url: "/api/v1/graduates/import",
      headers: { authorization: `Bearer ${by.apiKey}` },
      payload: { file: file.toString("base64"), signature: await by.sign(file) },
    });
  }

  /** Row i of a department's file: of `district`, decided by `decidedBy`. */
  function row(i: number, district: string, decidedBy: string, overrides: GraduateFileRow = {}) {
    return { ...graduateRow(base + i), districtCode: district, decidedBy, ...overrides };
  }

  async function bySerial(serial: string): Promise<GraduateView[]> {
    const res = await app.inject({
      url: "/api/v1/graduates/search",
      query: { diplomaSerial: serial },
      remoteAddress: `192.0.2.${1 + (serial.length % 200)}`,
    });
    return res.json<{ results: GraduateView[] }>().results;
  }

  async function count(sql: string): Promise<number> {
    const { rows } = await db.query<{ n: number }>(sql);
    return rows[0]!.n;
  }

  beforeAll(async () => {
    t = await startBackendApp(backend, dir, { pki });
    db = t.db;
    app = t.app;
    q1 = await registerDistrict(db, pki, "PGDQ1", "Phòng GDĐT Quận 1");
    q3 = await registerDistrict(db, pki, "PGDQ3", "Phòng GDĐT Quận 3");
    lienChieu = await registerDistrict(db, pki, "PGDLC", "Phòng GDĐT Quận Liên Chiểu");
    base = backend.name === "pglite" ? 0 : 50_000;
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("registers a department with its former districts through the admin API, and refuses a district of another department", async () => {
    department = await registerDepartment(DEPARTMENT, ["PGDQ1", "PGDQ3"]);
    const other = await registerDepartment(OTHER_DEPARTMENT, ["PGDLC"]);
    expect([department.status, department.body, other.status]).toEqual([
      201,
      {
        code: DEPARTMENT.code,
        kind: "department",
        name: DEPARTMENT.name,
        apiKey: expect.stringMatching(/^hocba_i_/) as unknown,
        certificates: [
          {
            fingerprint: fingerprintOf(department.signer),
            subject: expect.stringContaining(DEPARTMENT.name) as unknown,
            role: "principal",
          },
        ],
        requiredRoles: null,
        districts: ["PGDQ1", "PGDQ3"],
      },
      201,
    ]);
    const read = await app.inject({
      url: `/api/v1/admin/issuers/${DEPARTMENT.code}`,
      headers: { authorization: `Bearer ${t.adminToken}` },
    });
    const district = await app.inject({
      url: "/api/v1/admin/issuers/PGDQ3",
      headers: { authorization: `Bearer ${t.adminToken}` },
    });
    expect([
      read.json<{ districts: string[] }>().districts,
      district.json<{ department: string | null }>().department,
    ]).toEqual([["PGDQ1", "PGDQ3"], DEPARTMENT.code]);

    const refusals = await Promise.all(
      [
        { kind: "department", code: "SO01", districts: ["PGDLC"] },
        { kind: "department", code: "SO02", districts: ["79000701"] },
        { kind: "department", code: "SO03", districts: ["NOWHERE"] },
        { kind: "school", code: "SO04", districts: ["PGDQ1"] },
        { kind: "district", code: "PGDQ5", department: "PGDQ1" },
      ].map(async (body) => {
        const res = await app.inject({
          method: "POST",
          url: "/api/v1/admin/issuers",
          headers: { authorization: `Bearer ${t.adminToken}` },
          payload: {
            name: "Cơ quan thử",
            certificates: [department.signer.certificatePem + pki.intermediate.certificatePem],
            ...body,
          },
        });
        const { error } = res.json<{ error: { code: string; message: string } }>();
        return [res.statusCode, error.code, error.message];
      }),
    );
    expect(refusals).toEqual([
      [409, "CONFLICT", `district PGDLC is already a former district of ${OTHER_DEPARTMENT.code}`],
      [400, "SCHEMA_INVALID", "79000701 is not a registered district office"],
      [400, "SCHEMA_INVALID", "NOWHERE is not a registered district office"],
      [400, "SCHEMA_INVALID", "only a department lists former districts"],
      [400, "SCHEMA_INVALID", "PGDQ1 is not a registered department"],
    ]);
    // A refused registration leaves nothing behind.
    expect(
      await count(
        "SELECT count(*)::int AS n FROM issuers WHERE code IN ('SO01', 'SO02', 'SO03', 'SO04', 'PGDQ5')",
      ),
    ).toBe(0);
  });

  it("imports a signed list for two former districts, each record decided by the department, and the lookup says so", async () => {
    const list = [row(0, "PGDQ1", DEPARTMENT.code), row(1, "PGDQ3", DEPARTMENT.code)];
    const res = await importFile(toCsv(list, DEPARTMENT_FILE), department);
    expect([res.statusCode, res.json<{ districtCode: string; counts: unknown }>()]).toEqual([
      201,
      expect.objectContaining({
        districtCode: DEPARTMENT.code,
        counts: { rows: 2, created: 2, unchanged: 0, superseding: 0 },
      }) as unknown,
    ]);
    const { rows: stored } = await db.query<{
      district_code: string;
      decided_by: string;
      issuer_code: string;
      district: Graduation["district"];
      decided: Graduation["decidedBy"];
    }>(
      `SELECT g.district_code, g.decided_by, d.issuer_code, d.document->'district' AS district,
              d.document->'decidedBy' AS decided
         FROM graduates g JOIN documents d ON d.id = g.document_id
        WHERE g.diploma_serial = ANY($1::text[]) ORDER BY g.diploma_serial`,
      [list.map((r) => r.diplomaSerial)],
    );
    expect(stored).toEqual([
      {
        district_code: "PGDQ1",
        decided_by: DEPARTMENT.code,
        issuer_code: DEPARTMENT.code,
        district: { code: "PGDQ1", name: "Phòng GDĐT Quận 1" },
        decided: DEPARTMENT,
      },
      {
        district_code: "PGDQ3",
        decided_by: DEPARTMENT.code,
        issuer_code: DEPARTMENT.code,
        district: { code: "PGDQ3", name: "Phòng GDĐT Quận 3" },
        decided: DEPARTMENT,
      },
    ]);
    expect(await bySerial(list[1]!.diplomaSerial)).toEqual([
      {
        id: expect.stringMatching(UUID) as unknown,
        fullName: list[1]!.fullName,
        dateOfBirth: list[1]!.dateOfBirth,
        gender: list[1]!.gender,
        placeOfBirth: list[1]!.placeOfBirth,
        school: { code: list[1]!.schoolCode, name: list[1]!.schoolName },
        district: { code: "PGDQ3", name: "Phòng GDĐT Quận 3" },
        decidedBy: { kind: "department", ...DEPARTMENT },
        graduationYear: 2024,
        decision: { number: list[1]!.decisionNumber, date: list[1]!.decisionDate },
        diplomaSerial: list[1]!.diplomaSerial,
        registryNumber: list[1]!.registryNumber,
        status: "pending",
        anchor: null,
        provenance: {
          fileSha256: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
          signerFingerprint: fingerprintOf(department.signer),
          importedAt: expect.stringMatching(ISO) as unknown,
          signedBy: DEPARTMENT,
        },
      },
    ]);
  });

  it("corrects a record the former district decided: it supersedes it and keeps the district as its deciding authority", async () => {
    const original = graduateRow(base + 10);
    expect((await importFile(toCsv([original]), q1)).statusCode).toBe(201);
    const corrected = row(10, "PGDQ1", "PGDQ1", { placeOfBirth: "Hải Phòng" });
    const res = await importFile(toCsv([corrected], DEPARTMENT_FILE), department);
    const body = res.json<{ results: { outcome: string; supersedes: string | null }[] }>();
    const found = await bySerial(original.diplomaSerial);
    expect({
      status: res.statusCode,
      outcome: body.results.map((r) => r.outcome),
      found: found.map((r) => [r.status, r.placeOfBirth, r.decidedBy, r.provenance.signedBy.code]),
      supersedes: body.results[0]!.supersedes === found[1]!.id,
    }).toEqual({
      status: 201,
      outcome: ["superseding"],
      found: [
        [
          "pending",
          "Hải Phòng",
          { kind: "district", code: "PGDQ1", name: "Phòng GDĐT Quận 1" },
          DEPARTMENT.code,
        ],
        [
          "superseded",
          original.placeOfBirth,
          { kind: "district", code: "PGDQ1", name: "Phòng GDĐT Quận 1" },
          "PGDQ1",
        ],
      ],
      supersedes: true,
    });
    // The corrected document reads as the district's own would: no decidedBy.
    const { rows } = await db.query<{ decided: unknown }>(
      "SELECT document->'decidedBy' AS decided FROM documents WHERE id = $1",
      [found[0]!.id],
    );
    expect(rows).toEqual([{ decided: null }]);
    // The same list again stores nothing.
    const again = await importFile(toCsv([corrected], DEPARTMENT_FILE), department);
    expect([again.statusCode, again.json<{ alreadyImported: boolean }>().alreadyImported]).toEqual([
      200,
      true,
    ]);
  });

  it("cannot touch another department's district, nor one of none (403 DISTRICT_NOT_IN_PROVINCE), and stores nothing", async () => {
    const before = await count("SELECT count(*)::int AS n FROM documents");
    const list = [
      row(20, "PGDQ1", DEPARTMENT.code),
      row(21, lienChieu.code, lienChieu.code),
      row(22, "PGDQ9", DEPARTMENT.code),
    ];
    const res = await importFile(toCsv(list, DEPARTMENT_FILE), department);
    expect([res.statusCode, res.json<unknown>()]).toEqual([
      403,
      {
        error: {
          code: "DISTRICT_NOT_IN_PROVINCE",
          message: `the file was not imported: 2 rows of districts that are not former districts of ${DEPARTMENT.code}, first at row 3`,
          details: [
            {
              row: 3,
              column: "districtCode",
              code: "DISTRICT_NOT_IN_PROVINCE",
              message: `PGDLC is not a former district of ${DEPARTMENT.code}: its records are not this department's`,
            },
            {
              row: 4,
              column: "districtCode",
              code: "DISTRICT_NOT_IN_PROVINCE",
              message: `PGDQ9 is not a former district of ${DEPARTMENT.code}: its records are not this department's`,
            },
          ],
        },
      },
    ]);
    // Nor can it correct the other district's records, nor can a district office import a department's file.
    expect((await importFile(toCsv([graduateRow(base + 23)]), lienChieu)).statusCode).toBe(201);
    const correction = await importFile(
      toCsv([row(23, lienChieu.code, lienChieu.code, { placeOfBirth: "Huế" })], DEPARTMENT_FILE),
      department,
    );
    const asDistrict = await importFile(toCsv([row(24, "PGDQ3", "PGDQ3")], DEPARTMENT_FILE), q3);
    expect([
      correction.statusCode,
      correction.json<{ error: { code: string } }>().error.code,
      asDistrict.statusCode,
      asDistrict.json<{ error: { details: { code: string }[] } }>().error.details.map((d) => d.code),
    ]).toEqual([403, "DISTRICT_NOT_IN_PROVINCE", 422, ["COLUMN_UNKNOWN", "COLUMN_UNKNOWN"]]);
    expect(await count("SELECT count(*)::int AS n FROM documents")).toBe(before + 1);
  });

  it("keeps registry numbers unique per deciding authority: a number twice in the department's register is refused, the same number in a district's register is not", async () => {
    const shared = `SO-2024-${base + 30}`;
    const duplicate = [
      row(30, "PGDQ1", DEPARTMENT.code, { registryNumber: shared }),
      row(31, "PGDQ3", DEPARTMENT.code, { registryNumber: shared }),
    ];
    const refused = await importFile(toCsv(duplicate, DEPARTMENT_FILE), department);
    // The district's register and the department's are apart: the same number in each is fine.
    const apart = [
      row(32, "PGDQ1", "PGDQ1", { registryNumber: shared }),
      row(33, "PGDQ3", DEPARTMENT.code, { registryNumber: shared }),
    ];
    const accepted = await importFile(toCsv(apart, DEPARTMENT_FILE), department);
    // …but the department's register now holds the number: a later row decided by it is refused.
    const taken = await importFile(
      toCsv([row(34, "PGDQ1", DEPARTMENT.code, { registryNumber: shared })], DEPARTMENT_FILE),
      department,
    );
    const badDecider = await importFile(toCsv([row(35, "PGDQ1", "PGDQ3")], DEPARTMENT_FILE), department);
    const details = (res: Awaited<ReturnType<typeof importFile>>) => [
      res.statusCode,
      res.json<{ error: { details: unknown } }>().error.details,
    ];
    expect({
      refused: details(refused),
      accepted: accepted.statusCode,
      taken: details(taken),
      badDecider: details(badDecider),
    }).toEqual({
      refused: [
        422,
        [
          {
            row: 3,
            column: "registryNumber",
            code: "REGISTRY_NUMBER_DUPLICATE",
            message: `${shared} is already used in 2024 by row 2`,
          },
        ],
      ],
      accepted: 201,
      taken: [
        422,
        [
          {
            row: 2,
            column: "registryNumber",
            code: "REGISTRY_NUMBER_TAKEN",
            message: `${shared} is already the registry number of diploma ${apart[1]!.diplomaSerial} in 2024`,
          },
        ],
      ],
      badDecider: [
        422,
        [
          {
            row: 2,
            column: "decidedBy",
            code: "DECIDED_BY_INVALID",
            message: `decidedBy is the code of the district that decided the record (PGDQ1) or of the department (${DEPARTMENT.code}), not "PGDQ3"`,
          },
        ],
      ],
    });
  });

  it("is a graduation authority only: its key is refused on the transcripts routes", async () => {
    const res = await app.inject({
      method: "GET",
      url: "/api/v1/transcripts/00000000-0000-4000-8000-000000000000",
      headers: { authorization: `Bearer ${department.apiKey}` },
    });
    expect([res.statusCode, res.json<unknown>()]).toEqual([
      403,
      { error: { code: "FORBIDDEN", message: "this route is for schools" } },
    ]);
  });
});
