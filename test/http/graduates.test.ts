import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../service/src/adapters/db/database";
import { assertValidDocument, docHash, leafOf, type Graduation } from "../../service/src/core/documents";
import { GRADUATE_COLUMNS } from "../../service/src/core/documents/graduate-rows";
import { verifyMerkleProof } from "../../service/src/core/merkle";
import { buildApp } from "../../service/src/http/app";
import { searchAuditKey, searchDigest, type GraduateView } from "../../service/src/issuance/graduates";
import { apiKeyFor, settle } from "../helpers/app";
import { startBackendApp, type BackendApp } from "../helpers/backend-app";
import { databaseBackends } from "../helpers/databases";
import { openssl, tempDir } from "../helpers/files";
import {
  DISTRICT_CODE,
  DISTRICT_NAME,
  graduateRow,
  registerDistrict,
  toCsv,
  toXlsx,
  type District,
  type GraduateRow,
} from "../helpers/graduates";
import { issue, makeSchoolPki, SCHOOL_CODE, signerOf, type SchoolPki } from "../helpers/pki";
import { signDetached } from "../../service/src/core/pki";

const backends = await databaseBackends();
const dir = mkdtempSync(path.join(os.tmpdir(), "hocba-http-graduates-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEX32 = /^0x[0-9a-f]{64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const OTHER_DISTRICT = "PGDQ3";

let pki: SchoolPki;
let outsider: SchoolPki;
beforeAll(async () => {
  [pki, outsider] = await Promise.all([makeSchoolPki("P-256"), makeSchoolPki("P-256")]);
});

/** Every response body of the file: none may carry a citizen ID or an ethnicity (checked at the end). */
const bodies: { url: string; body: string }[] = [];
const citizenIds = new Set<string>();

describe.each(backends)("the graduates API on $name", (backend) => {
  let db: Database;
  let t: BackendApp;
  let app: FastifyInstance;
  let district: District;
  let other: District;
  /** Rows numbered per backend so that the two backends never share a serial on PostgreSQL. */
  let base: number;

  beforeAll(async () => {
    t = await startBackendApp(backend, dir, { pki });
    db = t.db;
    app = t.app;
    district = await registerDistrict(db, pki);
    other = await registerDistrict(db, pki, OTHER_DISTRICT, "Phòng GDĐT Quận 3");
    base = backend.name === "pglite" ? 0 : 50_000;
  });
  afterAll(async () => {
    await t?.dispose();
  });

  async function inject(options: InjectOptions): Promise<LightMyRequestResponse> {
    const res = await app.inject(options);
    bodies.push({
      url: typeof options.url === "string" ? options.url : JSON.stringify(options.url),
      body: res.body,
    });
    return res;
  }

  function rows(
    from: number,
    n: number,
    overrides: Record<number, Partial<GraduateRow>> = {},
  ): GraduateRow[] {
    const list = Array.from({ length: n }, (_, k) => graduateRow(base + from + k, overrides[k]));
    for (const r of list) citizenIds.add(r.citizenId);
    return list;
  }

  async function importFile(file: Buffer, by: District = district, signature?: string) {
    return inject({
      method: "POST",
      url: "/api/v1/graduates/import",
      headers: { authorization: `Bearer ${by.apiKey}` },
      payload: { file: file.toString("base64"), signature: signature ?? (await by.sign(file)) },
    });
  }

  function search(query: Record<string, string>, headers: Record<string, string> = {}) {
    return inject({ method: "GET", url: "/api/v1/graduates/search", query, headers });
  }

  async function documentCount(): Promise<number> {
    const { rows: r } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM documents");
    return r[0]!.n;
  }

  describe("POST /graduates/import", () => {
    it("imports a signed CSV: one valid graduation document per row, 201 with every row's outcome", async () => {
      const list = rows(0, 3, { 0: { fullName: "Nguyễn Thị Ánh", dateOfBirth: "17/05/2009", gender: "Nữ" } });
      list[0]!.citizenId = list[0]!.citizenId.replace(/^(\d{3})\d/, "$13");
      citizenIds.add(list[0]!.citizenId);
      const file = toCsv(list);
      const before = await documentCount();
      const triggers = t.triggers();
      const res = await importFile(file);
      expect(res.statusCode).toBe(201);
      const body = res.json<{ importId: string; importedAt: string; results: { id: string }[] }>();
      expect(body).toEqual({
        alreadyImported: false,
        importId: expect.stringMatching(UUID) as unknown,
        districtCode: DISTRICT_CODE,
        fileSha256: (await import("node:crypto")).createHash("sha256").update(file).digest("hex"),
        format: "csv",
        signerFingerprint: expect.stringMatching(HEX32) as unknown,
        importedAt: expect.stringMatching(ISO) as unknown,
        counts: { rows: 3, created: 3, unchanged: 0, superseding: 0 },
        results: list.map((r, k) => ({
          row: k + 2,
          graduationYear: 2024,
          diplomaSerial: r.diplomaSerial,
          id: expect.stringMatching(UUID) as unknown,
          outcome: "created",
          supersedes: null,
        })),
      });
      expect(await documentCount()).toBe(before + 3);
      expect(t.triggers()).toBe(triggers + 1);
      const { rows: stored } = await db.query<{
        document: Graduation;
        doc_hash: string;
        leaf: string;
        issuer_code: string;
      }>("SELECT document, doc_hash, leaf, issuer_code FROM documents WHERE id = $1", [body.results[0]!.id]);
      const document = assertValidDocument(stored[0]!.document) as Graduation;
      expect(document).toEqual({
        type: "hocba.graduation/v1",
        id: body.results[0]!.id,
        nonce: expect.stringMatching(/^[A-Za-z0-9_-]{21}[AQgw]$/) as unknown,
        district: { code: DISTRICT_CODE, name: DISTRICT_NAME },
        decision: { number: "125/QĐ-PGDĐT", date: "2024-06-20" },
        school: { code: "79000701", name: "Trường THCS Nguyễn Du" },
        student: {
          studentCode: list[0]!.studentCode,
          citizenId: list[0]!.citizenId,
          fullName: "Nguyễn Thị Ánh",
          dateOfBirth: "2009-05-17",
          gender: "Nữ",
          ethnicity: "Kinh",
          placeOfBirth: "TP. Hồ Chí Minh",
        },
        graduationYear: 2024,
        diplomaSerial: list[0]!.diplomaSerial,
        registryNumber: list[0]!.registryNumber,
        issuedAt: "2024-06-20T00:00:00+07:00",
        supersedes: null,
      });
      expect(stored[0]!.doc_hash).toBe(docHash(document));
      expect(stored[0]!.leaf).toBe(leafOf(docHash(document)));
      expect(stored[0]!.issuer_code).toBe(DISTRICT_CODE);
      const { rows: audit } = await db.query<{ action: string; n: number }>(
        `SELECT action, count(*)::int AS n FROM audit_log
          WHERE subject = ANY($1::text[]) GROUP BY action ORDER BY action`,
        [[body.importId, ...body.results.map((r) => r.id)]],
      );
      expect(audit).toEqual([
        { action: "graduate.imported", n: 3 },
        { action: "graduates.imported", n: 1 },
      ]);
    });

    it("answers the same file again with 200, already imported, and the same answer, storing nothing new", async () => {
      const file = toCsv(rows(10, 2));
      const first = await importFile(file);
      expect(first.statusCode).toBe(201);
      const before = await documentCount();
      const again = await importFile(file);
      expect([again.statusCode, again.json()]).toEqual([
        200,
        { ...first.json<object>(), alreadyImported: true },
      ]);
      expect(await documentCount()).toBe(before);
    });

    it("imports an XLSX with the columns in another order, date cells and a CCCD typed as a number", async () => {
      const list = rows(20, 2);
      const columns = [...GRADUATE_COLUMNS].reverse();
      const res = await importFile(await toXlsx(list, columns));
      expect(res.statusCode).toBe(201);
      const body = res.json<{ format: string; counts: unknown; results: { id: string }[] }>();
      expect([body.format, body.counts]).toEqual([
        "xlsx",
        { rows: 2, created: 2, unchanged: 0, superseding: 0 },
      ]);
      const { rows: stored } = await db.query<{ document: Graduation }>(
        "SELECT document FROM documents WHERE id = $1",
        [body.results[1]!.id],
      );
      expect(stored[0]!.document.student).toEqual({
        studentCode: list[1]!.studentCode,
        citizenId: list[1]!.citizenId,
        fullName: list[1]!.fullName,
        dateOfBirth: list[1]!.dateOfBirth,
        gender: list[1]!.gender,
        ethnicity: "Kinh",
        placeOfBirth: "TP. Hồ Chí Minh",
      });
    });

    it("refuses a file with invalid rows, importing none of them, and names every problem by row and column", async () => {
      const list = rows(30, 11, {
        0: { fullName: "" },
        1: { dateOfBirth: "2009-02-30" },
        2: { dateOfBirth: "17.05.2009" },
        3: { gender: "nam giới" },
        4: { citizenId: "07930900123" },
        6: { graduationYear: "2023" },
        7: { decisionDate: "2024-13-01" },
        8: { schoolCode: "79-0007" },
        9: { decisionNumber: " " },
      });
      list[5]!.citizenId = list[5]!.citizenId.replace(/^(\d{4})\d\d/, "$108"); // born 2008 says the CCCD
      list[10]!.diplomaSerial = list[1]!.diplomaSerial;
      list[10]!.registryNumber = list[3]!.registryNumber;
      for (const r of list) citizenIds.add(r.citizenId);
      const before = await documentCount();
      const res = await importFile(toCsv(list));
      expect(res.statusCode).toBe(422);
      const body = res.json<{ error: { code: string; message: string; details: unknown } }>();
      expect(body.error.code).toBe("IMPORT_INVALID");
      expect(body.error.message).toBe(
        "the file was not imported: 12 problems in 11 rows, first at row 2 column fullName: VALUE_MISSING",
      );
      expect(body.error.details).toEqual([
        { row: 2, column: "fullName", code: "VALUE_MISSING", message: "value is missing" },
        { row: 3, column: "dateOfBirth", code: "DATE_INVALID", message: "2009-02-30 is not a calendar date" },
        {
          row: 4,
          column: "dateOfBirth",
          code: "DATE_FORMAT",
          message: '"17.05.2009" is not a date: write YYYY-MM-DD or DD/MM/YYYY',
        },
        {
          row: 5,
          column: "gender",
          code: "GENDER_INVALID",
          message: expect.stringContaining("invalid value") as unknown,
        },
        {
          row: 6,
          column: "citizenId",
          code: "CCCD_FORMAT",
          message: expect.not.stringContaining("0793") as unknown,
        },
        {
          row: 7,
          column: "citizenId",
          code: "CCCD_BIRTH_YEAR_MISMATCH",
          message: `citizen ID encodes birth year 2008, date of birth is ${list[5]!.dateOfBirth}`,
        },
        {
          row: 8,
          column: "decisionDate",
          code: "DECISION_YEAR_MISMATCH",
          message: "decision of 2024-06-20 does not fall in graduation year 2023",
        },
        {
          row: 9,
          column: "decisionDate",
          code: "DATE_INVALID",
          message: "2024-13-01 is not a calendar date",
        },
        {
          row: 10,
          column: "schoolCode",
          code: "CODE_FORMAT",
          message: expect.stringContaining("invalid value") as unknown,
        },
        { row: 11, column: "decisionNumber", code: "VALUE_MISSING", message: "value is missing" },
        {
          row: 12,
          column: "diplomaSerial",
          code: "SERIAL_DUPLICATE",
          message: `${list[1]!.diplomaSerial} is already used in 2024 by row 3`,
        },
        {
          row: 12,
          column: "registryNumber",
          code: "REGISTRY_NUMBER_DUPLICATE",
          message: `${list[3]!.registryNumber} is already used in 2024 by row 5`,
        },
      ]);
      expect(await documentCount()).toBe(before);
    });

    it("reports the registry-number duplicate and a registry number another stored diploma holds", async () => {
      const stored = rows(50, 1);
      expect((await importFile(toCsv(stored))).statusCode).toBe(201);
      const list = rows(51, 3);
      list[1]!.registryNumber = list[0]!.registryNumber;
      list[2]!.registryNumber = stored[0]!.registryNumber;
      const res = await importFile(toCsv(list));
      expect([res.statusCode, res.json<{ error: { details: unknown } }>().error.details]).toEqual([
        422,
        [
          {
            row: 3,
            column: "registryNumber",
            code: "REGISTRY_NUMBER_DUPLICATE",
            message: `${list[0]!.registryNumber} is already used in 2024 by row 2`,
          },
        ],
      ]);
      list[1]!.registryNumber = "Q1-2024-X0001";
      const taken = await importFile(toCsv(list));
      expect([taken.statusCode, taken.json<{ error: { details: unknown } }>().error.details]).toEqual([
        422,
        [
          {
            row: 4,
            column: "registryNumber",
            code: "REGISTRY_NUMBER_TAKEN",
            message: `${stored[0]!.registryNumber} is already the registry number of diploma ${stored[0]!.diplomaSerial} in 2024`,
          },
        ],
      ]);
    });

    it("refuses a header with a missing, an unknown or a repeated column, and an empty file", async () => {
      const list = rows(60, 1);
      const columns = [...GRADUATE_COLUMNS.filter((c) => c !== "registryNumber"), "lop", "gender"];
      const res = await importFile(toCsv(list, columns));
      expect([res.statusCode, res.json<{ error: { details: unknown } }>().error.details]).toEqual([
        422,
        [
          {
            row: 1,
            column: null,
            code: "COLUMN_UNKNOWN",
            message: `unknown column "lop"; the columns are ${GRADUATE_COLUMNS.join(", ")}`,
          },
          { row: 1, column: "gender", code: "COLUMN_DUPLICATE", message: "column appears twice" },
          { row: 1, column: "registryNumber", code: "COLUMN_MISSING", message: "required column is missing" },
        ],
      ]);
      const empty = await importFile(Buffer.from(GRADUATE_COLUMNS.join(",") + "\n"));
      expect([empty.statusCode, empty.json<{ error: { details: unknown } }>().error.details]).toEqual([
        422,
        [
          {
            row: 1,
            column: null,
            code: "FILE_EMPTY",
            message: "the file needs a header row and at least one graduate",
          },
        ],
      ]);
    });

    it("refuses an unsigned file, a signature over other bytes, an untrusted signer and another district's certificate", async () => {
      const file = toCsv(rows(70, 1));
      const code = (res: LightMyRequestResponse) => [
        res.statusCode,
        res.json<{ error: { code: string } }>().error.code,
      ];
      expect(code(await importFile(file, district, ""))).toEqual([400, "SIGNATURE_MALFORMED"]);
      expect(code(await importFile(file, district, await district.sign(toCsv(rows(71, 1)))))).toEqual([
        422,
        "DIGEST_MISMATCH",
      ]);
      const stranger = await issue({ subject: "CN=Kẻ lạ, C=VN", issuer: outsider.intermediate });
      const forged = Buffer.from(
        await signDetached(file, [signerOf(stranger, outsider.intermediate)]),
      ).toString("base64");
      expect(code(await importFile(file, district, forged))).toEqual([422, "CERT_UNTRUSTED"]);
      expect(code(await importFile(file, district, await other.sign(file)))).toEqual([
        403,
        "SIGNER_NOT_AUTHORIZED",
      ]);
      expect(
        await db.query(
          "SELECT 1 FROM graduates g JOIN documents d ON d.id = g.document_id WHERE g.diploma_serial = $1",
          [rows(70, 1)[0]!.diplomaSerial],
        ),
      ).toMatchObject({ rows: [] });
    });

    it("is for district offices only: a school key, a verifier key or the admin token gets 403, no key 401", async () => {
      const file = toCsv(rows(80, 1));
      const signature = await district.sign(file);
      const payload = { file: file.toString("base64"), signature };
      const school = await inject({
        method: "POST",
        url: "/api/v1/graduates/import",
        headers: { authorization: `Bearer ${t.schoolKey}` },
        payload,
      });
      const verifier = await inject({
        method: "POST",
        url: "/api/v1/graduates/import",
        headers: { authorization: `Bearer ${await apiKeyFor(db, DISTRICT_CODE, "verifier")}` },
        payload,
      });
      const forbidden = {
        error: { code: "FORBIDDEN", message: "this route is for district offices and departments (Sở GDĐT)" },
      };
      expect([school.statusCode, school.json(), verifier.statusCode, verifier.json()]).toEqual([
        403,
        forbidden,
        403,
        forbidden,
      ]);
      const anonymous = await inject({ method: "POST", url: "/api/v1/graduates/import", payload });
      expect(anonymous.statusCode).toBe(401);
      const admin = await inject({
        method: "POST",
        url: "/api/v1/graduates/import",
        headers: { authorization: `Bearer ${t.adminToken}` },
        payload,
      });
      expect([admin.statusCode, admin.json()]).toEqual([
        403,
        {
          error: {
            code: "FORBIDDEN",
            message: "graduates are imported with the district office's or the department's own API key",
          },
        },
      ]);
    });

    it("imports a file signed with the OpenSSL command line", async () => {
      const tmp = tempDir("graduates-openssl");
      try {
        const file = toCsv(rows(90, 2));
        const signature = tmp.path("file.cms");
        openssl(
          "cms", "-sign", "-binary", "-md", "sha256", "-outform", "DER",
          "-signer", tmp.write("signer.pem", district.signer.certificatePem),
          "-inkey", tmp.write("signer.key", district.signer.privateKeyPkcs8Pem),
          "-certfile", tmp.write("chain.pem", pki.intermediate.certificatePem),
          "-in", tmp.write("graduates.csv", file), "-out", signature,
        ); // prettier-ignore
        const res = await importFile(file, district, readFileSync(signature).toString("base64"));
        expect([res.statusCode, res.json<{ counts: unknown }>().counts]).toEqual([
          201,
          { rows: 2, created: 2, unchanged: 0, superseding: 0 },
        ]);
      } finally {
        tmp.dispose();
      }
    });
  });

  describe("corrections and anchoring", () => {
    it("a corrected file supersedes the changed records only; after anchoring, search shows the proof", async () => {
      const list = rows(100, 3);
      const first = (await importFile(toCsv(list))).json<{ results: { id: string }[] }>();
      list[1]!.placeOfBirth = "Tỉnh Đồng Nai";
      const res = await importFile(toCsv(list));
      expect(res.statusCode).toBe(201);
      const second = res.json<{
        counts: unknown;
        results: { id: string; outcome: string; supersedes: string | null }[];
      }>();
      expect(second.counts).toEqual({ rows: 3, created: 0, unchanged: 2, superseding: 1 });
      expect(second.results.map((r) => [r.id, r.outcome, r.supersedes])).toEqual([
        [first.results[0]!.id, "unchanged", null],
        [expect.stringMatching(UUID) as unknown, "superseding", first.results[1]!.id],
        [first.results[2]!.id, "unchanged", null],
      ]);
      const corrected = second.results[1]!.id;
      expect(corrected).not.toBe(first.results[1]!.id);

      await settle(t.anchoring);
      const found = await search({ diplomaSerial: list[1]!.diplomaSerial });
      expect(found.statusCode).toBe(200);
      const results = found.json<{ results: GraduateView[] }>().results;
      expect(results.map((r) => [r.id, r.status, r.placeOfBirth])).toEqual([
        [corrected, "anchored", "Tỉnh Đồng Nai"],
        [first.results[1]!.id, "superseded", "TP. Hồ Chí Minh"],
      ]);
      const anchor = results[0]!.anchor!;
      const { rows: doc } = await db.query<{ leaf: string }>("SELECT leaf FROM documents WHERE id = $1", [
        corrected,
      ]);
      expect(anchor).toEqual({
        merkleRoot: expect.stringMatching(HEX32) as unknown,
        leaf: doc[0]!.leaf,
        proof: expect.any(Array) as unknown,
        txHash: expect.stringMatching(HEX32) as unknown,
        blockNumber: expect.any(Number) as unknown,
        anchoredAt: expect.stringMatching(ISO) as unknown,
        chainId: t.chain.registry.chainId,
        registry: t.chain.registry.address,
      });
      expect(verifyMerkleProof(anchor.proof, anchor.merkleRoot, anchor.leaf)).toBe(true);
      expect(await t.chain.registry.anchoredAt(anchor.merkleRoot)).toBeGreaterThan(0);

      // The district signed the file, not the row: a row gets no credential file (nor a PDF). The
      // transcripts routes are a school's: the district's key is refused there.
      for (const view of ["credential", "pdf"]) {
        const refused = await inject({
          method: "GET",
          url: `/api/v1/transcripts/${corrected}/${view}`,
          headers: { authorization: `Bearer ${district.apiKey}` },
        });
        const res = await inject({
          method: "GET",
          url: `/api/v1/transcripts/${corrected}/${view}`,
          headers: { authorization: `Bearer ${t.adminToken}` },
        });
        expect({ status: refused.statusCode, body: refused.json<unknown>() }).toEqual({
          status: 403,
          body: { error: { code: "FORBIDDEN", message: "this route is for schools" } },
        });
        expect({ status: res.statusCode, body: res.json<unknown>() }).toEqual({
          status: 404,
          body: {
            error: {
              code: "NOT_FOUND",
              message: `document ${corrected} is a graduation record: it has no credential file (see GET /api/v1/graduates/search for its proof)`,
            },
          },
        });
      }
    });
  });

  describe("GET /graduates/search", () => {
    let anh: GraduateRow;
    let duc: GraduateRow;
    beforeAll(async () => {
      [anh, duc] = rows(200, 2, {
        0: { fullName: "Trần Thị Ánh", dateOfBirth: "2009-05-18", gender: "Nữ" },
        1: { fullName: "Đặng Văn Đức", dateOfBirth: "2009-11-02", gender: "Nam" },
      }) as [GraduateRow, GraduateRow];
      anh.citizenId = anh.citizenId.replace(/^(\d{3})\d/, "$13");
      duc.citizenId = duc.citizenId.replace(/^(\d{3})\d/, "$12");
      citizenIds.add(anh.citizenId).add(duc.citizenId);
      expect((await importFile(toCsv([anh, duc]))).statusCode).toBe(201);
    });

    it("finds a record by name without accents, case or extra spaces, and date of birth", async () => {
      const res = await search({ fullName: "  tran THI   anh ", dateOfBirth: "2009-05-18" });
      expect(res.statusCode).toBe(200);
      const { results } = res.json<{ results: GraduateView[] }>();
      expect(results).toEqual([
        {
          id: expect.stringMatching(UUID) as unknown,
          fullName: "Trần Thị Ánh",
          dateOfBirth: "2009-05-18",
          gender: "Nữ",
          placeOfBirth: "TP. Hồ Chí Minh",
          school: { code: "79000701", name: "Trường THCS Nguyễn Du" },
          district: { code: DISTRICT_CODE, name: DISTRICT_NAME },
          decidedBy: { kind: "district", code: DISTRICT_CODE, name: DISTRICT_NAME },
          graduationYear: 2024,
          decision: { number: "125/QĐ-PGDĐT", date: "2024-06-20" },
          diplomaSerial: anh.diplomaSerial,
          registryNumber: anh.registryNumber,
          status: "pending",
          anchor: null,
          provenance: {
            fileSha256: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
            signerFingerprint: expect.stringMatching(HEX32) as unknown,
            importedAt: expect.stringMatching(ISO) as unknown,
            signedBy: { code: DISTRICT_CODE, name: DISTRICT_NAME },
          },
        },
      ]);
    });

    it("folds đ to d, accepts DD/MM/YYYY, and narrows by year and school code", async () => {
      const ids = async (query: Record<string, string>) =>
        (await search(query)).json<{ results: GraduateView[] }>().results.map((r) => r.fullName);
      expect(await ids({ fullName: "dang van duc", dateOfBirth: "02/11/2009" })).toEqual(["Đặng Văn Đức"]);
      expect(
        await ids({
          fullName: "Đặng Văn Đức",
          dateOfBirth: "2009-11-02",
          year: "2024",
          schoolCode: "79000701",
        }),
      ).toEqual(["Đặng Văn Đức"]);
      expect(await ids({ fullName: "dang van duc", dateOfBirth: "2009-11-02", year: "2023" })).toEqual([]);
      expect(
        await ids({ fullName: "dang van duc", dateOfBirth: "2009-11-02", schoolCode: "79000702" }),
      ).toEqual([]);
    });

    it("finds a record by diploma serial, whatever its case and spaces", async () => {
      const serial = ` ${anh.diplomaSerial.toLowerCase().replace(/^a/, "a ")} `;
      const res = await search({ diplomaSerial: serial });
      expect(res.json<{ results: GraduateView[] }>().results.map((r) => r.diplomaSerial)).toEqual([
        anh.diplomaSerial,
      ]);
    });

    it("answers an empty list when nothing matches", async () => {
      expect((await search({ fullName: "Trần Thị Ánh", dateOfBirth: "2009-05-19" })).json()).toEqual({
        results: [],
      });
      expect((await search({ diplomaSerial: "Z9999999" })).json()).toEqual({ results: [] });
    });

    it("lists the graduation years it holds records for, to anyone, rate-limited, with nothing personal", async () => {
      const res = await app.inject({ method: "GET", url: "/api/v1/graduates/years" });
      expect({
        status: res.statusCode,
        body: res.json<unknown>(),
        limited: res.headers["x-ratelimit-limit"],
      }).toEqual({
        status: 200,
        body: { years: [2024] },
        limited: "600",
      });
    });

    it("refuses a search without both identifying inputs (400 SCHEMA_INVALID)", async () => {
      const refused = async (query: Record<string, string>) => {
        const res = await search(query);
        return [res.statusCode, res.json<{ error: { code: string; message: string } }>().error.message];
      };
      const both = "give both fullName and dateOfBirth (optionally year and schoolCode), or diplomaSerial";
      expect(await refused({})).toEqual([400, both]);
      expect(await refused({ fullName: "Trần Thị Ánh" })).toEqual([400, both]);
      expect(await refused({ dateOfBirth: "2009-05-18", year: "2024" })).toEqual([400, both]);
      expect(await refused({ fullName: "Trần Thị Ánh", dateOfBirth: "2009-02-30" })).toEqual([
        400,
        "dateOfBirth is a date written YYYY-MM-DD or DD/MM/YYYY",
      ]);
      expect(await refused({ diplomaSerial: anh.diplomaSerial, fullName: "Trần Thị Ánh" })).toEqual([
        400,
        "search by diplomaSerial alone, or by fullName and dateOfBirth",
      ]);
      expect((await search({ fullName: "x", dateOfBirth: "2009-05-18", school: "1" })).statusCode).toBe(400);
    });
  });

  describe("OpenAPI", () => {
    it("describes both routes", async () => {
      const res = await app.inject({ method: "GET", url: "/docs/json" });
      const paths = res.json<{
        paths: Record<string, { get?: { summary?: string }; post?: { summary?: string } }>;
      }>().paths;
      expect([
        paths["/api/v1/graduates/import"]?.post?.summary,
        paths["/api/v1/graduates/search"]?.get?.summary,
      ]).toEqual([
        "Import a district office's or a department's signed graduates file (CSV or XLSX)",
        "Find THCS graduation records",
      ]);
    });
  });

  describe("rate limit and audit", () => {
    let limited: FastifyInstance;
    beforeAll(async () => {
      limited = await buildApp({
        bodyLimit: 1_000_000,
        services: {
          ...t.services,
          limits: {
            verifyMax: 600,
            verifyWindowMs: 60_000,
            lookupMax: 3,
            lookupSerialMax: 2,
            lookupWindowMs: 600_000,
          },
        },
      });
    });
    afterAll(() => limited?.close());

    const ask = (
      query: Record<string, string>,
      remoteAddress: string,
      headers: Record<string, string> = {},
    ) => limited.inject({ method: "GET", url: "/api/v1/graduates/search", query, headers, remoteAddress });
    const byName = { fullName: "Không Có Ai", dateOfBirth: "2009-01-01" };

    it("limits every caller, whatever key it holds: school, district, verifier keys and the admin token lift nothing", async () => {
      const verifier = await apiKeyFor(db, DISTRICT_CODE, "verifier");
      const keys = [undefined, t.schoolKey, district.apiKey, verifier, t.adminToken];
      const statuses = [];
      for (const [n, key] of keys.entries()) {
        const headers: Record<string, string> = key === undefined ? {} : { authorization: `Bearer ${key}` };
        const address = `10.20.${backend.name === "pglite" ? 1 : 2}.${n}`;
        const row = [];
        for (let i = 0; i < 4; i++) row.push((await ask(byName, address, headers)).statusCode);
        statuses.push(row);
      }
      expect(statuses).toEqual(keys.map(() => [200, 200, 200, 429]));
      const third = await ask(byName, `10.20.${backend.name === "pglite" ? 1 : 2}.4`, {
        authorization: `Bearer ${t.adminToken}`,
      });
      bodies.push({ url: "429", body: third.body });
      expect([third.statusCode, third.json()]).toEqual([
        429,
        {
          error: {
            code: "RATE_LIMITED",
            message:
              "too many searches from this address (at most 3 every 10 minutes): try again in 10 minutes",
          },
        },
      ]);
      // A bad key is still refused (401), before any count.
      expect((await ask(byName, "10.20.9.9", { authorization: "Bearer nope" })).statusCode).toBe(401);
    });

    it("counts searches by diploma serial apart, against the tighter limit, and IPv6 clients by /64", async () => {
      const a = backend.name === "pglite" ? "2001:db8:1:1" : "2001:db8:2:1";
      const serial = { diplomaSerial: "Z1" };
      const answers = [
        (await ask(serial, `${a}::1`)).statusCode,
        (await ask(serial, `${a}::2`)).statusCode,
        (await ask(serial, `${a}:ffff:ffff:ffff:ffff`)).statusCode,
        // The name searches of the same /64 have their own count.
        (await ask(byName, `${a}::3`)).statusCode,
        // Another /64 is another client.
        (await ask(serial, `${a.slice(0, -1)}2::1`)).statusCode,
      ];
      const refused = await ask(serial, `${a}::9`);
      expect([answers, refused.statusCode, refused.json()]).toEqual([
        [200, 200, 429, 200, 200],
        429,
        {
          error: {
            code: "RATE_LIMITED",
            message:
              "too many searches by diploma serial from this address (at most 2 every 10 minutes): try again in 10 minutes",
          },
        },
      ]);
    });

    it("writes each search made with a key to the audit log: who, when, a keyed digest of the query, the results", async () => {
      const [anh] = rows(301, 1, { 0: { fullName: "Lý Thị Mai", dateOfBirth: "2009-03-04" } });
      expect((await importFile(toCsv([anh!]))).statusCode).toBe(201);
      const since = (await db.query<{ id: string }>("SELECT coalesce(max(id), 0)::text AS id FROM audit_log"))
        .rows[0]!.id;
      const address = backend.name === "pglite" ? "10.30.1.1" : "10.30.2.1";
      const keyed = { authorization: `Bearer ${t.schoolKey}` };
      const found = await ask(
        { fullName: "ly thi mai", dateOfBirth: "04/03/2009", year: "2024" },
        address,
        keyed,
      );
      const id = found.json<{ results: GraduateView[] }>().results[0]!.id;
      await ask({ diplomaSerial: anh!.diplomaSerial }, address, { authorization: `Bearer ${t.adminToken}` });
      await ask({ fullName: "Lý Thị Mai", dateOfBirth: "2009-03-04" }, address); // anonymous: not audited
      const { rows: audit } = await db.query<{ actor: string; action: string; at: Date; details: unknown }>(
        "SELECT actor, action, at, details FROM audit_log WHERE id > $1 AND action = 'graduates.searched' ORDER BY id",
        [since],
      );
      const auditKey = searchAuditKey(t.adminToken);
      expect(audit).toEqual([
        {
          actor: `issuer:${SCHOOL_CODE}:${t.schoolKey.split("_")[2]}`,
          action: "graduates.searched",
          at: expect.any(Date) as unknown,
          details: {
            by: "fullName+dateOfBirth",
            query: searchDigest(auditKey, { fullName: "LÝ THỊ MAI", dateOfBirth: "2009-03-04" }),
            year: 2024,
            results: 1,
            ids: [id],
          },
        },
        {
          actor: "admin",
          action: "graduates.searched",
          at: expect.any(Date) as unknown,
          details: {
            by: "diplomaSerial",
            query: searchDigest(auditKey, { diplomaSerial: ` ${anh!.diplomaSerial.toLowerCase()}` }),
            results: 1,
            ids: [id],
          },
        },
      ]);
      // Nothing of the query in clear: not the name (in any spelling), the birth date or the serial.
      const text = JSON.stringify(audit).toLowerCase();
      expect(
        ["mai", "2009-03-04", "04/03/2009", anh!.diplomaSerial.toLowerCase()].filter((v) => text.includes(v)),
      ).toEqual([]);
      expect(searchDigest(searchAuditKey("another token"), { diplomaSerial: anh!.diplomaSerial })).not.toBe(
        (audit[1]!.details as { query: string }).query,
      );
    });
  });
});

describe("every answer of the graduates API", () => {
  it("carries no citizen ID and no ethnicity, in successes and errors alike", () => {
    expect(bodies.length).toBeGreaterThan(20);
    for (const { url, body } of bodies) {
      const leaks = [...citizenIds].filter((id) => body.includes(id) || body.includes(id.slice(1)));
      expect({ url, leaks, ethnicity: body.includes("Kinh") }).toEqual({ url, leaks: [], ethnicity: false });
      if (url.includes("search") || url === "429")
        expect({ url, keys: /citizenId|ethnicity/.test(body) }).toEqual({ url, keys: false });
    }
  });
});
