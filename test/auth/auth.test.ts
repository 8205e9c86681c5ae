import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPGliteDatabase, type Database } from "../../service/src/adapters/db/database";
import { migrate } from "../../service/src/adapters/db/migrate";
import { authenticateApiKey, createApiKey, revokeApiKey } from "../../service/src/auth/api-keys";
import { bearerToken, newApiKey, parseApiKey, secretMatches } from "../../service/src/auth/secrets";
import { buildApp } from "../../service/src/http/app";
import { authPlugin } from "../../service/src/http/plugins/auth";

const ADMIN_TOKEN = "admin-token-for-tests-only-0123456789";
let db: Database;
let app: FastifyInstance;
let schoolKey: string;
let districtKey: string;
let departmentKey: string;
let verifierKey: string;

beforeAll(async () => {
  db = await createPGliteDatabase();
  await migrate(db);
  await db.query(
    `INSERT INTO issuers (code, kind, name) VALUES ('79000701', 'school', 'Trường THCS Nguyễn Du'),
       ('PGDQ1', 'district', 'Phòng GDĐT Quận 1'), ('SO79', 'department', 'Sở GDĐT TP. Hồ Chí Minh')`,
  );
  schoolKey = (await createApiKey(db, { kind: "issuer", issuerCode: "79000701", actor: "admin" })).key;
  districtKey = (await createApiKey(db, { kind: "issuer", issuerCode: "PGDQ1", actor: "admin" })).key;
  departmentKey = (await createApiKey(db, { kind: "issuer", issuerCode: "SO79", actor: "admin" })).key;
  verifierKey = (await createApiKey(db, { kind: "verifier", label: "ĐH Bách khoa", actor: "admin" })).key;

  app = await buildApp({ bodyLimit: 1 << 20 });
  await app.register(authPlugin, { db, adminToken: ADMIN_TOKEN });
  const who = (request: { principal?: unknown }) => ({ principal: request.principal ?? null });
  await app.register((instance, _opts, done) => {
    instance.get("/admin-only", { preHandler: instance.auth.admin }, who);
    instance.get("/school-only", { preHandler: instance.auth.school }, who);
    instance.get("/district-only", { preHandler: instance.auth.district }, who);
    instance.get("/public", { preHandler: instance.auth.optional }, who);
    done();
  });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await db.close();
});

