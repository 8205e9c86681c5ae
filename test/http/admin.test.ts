import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../service/src/adapters/db/database";
import { migrate } from "../../service/src/adapters/db/migrate";
import { nodeCrypto } from "../../service/src/adapters/pki/node-crypto";
import type { IssuedCertificate } from "../../service/src/adapters/pki/certificates";
import { authenticateApiKey } from "../../service/src/auth/api-keys";
import { certificateInfo } from "../../service/src/core/pki/certificate";
import { anchorPending } from "../../service/src/issuance/anchoring";
import { buildTestApp, type TestApp } from "../helpers/app";
import { eventually, startChain, stopChain, type TestChain } from "../helpers/chain";
import { grantIssuerAdmin } from "../helpers/listening-app";
import { databaseBackends } from "../helpers/databases";
import { tempDir } from "../helpers/files";
import { fingerprintOf, issue, makeSchoolPki, type SchoolPki } from "../helpers/pki";

const backends = await databaseBackends();
const tmp = tempDir("admin-api");
afterAll(() => tmp.dispose());

const CODE = "79000702";
const NAME = "Trường THCS Lê Lợi";
const anyString = expect.any(String) as unknown;
const anyNumber = expect.any(Number) as unknown;
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as unknown;

const subjectOf = (certificate: IssuedCertificate) =>
  certificateInfo(certificate.certificate, nodeCrypto, "SIGNATURE_MALFORMED").subject;

describe.each(backends)("admin API on $name", (backend) => {
  let db: Database;
  let opened: Awaited<ReturnType<typeof backend.open>>;
  let chain: TestChain;
  let pki: SchoolPki;
  let other: SchoolPki;
  let t: TestApp;

  beforeAll(async () => {
    opened = await backend.open();
    db = opened.db;
    await migrate(db);
    [pki, other] = await Promise.all([makeSchoolPki(), makeSchoolPki()]);
    chain = await startChain(tmp.path(`${backend.name}.json`));
    await grantIssuerAdmin(chain);
    t = await buildTestApp({ db, chain, pki });
  });
  afterAll(async () => {
    await t.app.close();
    await stopChain(chain);
    await opened.dispose();
  });
  beforeEach(async () => {
    await db.query("DELETE FROM api_keys WHERE issuer_code = $1", [CODE]);
    await db.query("DELETE FROM issuer_certificate_changes WHERE issuer_code = $1", [CODE]);
    await db.query("DELETE FROM issuer_certificates WHERE issuer_code = $1", [CODE]);
    await db.query("DELETE FROM issuers WHERE code = $1", [CODE]);
    await db.exec("TRUNCATE audit_log");
  });

  const pemOf = (certificate: IssuedCertificate, of = pki) =>
    certificate.certificatePem + of.intermediate.certificatePem;
  const principal = () => ({
    fingerprint: fingerprintOf(pki.principal),
    subject: subjectOf(pki.principal),
    role: "principal",
  });
  const homeroom = () => ({
    fingerprint: fingerprintOf(pki.homeroom),
    subject: subjectOf(pki.homeroom),
    role: "homeroom",
  });
  const body = (certificates: unknown[] = [pemOf(pki.principal)]) => ({
    kind: "school",
    code: CODE,
    name: NAME,
    certificates,
  });
  const inject = (
    method: "GET" | "POST",
    url: string,
    payload?: unknown,
    token: string | null = t.adminToken,
  ) =>
    t.app.inject({
      method,
      url,
      ...(payload === undefined ? {} : { payload: payload as object }),
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });
  /** The 400 answer for schema problems. */
  const schemaInvalid = (details: unknown[], message = "the request does not match the schema") => ({
    status: 400,
    body: { error: { code: "SCHEMA_INVALID", message, details } },
  });
  const reply = (res: { statusCode: number; json(): unknown }) => ({
    status: res.statusCode,
    body: res.json(),
  });
  const register = (certificates?: unknown[]) => inject("POST", "/api/v1/admin/issuers", body(certificates));
  const auditActions = async () =>
    (await db.query<{ actor: string; action: string }>("SELECT actor, action FROM audit_log ORDER BY id"))
      .rows;

  it("registers a school: 201 with the API key once, which then works for the school", async () => {
    const triggers = t.triggers();
    const res = await register([pemOf(pki.principal), { pem: pemOf(pki.homeroom), role: "homeroom" }]);
    expect(reply(res)).toEqual({
      status: 201,
      body: {
        code: CODE,
        kind: "school",
        name: NAME,
        apiKey: anyString,
        certificates: [principal(), homeroom()],
        requiredRoles: null,
      },
    });
    const { apiKey } = res.json<{ apiKey: string }>();
    expect(await authenticateApiKey(db, apiKey)).toEqual({
      keyId: anyString,
      kind: "issuer",
      issuerCode: CODE,
      issuerKind: "school",
    });
    expect(t.triggers()).toBe(triggers + 1);
    expect(await auditActions()).toEqual([
      { actor: "admin", action: "api_key.created" },
      { actor: "admin", action: "issuer.registered" },
    ]);
    // The school's own key may not use the admin API.
    expect(reply(await inject("GET", `/api/v1/admin/issuers/${CODE}`, undefined, apiKey))).toEqual({
      status: 403,
      body: { error: { code: "FORBIDDEN", message: "this route is for the administrator" } },
    });
  });

  it("shows an issuer with each certificate interval and its on-chain state, before and after the sync", async () => {
    await register();
    const before = await inject("GET", `/api/v1/admin/issuers/${CODE}`);
    const pending = { state: "pending", txHash: null, blockNumber: null, lastError: null };
    expect(reply(before)).toEqual({
      status: 200,
      body: {
        code: CODE,
        kind: "school",
        name: NAME,
        createdAt: ISO,
        requiredRoles: null,
        certificates: [
          { ...principal(), addedAt: ISO, removedAt: null, onChain: { add: pending, remove: null } },
        ],
      },
    });
    await eventually(async () => {
      await anchorPending(t.anchoring); // the signer lock may be held by another file's round
      const { rows } = await db.query("SELECT 1 FROM issuer_certificate_changes WHERE state <> 'confirmed'");
      return rows.length === 0;
    });
    expect(
      await inject("POST", `/api/v1/admin/issuers/${CODE}/certificates`, {
        remove: [fingerprintOf(pki.principal)],
        add: [{ pem: pemOf(pki.homeroom), role: "homeroom" }],
      }),
    ).toMatchObject({ statusCode: 200 });
    const after = await inject("GET", `/api/v1/admin/issuers/${CODE}`);
    const confirmed = { state: "confirmed", txHash: anyString, blockNumber: anyNumber, lastError: null };
    expect(reply(after).body).toEqual({
      code: CODE,
      kind: "school",
      name: NAME,
      createdAt: ISO,
      requiredRoles: null,
      certificates: [
        { ...principal(), addedAt: ISO, removedAt: ISO, onChain: { add: confirmed, remove: pending } },
        { ...homeroom(), addedAt: ISO, removedAt: null, onChain: { add: pending, remove: null } },
      ],
    });
    expect((await auditActions()).map((row) => row.action)).toEqual([
      "api_key.created",
      "issuer.registered",
      "issuer.viewed",
      "issuer.certificates_changed",
      "issuer.viewed",
    ]);
  });

  it("rotates certificates: 200 with the active ones", async () => {
    await register();
    const res = await inject("POST", `/api/v1/admin/issuers/${CODE}/certificates`, {
      add: [{ pem: pemOf(pki.homeroom), role: "homeroom" }],
    });
    expect(reply(res)).toEqual({
      status: 200,
      body: { code: CODE, certificates: [principal(), homeroom()] },
    });
    const removed = await inject("POST", `/api/v1/admin/issuers/${CODE}/certificates`, {
      remove: [fingerprintOf(pki.principal)],
    });
    expect(reply(removed)).toEqual({ status: 200, body: { code: CODE, certificates: [homeroom()] } });
  });

  it("replaces a lost API key: 201 with the new key once, every earlier key revoked", async () => {
    const { apiKey: first } = (await register()).json<{ apiKey: string }>();
    const res = await inject("POST", `/api/v1/admin/issuers/${CODE}/api-key`);
    expect(reply(res)).toEqual({ status: 201, body: { code: CODE, apiKey: anyString, revoked: 1 } });
    const { apiKey: second } = res.json<{ apiKey: string }>();
    expect([await authenticateApiKey(db, first), await authenticateApiKey(db, second)]).toEqual([
      undefined,
      { keyId: anyString, kind: "issuer", issuerCode: CODE, issuerKind: "school" },
    ]);
    expect((await auditActions()).map((row) => row.action).slice(-3)).toEqual([
      "api_key.revoked",
      "api_key.created",
      "issuer.api_key_rotated",
    ]);
    expect(reply(await inject("POST", "/api/v1/admin/issuers/00000000/api-key"))).toEqual({
      status: 404,
      body: { error: { code: "NOT_FOUND", message: "no issuer 00000000" } },
    });
  });

  it("creates a verifier key that opens only the verify routes, and revokes it: 201 once, 204, then 404", async () => {
    const res = await inject("POST", "/api/v1/admin/verifiers", { label: "Phòng tuyển sinh ĐH Bách khoa" });
    expect(reply(res)).toEqual({
      status: 201,
      body: {
        id: expect.stringMatching(/^[0-9a-f]{12}$/) as unknown,
        label: "Phòng tuyển sinh ĐH Bách khoa",
        apiKey: anyString,
      },
    });
    const { id, apiKey } = res.json<{ id: string; apiKey: string }>();
    const revoke = (keyId: string) =>
      t.app.inject({
        method: "DELETE",
        url: `/api/v1/admin/verifiers/${keyId}`,
        headers: { authorization: `Bearer ${t.adminToken}` },
      });
    expect(await authenticateApiKey(db, apiKey)).toEqual({
      keyId: id,
      kind: "verifier",
      issuerCode: null,
      issuerKind: null,
    });
    expect(reply(await inject("GET", `/api/v1/admin/issuers/${CODE}`, undefined, apiKey))).toEqual({
      status: 403,
      body: { error: { code: "FORBIDDEN", message: "this route is for the administrator" } },
    });
    expect((await inject("POST", "/api/v1/transcripts", {}, apiKey)).statusCode).toBe(403);

    const deleted = await revoke(id);
    expect({ status: deleted.statusCode, body: deleted.body }).toEqual({ status: 204, body: "" });
    expect(await authenticateApiKey(db, apiKey)).toBeUndefined();
    const again = await revoke(id);
    expect(reply(again)).toEqual({
      status: 404,
      body: { error: { code: "NOT_FOUND", message: `no active verifier key ${id}` } },
    });
    // An issuer key is no verifier key, even by id.
    const { rows } = await db.query<{ id: string }>("SELECT id FROM api_keys WHERE kind = 'issuer' LIMIT 1");
    const issuerKeyId = rows[0]!.id;
    const refused = await revoke(issuerKeyId);
    expect(reply(refused)).toEqual({
      status: 404,
      body: { error: { code: "NOT_FOUND", message: `no active verifier key ${issuerKeyId}` } },
    });
    expect((await auditActions()).map((row) => row.action)).toEqual(["api_key.created", "api_key.revoked"]);
    expect(reply(await inject("POST", "/api/v1/admin/verifiers", { label: "" }))).toMatchObject({
      status: 400,
      body: { error: { code: "SCHEMA_INVALID" } },
    });
  });

  describe("answers every bad request with its code", () => {
    it("401 without a token or with a wrong one, 403 for an issuer key, on every admin route", async () => {
      const routes: ["GET" | "POST", string, unknown][] = [
        ["POST", "/api/v1/admin/issuers", body()],
        ["POST", `/api/v1/admin/issuers/${CODE}/certificates`, { remove: [fingerprintOf(pki.principal)] }],
        ["GET", `/api/v1/admin/issuers/${CODE}`, undefined],
        ["POST", `/api/v1/admin/issuers/${CODE}/api-key`, undefined],
        ["POST", "/api/v1/admin/verifiers", { label: "x" }],
      ];
      for (const [method, url, payload] of routes) {
        expect(reply(await inject(method, url, payload, null))).toEqual({
          status: 401,
          body: { error: { code: "UNAUTHORIZED", message: "missing bearer token" } },
        });
        expect(reply(await inject(method, url, payload, "not-the-token"))).toEqual({
          status: 401,
          body: { error: { code: "UNAUTHORIZED", message: "invalid or revoked credentials" } },
        });
        expect(reply(await inject(method, url, payload, t.schoolKey))).toEqual({
          status: 403,
          body: { error: { code: "FORBIDDEN", message: "this route is for the administrator" } },
        });
      }
      expect(await db.query("SELECT code FROM issuers WHERE code = $1", [CODE])).toMatchObject({ rows: [] });
    });

    it("400 SCHEMA_INVALID for a body or code the schema refuses, naming each problem", async () => {
      const { certificates: _, ...noCertificates } = body();
      const cases: [unknown, unknown[]][] = [
        [
          noCertificates,
          [{ path: "/body", code: "SCHEMA_REQUIRED", message: "must have required property 'certificates'" }],
        ],
        [
          { ...body(), kind: "university", extra: 1 },
          [
            {
              path: "/body",
              code: "SCHEMA_ADDITIONALPROPERTIES",
              message: "must NOT have additional properties",
            },
            { path: "/body/kind", code: "SCHEMA_CONST", message: "must be equal to constant" },
            { path: "/body/kind", code: "SCHEMA_CONST", message: "must be equal to constant" },
            { path: "/body/kind", code: "SCHEMA_CONST", message: "must be equal to constant" },
            { path: "/body/kind", code: "SCHEMA_ANYOF", message: "must match a schema in anyOf" },
          ],
        ],
        [
          { ...body(), code: "79-0007" },
          [
            {
              path: "/body/code",
              code: "SCHEMA_PATTERN",
              message: 'must match pattern "^[0-9A-Za-z]{2,20}$"',
            },
          ],
        ],
        [
          body(Array(11).fill("x")),
          [
            {
              path: "/body/certificates",
              code: "SCHEMA_MAXITEMS",
              message: "must NOT have more than 10 items",
            },
          ],
        ],
        [
          body([]),
          [
            {
              path: "/body/certificates",
              code: "SCHEMA_MINITEMS",
              message: "must NOT have fewer than 1 items",
            },
          ],
        ],
      ];
      for (const [payload, details] of cases) {
        expect(reply(await inject("POST", "/api/v1/admin/issuers", payload))).toEqual(schemaInvalid(details));
      }
      expect(reply(await inject("GET", "/api/v1/admin/issuers/a-b"))).toEqual(
        schemaInvalid([
          {
            path: "/params/code",
            code: "SCHEMA_PATTERN",
            message: 'must match pattern "^[0-9A-Za-z]{2,20}$"',
          },
        ]),
      );
      expect(
        reply(await inject("POST", "/api/v1/admin/issuers", { ...body(), name: "Le Lo\u0300i" })),
      ).toEqual(
        schemaInvalid(
          [
            {
              path: "/name",
              code: "SCHEMA_INVALID",
              message: "name must be in Unicode NFC (precomposed Vietnamese letters)",
            },
          ],
          "name must be in Unicode NFC (precomposed Vietnamese letters)",
        ),
      );
      expect(
        reply(await inject("POST", `/api/v1/admin/issuers/${CODE}/certificates`, { remove: ["0xAB"] })),
      ).toEqual(
        schemaInvalid([
          {
            path: "/body/remove/0",
            code: "SCHEMA_PATTERN",
            message: 'must match pattern "^0x[0-9a-f]{64}$"',
          },
        ]),
      );
    });

    it("409 CONFLICT for a registered code, 422 CERT_* for a certificate that cannot sign", async () => {
      await register();
      expect(reply(await register())).toEqual({
        status: 409,
        body: { error: { code: "CONFLICT", message: `issuer ${CODE} is already registered` } },
      });
      const expired = await issue({
        subject: "CN=Old Principal, C=VN",
        issuer: pki.intermediate,
        notAfter: new Date("2021-01-01T00:00:00Z"),
      });
      const res = await inject("POST", "/api/v1/admin/issuers", {
        ...body([pemOf(other.principal, other)]),
        code: "79000703",
      });
      expect(reply(res)).toEqual({
        status: 422,
        body: {
          error: {
            code: "CERT_UNTRUSTED",
            message: `certificate 1: no path from "${subjectOf(other.principal)}" to a trust anchor (issuer "${subjectOf(other.intermediate)}")`,
            details: [
              {
                path: "/certificates/0",
                index: 0,
                code: "CERT_UNTRUSTED",
                message: `no path from "${subjectOf(other.principal)}" to a trust anchor (issuer "${subjectOf(other.intermediate)}")`,
                fingerprint: fingerprintOf(other.principal),
                subject: subjectOf(other.principal),
              },
            ],
          },
        },
      });
      const rotation = await inject("POST", `/api/v1/admin/issuers/${CODE}/certificates`, {
        add: [pemOf(expired)],
      });
      expect(reply(rotation)).toEqual({
        status: 422,
        body: {
          error: {
            code: "CERT_EXPIRED",
            message: 'certificate 1: "CN=Old Principal, C=VN" expired 2021-01-01T00:00:00.000Z',
            details: [
              {
                path: "/add/0",
                index: 0,
                code: "CERT_EXPIRED",
                message: '"CN=Old Principal, C=VN" expired 2021-01-01T00:00:00.000Z',
                fingerprint: fingerprintOf(expired),
                subject: "CN=Old Principal, C=VN",
              },
            ],
          },
        },
      });
    });

    it("404 for an unknown issuer or certificate, 409 for adding an active certificate", async () => {
      expect(reply(await inject("GET", "/api/v1/admin/issuers/00000000"))).toEqual({
        status: 404,
        body: { error: { code: "NOT_FOUND", message: "no issuer 00000000" } },
      });
      const unknown = fingerprintOf(pki.homeroom);
      expect(
        reply(await inject("POST", "/api/v1/admin/issuers/00000000/certificates", { remove: [unknown] })),
      ).toEqual({ status: 404, body: { error: { code: "NOT_FOUND", message: "no issuer 00000000" } } });
      await register();
      expect(
        reply(await inject("POST", `/api/v1/admin/issuers/${CODE}/certificates`, { remove: [unknown] })),
      ).toEqual({
        status: 404,
        body: {
          error: {
            code: "NOT_FOUND",
            message: `certificate ${unknown} is not an active certificate of ${CODE}`,
          },
        },
      });
      expect(
        reply(
          await inject("POST", `/api/v1/admin/issuers/${CODE}/certificates`, { add: [pemOf(pki.principal)] }),
        ),
      ).toEqual({
        status: 409,
        body: {
          error: {
            code: "CONFLICT",
            message: `certificate ${fingerprintOf(pki.principal)} is already active for ${CODE}`,
          },
        },
      });
      expect(reply(await inject("POST", `/api/v1/admin/issuers/${CODE}/certificates`, {}))).toEqual(
        schemaInvalid(
          [{ path: "", code: "SCHEMA_INVALID", message: "nothing to add or remove" }],
          "nothing to add or remove",
        ),
      );
    });
  });
});