const call = async (url: string, token?: string) => {
  const res = await app.inject({
    method: "GET",
    url,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  return { status: res.statusCode, body: res.json<unknown>() };
};

describe("API keys", () => {
  it("are shaped hocba_<kind>_<id>_<secret> and parse back", () => {
    const { id, key } = newApiKey("issuer");
    expect(key).toMatch(/^hocba_i_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(parseApiKey(key)).toEqual({ kind: "issuer", id, secret: key.slice(21) });
    expect(parseApiKey("hocba_x_0123456789ab_short")).toBeUndefined();
  });

  it("are stored only as a hash of the secret", async () => {
    const { rows } = await db.query<{ secret_hash: string }>("SELECT secret_hash FROM api_keys");
    const secrets = [schoolKey, verifierKey].map((k) => parseApiKey(k)!.secret);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.secret_hash) && !secrets.includes(r.secret_hash))).toBe(
      true,
    );
  });

  it("authenticate to their principal, with the kind of issuer they act for", async () => {
    expect(
      await Promise.all([schoolKey, districtKey, verifierKey].map((k) => authenticateApiKey(db, k))),
    ).toEqual([
      { keyId: parseApiKey(schoolKey)!.id, kind: "issuer", issuerCode: "79000701", issuerKind: "school" },
      { keyId: parseApiKey(districtKey)!.id, kind: "issuer", issuerCode: "PGDQ1", issuerKind: "district" },
      { keyId: parseApiKey(verifierKey)!.id, kind: "verifier", issuerCode: null, issuerKind: null },
    ]);
  });

  it("do not authenticate with a changed secret, a changed kind letter or an unknown id", async () => {
    const tampered = schoolKey.slice(0, -1) + (schoolKey.endsWith("A") ? "B" : "A");
    const otherKind = schoolKey.replace("hocba_i_", "hocba_v_");
    const unknown = newApiKey("issuer").key;
    expect(
      await Promise.all([tampered, otherKind, unknown, "", "Bearer"].map((k) => authenticateApiKey(db, k))),
    ).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it("stop working once revoked, and the revocation is audited", async () => {
    const { id, key } = await createApiKey(db, { kind: "issuer", issuerCode: "79000701", actor: "admin" });
    expect(await revokeApiKey(db, id, "admin")).toBe(true);
    expect(await revokeApiKey(db, id, "admin")).toBe(false);
    expect(await authenticateApiKey(db, key)).toBeUndefined();
    const { rows } = await db.query("SELECT actor, action FROM audit_log WHERE subject = $1 ORDER BY id", [
      id,
    ]);
    expect(rows).toEqual([
      { actor: "admin", action: "api_key.created" },
      { actor: "admin", action: "api_key.revoked" },
    ]);
  });
});

describe("bearer tokens", () => {
  it("are read from the Authorization header, case-insensitively", () => {
    expect([
      bearerToken("Bearer abc"),
      bearerToken("bearer abc "),
      bearerToken("Basic abc"),
      bearerToken(undefined),
    ]).toEqual(["abc", "abc", undefined, undefined]);
  });

  it("match only the exact secret", () => {
    expect([secretMatches("abc", "abc"), secretMatches("abc", "abcd"), secretMatches("", "abc")]).toEqual([
      true,
      false,
      false,
    ]);
  });
});

describe("route authorization", () => {
  it("lets the admin token through admin, school and district routes", async () => {
    expect(
      await Promise.all(["/admin-only", "/school-only", "/district-only"].map((u) => call(u, ADMIN_TOKEN))),
    ).toEqual([
      { status: 200, body: { principal: { kind: "admin" } } },
      { status: 200, body: { principal: { kind: "admin" } } },
      { status: 200, body: { principal: { kind: "admin" } } },
    ]);
  });

  it("lets a school key through school routes and a district key through district routes, with their codes", async () => {
    expect([await call("/school-only", schoolKey), await call("/district-only", districtKey)]).toEqual([
      {
        status: 200,
        body: {
          principal: {
            kind: "issuer",
            keyId: parseApiKey(schoolKey)!.id,
            issuerCode: "79000701",
            issuerKind: "school",
          },
        },
      },
      {
        status: 200,
        body: {
          principal: {
            kind: "issuer",
            keyId: parseApiKey(districtKey)!.id,
            issuerCode: "PGDQ1",
            issuerKind: "district",
          },
        },
      },
    ]);
  });

  it("lets a department's key through the district routes (the graduates import), not the school routes", async () => {
    expect([await call("/district-only", departmentKey), await call("/school-only", departmentKey)]).toEqual([
      {
        status: 200,
        body: {
          principal: {
            kind: "issuer",
            keyId: parseApiKey(departmentKey)!.id,
            issuerCode: "SO79",
            issuerKind: "department",
          },
        },
      },
      { status: 403, body: { error: { code: "FORBIDDEN", message: "this route is for schools" } } },
    ]);
  });

  it("answers 401 UNAUTHORIZED without a token or with a wrong one", async () => {
    expect([await call("/school-only"), await call("/admin-only", "wrong")]).toEqual([
      { status: 401, body: { error: { code: "UNAUTHORIZED", message: "missing bearer token" } } },
      { status: 401, body: { error: { code: "UNAUTHORIZED", message: "invalid or revoked credentials" } } },
    ]);
  });

  it("answers 403 FORBIDDEN to valid credentials of the wrong kind, district and school keys included", async () => {
    const forbidden = (message: string) => ({ status: 403, body: { error: { code: "FORBIDDEN", message } } });
    expect([
      await call("/admin-only", schoolKey),
      await call("/admin-only", districtKey),
      await call("/school-only", verifierKey),
      await call("/school-only", districtKey),
      await call("/district-only", verifierKey),
      await call("/district-only", schoolKey),
    ]).toEqual([
      forbidden("this route is for the administrator"),
      forbidden("this route is for the administrator"),
      forbidden("this route is for schools"),
      forbidden("this route is for schools"),
      forbidden("this route is for district offices and departments (Sở GDĐT)"),
      forbidden("this route is for district offices and departments (Sở GDĐT)"),
    ]);
  });

  it("lets anyone through public routes, but a presented key must be valid", async () => {
    expect([
      await call("/public"),
      await call("/public", verifierKey),
      (await call("/public", "nope")).status,
    ]).toEqual([
      { status: 200, body: { principal: null } },
      { status: 200, body: { principal: { kind: "verifier", keyId: parseApiKey(verifierKey)!.id } } },
      401,
    ]);
  });
});
