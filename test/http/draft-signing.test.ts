import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../service/src/adapters/db/database";
import { migrate } from "../../service/src/adapters/db/migrate";
import { parseDetachedSignedData } from "../../service/src/core/pki/cms";
import { signDetached } from "../../service/src/core/pki";
import { XLSX_TYPE } from "../../service/src/http/routes/drafts";
import { apiKeyFor, buildTestApp, settle, type TestApp } from "../helpers/app";
import { startChain, stopChain, type TestChain } from "../helpers/chain";
import { databaseBackends } from "../helpers/databases";
import { fingerprintOf, makeSchoolPki, SCHOOL_CODE, signerOf, type SchoolPki } from "../helpers/pki";
import { sessionFor, TEST_SESSION_POLICY, type TestSession } from "../helpers/staff";
import { testClass, xlsxOf } from "../helpers/workbook";

const backends = await databaseBackends();
const dir = mkdtempSync(path.join(os.tmpdir(), "hocba-http-draft-signing-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let pki: SchoolPki;
beforeAll(async () => {
  pki = await makeSchoolPki("P-256");
});

interface Listed {
  id: string;
  studentCode: string;
  status: string;
  awaitingRoles: string[];
  awaitingMe: boolean;
  signatures: { role: string; name?: string; certificate?: string }[];
}

describe.each(backends)("signing drafts in the school workspace on $name", (backend) => {
  let db: Database;
  let opened: Awaited<ReturnType<typeof backend.open>>;
  let chain: TestChain;
  let t: TestApp;
  let app: FastifyInstance;
  let clerk: TestSession;
  let homeroom: TestSession;
  let otherHomeroom: TestSession;
  let principal: TestSession;
  let otherClerk: TestSession;

  beforeAll(async () => {
    opened = await backend.open();
    db = opened.db;
    await migrate(db);
    chain = await startChain(path.join(dir, `${backend.name}.json`));
    t = await buildTestApp({
      db,
      chain,
      pki,
      staffSignIn: { policy: TEST_SESSION_POLICY, secureCookies: false },
    });
    app = t.app;
    await db.query(
      `INSERT INTO issuer_certificates (issuer_code, fingerprint, certificate, subject, role, added_at)
       VALUES ($1, $2, $3, 'homeroom', 'homeroom', now() - interval '1 day')`,
      [SCHOOL_CODE, fingerprintOf(pki.homeroom), pki.homeroom.certificate],
    );
    await db.query("UPDATE issuers SET required_roles = '{homeroom,principal}' WHERE code = $1", [
      SCHOOL_CODE,
    ]);
    await apiKeyFor(db, "79000799");
    clerk = await sessionFor(db, {
      subject: "clerk",
      name: "Giáo vụ",
      school: SCHOOL_CODE,
      roles: ["clerk"],
    });
    homeroom = await sessionFor(db, {
      subject: "gvcn",
      name: "Trần Thị Mai",
      school: SCHOOL_CODE,
      roles: ["homeroom"],
      classes: ["9S1"],
    });
    otherHomeroom = await sessionFor(db, {
      subject: "gvcn-b",
      name: "Lê Văn B",
      school: SCHOOL_CODE,
      roles: ["homeroom"],
      classes: ["9S9"],
    });
    principal = await sessionFor(db, {
      subject: "ht",
      name: "Nguyễn Văn Hùng",
      school: SCHOOL_CODE,
      roles: ["principal"],
    });
    otherClerk = await sessionFor(db, {
      subject: "clerk2",
      name: "Vũ Văn Nam",
      school: "79000799",
      roles: ["clerk"],
    });
  });
  afterAll(async () => {
    await app?.close();
    if (chain) await stopChain(chain);
    await opened?.dispose();
  });

  async function importClass(session: TestSession, suffix: string, size = 2, withCsrf = true) {
    return app.inject({
      method: "POST",
      url: "/api/v1/drafts/import",
      headers: { ...session.headers(withCsrf), "content-type": XLSX_TYPE },
      payload: Buffer.from(await xlsxOf(testClass(size, 40 + suffix.length, suffix))),
    });
  }

  async function list(session: TestSession, query: string): Promise<Listed[]> {
    const res = await app.inject({
      method: "GET",
      url: `/api/v1/drafts?${query}`,
      headers: session.headers(false),
    });
    if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${res.body}`);
    return res.json<{ drafts: Listed[] }>().drafts;
  }

  async function sign(session: TestSession, id: string, signer = signerOf(pki.homeroom, pki.intermediate)) {
    const input = await app.inject({
      method: "GET",
      url: `/api/v1/drafts/${id}/signing-input`,
      headers: session.headers(false),
    });
    const { content } = input.json<{ content: string }>();
    const cms = await signDetached(new Uint8Array(Buffer.from(content, "base64")), [signer]);
    return Buffer.from(cms).toString("base64");
  }

  it("lets the clerk import with the CSRF token, refuses the import without it, and hides the drafts from another school's clerk as unknown", async () => {
    const refused = await importClass(clerk, "S1", 2, false);
    const res = await importClass(clerk, "S1");
    const ids = res.json<{ drafts: { id: string }[] }>().drafts.map((d) => d.id);
    const other = await app.inject({
      method: "GET",
      url: `/api/v1/drafts/${ids[0]}`,
      headers: otherClerk.headers(false),
    });
    const unknown = await app.inject({
      method: "GET",
      url: "/api/v1/drafts/00000000-0000-4000-8000-000000000000",
      headers: otherClerk.headers(false),
    });
    const otherList = await app.inject({
      method: "GET",
      url: `/api/v1/drafts?school=${SCHOOL_CODE}`,
      headers: otherClerk.headers(false),
    });
    const unknownList = await app.inject({
      method: "GET",
      url: "/api/v1/drafts?school=00000000",
      headers: otherClerk.headers(false),
    });
    expect([
      refused.statusCode,
      refused.json<{ error: { code: string } }>().error.code,
      res.statusCode,
      other.statusCode,
      other.json<{ error: { message: string } }>().error.message.replace(ids[0]!, "ID"),
      unknown.json<{ error: { message: string } }>().error.message.replace(/[0-9a-f-]{36}/, "ID"),
      otherList.statusCode,
      otherList.json<{ error: { message: string } }>().error.message.replace(SCHOOL_CODE, "X"),
      unknownList.json<{ error: { message: string } }>().error.message.replace("00000000", "X"),
    ]).toEqual([
      403,
      "CSRF_INVALID",
      201,
      404,
      "no draft ID",
      "no draft ID",
      404,
      "no school X among yours",
      "no school X among yours",
    ]);
  });

  it("shows a homeroom teacher their own classes only, with what awaits them", async () => {
    const mine = await list(homeroom, "class=9S1&awaiting=me");
    const theirs = await list(otherHomeroom, "class=9S1");
    const forClerk = await list(clerk, "class=9S1");
    expect([
      mine.map((d) => [d.status, d.awaitingRoles, d.awaitingMe, d.signatures]),
      theirs,
      forClerk.map((d) => [d.status, d.awaitingMe]),
    ]).toEqual([
      [
        ["draft", ["homeroom", "principal"], true, []],
        ["draft", ["homeroom", "principal"], true, []],
      ],
      [],
      [
        ["draft", false],
        ["draft", false],
      ],
    ]);
  });

  it("merges the homeroom teacher's and the principal's signatures and submits the document once both roles signed, then anchors it", async () => {
    const [first, second] = await list(homeroom, "class=9S1");
    const byHomeroom = await app.inject({
      method: "POST",
      url: `/api/v1/drafts/${first!.id}/signatures`,
      headers: homeroom.headers(),
      payload: { signature: await sign(homeroom, first!.id) },
    });
    expect([
      byHomeroom.statusCode,
      byHomeroom.json<{ status: string; awaitingRoles: string[] }>(),
    ]).toMatchObject([200, { ok: true, id: first!.id, status: "awaiting", awaitingRoles: ["principal"] }]);
    // The principal signs the whole class at once: the first draft completes, the second still
    // awaits its homeroom teacher.
    const principalSigner = signerOf(pki.principal, pki.intermediate);
    const batch = await app.inject({
      method: "POST",
      url: "/api/v1/drafts/signatures",
      headers: principal.headers(),
      payload: {
        signatures: [
          { draftId: first!.id, signature: await sign(principal, first!.id, principalSigner) },
          { draftId: second!.id, signature: await sign(principal, second!.id, principalSigner) },
        ],
      },
    });
    const results = batch.json<{
      results: { ok: boolean; status: string; awaitingRoles: string[]; submitted?: unknown }[];
    }>().results;
    expect([
      batch.statusCode,
      results.map((r) => [r.ok, r.status, r.awaitingRoles, r.submitted !== undefined]),
    ]).toEqual([
      200,
      [
        [true, "pending", [], true],
        [true, "awaiting", ["homeroom"], false],
      ],
    ]);
    const { rows } = await db.query<{ signature: Uint8Array }>(
      "SELECT signature FROM documents WHERE id = $1",
      [first!.id],
    );
    const stored = parseDetachedSignedData(new Uint8Array(rows[0]!.signature));
    await settle(t.anchoring);
    const after = await list(principal, "class=9S1");
    expect([
      stored.signers.length,
      after.map((d) => [d.status, d.awaitingRoles, d.awaitingMe, d.signatures.map((s) => [s.role, s.name])]),
    ]).toEqual([
      2,
      [
        [
          "anchored",
          [],
          false,
          [
            ["homeroom", "Trần Thị Mai"],
            ["principal", "Nguyễn Văn Hùng"],
          ],
        ],
        ["awaiting", ["homeroom"], false, [["principal", "Nguyễn Văn Hùng"]]],
      ],
    ]);
  });

  it("downloads the class as a ZIP of each anchored document's PDF and credential with a manifest, and lets only the principal revoke a submitted document", async () => {
    const [first, second] = await list(principal, "class=9S1");
    const zip = await app.inject({
      method: "GET",
      url: "/api/v1/drafts/archive.zip?class=9S1&year=2024-2025",
      headers: clerk.headers(false),
    });
    const files = unzipSync(new Uint8Array(zip.rawPayload));
    const manifest = JSON.parse(new TextDecoder().decode(files["manifest.json"])) as {
      documents: { id: string; status: string; files: string[] }[];
    };
    const credential = JSON.parse(new TextDecoder().decode(files[`${first!.studentCode}.hocba.json`])) as {
      format: string;
      document: { id: string };
    };
    const otherSchool = await app.inject({
      method: "GET",
      url: `/api/v1/drafts/archive.zip?school=${SCHOOL_CODE}&class=9S1&year=2024-2025`,
      headers: otherClerk.headers(false),
    });
    const revoke = (session: TestSession, id: string) =>
      app.inject({
        method: "POST",
        url: `/api/v1/drafts/${id}/revoke`,
        headers: session.headers(),
        payload: { reason: "sai điểm" },
      });
    const byHomeroom = await revoke(homeroom, first!.id);
    const notSubmitted = await revoke(principal, second!.id);
    const byPrincipal = await revoke(principal, first!.id);
    const after = await list(principal, "class=9S1");
    expect([
      zip.statusCode,
      zip.headers["content-type"],
      Object.keys(files).sort(),
      new TextDecoder().decode(files[`${first!.studentCode}.pdf`]!.slice(0, 5)),
      [credential.format, credential.document.id],
      manifest.documents.map((d) => [d.id, d.status, d.files.length]),
      otherSchool.statusCode,
      [byHomeroom.statusCode, byHomeroom.json<{ error: { code: string } }>().error.code],
      [notSubmitted.statusCode, notSubmitted.json<{ error: { code: string } }>().error.code],
      [byPrincipal.statusCode, byPrincipal.json<{ status: string }>().status],
      after.map((d) => d.status),
    ]).toEqual([
      200,
      "application/zip",
      [`${first!.studentCode}.hocba.json`, `${first!.studentCode}.pdf`, "manifest.json"].sort(),
      "%PDF-",
      ["hocba/2", first!.id],
      [
        [first!.id, "anchored", 2],
        [second!.id, "awaiting", 0],
      ],
      404,
      [403, "FORBIDDEN"],
      [409, "CONFLICT"],
      [202, "revoked"],
      ["revoked", "awaiting"],
    ]);
  });

  it("refuses a certificate of a role the person does not hold, a second signature in the same role, a malformed CMS and a signature over other bytes", async () => {
    const [, second] = await list(homeroom, "class=9S1");
    const id = second!.id;
    const post = (session: TestSession, signature: string) =>
      app.inject({
        method: "POST",
        url: `/api/v1/drafts/${id}/signatures`,
        headers: session.headers(),
        payload: { signature },
      });
    const codeOf = (res: { statusCode: number; json<T>(): T }) => [
      res.statusCode,
      res.json<{ error: { code: string } }>().error.code,
    ];
    const wrongRole = await post(
      homeroom,
      await sign(homeroom, id, signerOf(pki.principal, pki.intermediate)),
    );
    const again = await post(principal, await sign(principal, id, signerOf(pki.principal, pki.intermediate)));
    const garbage = await post(homeroom, "AAAA");
    const otherBytes = Buffer.from(
      await signDetached(new TextEncoder().encode("{}"), [signerOf(pki.homeroom, pki.intermediate)]),
    ).toString("base64");
    const wrongContent = await post(homeroom, otherBytes);
    const notTheirClass = await post(otherHomeroom, await sign(homeroom, id));
    expect([
      codeOf(wrongRole),
      codeOf(again),
      codeOf(garbage),
      codeOf(wrongContent),
      codeOf(notTheirClass),
    ]).toEqual([
      [403, "SIGNER_ROLE_NOT_HELD"],
      [409, "DRAFT_ALREADY_SIGNED"],
      [400, "SIGNATURE_MALFORMED"],
      [422, "DIGEST_MISMATCH"],
      [404, "NOT_FOUND"],
    ]);
  });

  it("makes a device token shown once that acts as its person on the drafts routes only, until it is revoked", async () => {
    const made = await app.inject({
      method: "POST",
      url: "/api/v1/staff/device-tokens",
      headers: homeroom.headers(),
      payload: { label: "Máy phòng giáo viên" },
    });
    const { token, id } = made.json<{ token: string; id: string }>();
    const bearer = { authorization: `Bearer ${token}` };
    const pending = await app.inject({ method: "GET", url: "/api/v1/drafts?awaiting=me", headers: bearer });
    const me = await app.inject({ method: "GET", url: "/api/v1/staff/me", headers: bearer });
    const listed = await app.inject({
      method: "GET",
      url: "/api/v1/staff/device-tokens",
      headers: homeroom.headers(false),
    });
    const revoked = await app.inject({
      method: "DELETE",
      url: `/api/v1/staff/device-tokens/${id}`,
      headers: homeroom.headers(),
    });
    const afterwards = await app.inject({
      method: "GET",
      url: "/api/v1/drafts?awaiting=me",
      headers: bearer,
    });
    const revokeAgain = async (tokenId: string, session: TestSession) =>
      (
        await app.inject({
          method: "DELETE",
          url: `/api/v1/staff/device-tokens/${tokenId}`,
          headers: session.headers(),
        })
      ).statusCode;
    const anotherOfHomeroom = await app.inject({
      method: "POST",
      url: "/api/v1/staff/device-tokens",
      headers: homeroom.headers(),
      payload: { label: "khác" },
    });
    const notFound = [
      await revokeAgain(id, homeroom),
      await revokeAgain("not-a-token-id", homeroom),
      await revokeAgain(anotherOfHomeroom.json<{ id: string }>().id, principal),
    ];
    const { rows } = await db.query<{ text: string }>(
      "SELECT string_agg(COALESCE(details::text, ''), ' ') AS text FROM audit_log",
    );
    expect([
      made.statusCode,
      token.startsWith("hocba_d_"),
      pending.statusCode,
      pending.json<{ drafts: Listed[] }>().drafts.map((d) => d.awaitingRoles),
      me.statusCode,
      listed
        .json<{ tokens: { id: string; label: string; lastUsedAt: string | null; token?: string }[] }>()
        .tokens.map((x) => [x.id, x.label, x.lastUsedAt !== null, x.token]),
      revoked.statusCode,
      afterwards.statusCode,
      afterwards.json<{ error: { code: string } }>().error.code,
      rows[0]!.text.includes(token),
      notFound,
    ]).toEqual([
      201,
      true,
      200,
      [["homeroom"]],
      401,
      [[id, "Máy phòng giáo viên", true, undefined]],
      204,
      401,
      "DEVICE_TOKEN_INVALID",
      false,
      [404, 404, 404],
    ]);
  });

  it("starts a correction as a draft of the new version that a new import fills, and supersedes the old document once signed", async () => {
    const key = { authorization: `Bearer ${t.schoolKey}` };
    const file = Buffer.from(await xlsxOf(testClass(1, 61, "S2")));
    const importAs = (headers: Record<string, string>) =>
      app.inject({
        method: "POST",
        url: "/api/v1/drafts/import",
        headers: { ...headers, "content-type": XLSX_TYPE },
        payload: file,
      });
    const signAll = async (id: string) => {
      for (const signer of [
        signerOf(pki.homeroom, pki.intermediate),
        signerOf(pki.principal, pki.intermediate),
      ]) {
        const input = await app.inject({
          method: "GET",
          url: `/api/v1/drafts/${id}/signing-input`,
          headers: key,
        });
        const cms = await signDetached(
          new Uint8Array(Buffer.from(input.json<{ content: string }>().content, "base64")),
          [signer],
        );
        const res = await app.inject({
          method: "POST",
          url: `/api/v1/drafts/${id}/signatures`,
          headers: key,
          payload: { signature: Buffer.from(cms).toString("base64") },
        });
        if (res.statusCode !== 200) throw new Error(res.body);
      }
    };
    const original = (await importAs(clerk.headers())).json<{ drafts: { id: string }[] }>().drafts[0]!.id;
    const early = await app.inject({
      method: "POST",
      url: `/api/v1/drafts/${original}/correction`,
      headers: clerk.headers(),
    });
    await signAll(original);
    const byPrincipal = await app.inject({
      method: "POST",
      url: `/api/v1/drafts/${original}/correction`,
      headers: principal.headers(),
    });
    const started = await app.inject({
      method: "POST",
      url: `/api/v1/drafts/${original}/correction`,
      headers: clerk.headers(),
    });
    const twice = await app.inject({
      method: "POST",
      url: `/api/v1/drafts/${original}/correction`,
      headers: clerk.headers(),
    });
    const reimport = (await importAs(clerk.headers())).json<{ drafts: { id: string; outcome: string }[] }>();
    const correction = reimport.drafts[0]!.id;
    const read = await app.inject({
      method: "GET",
      url: `/api/v1/drafts/${correction}`,
      headers: clerk.headers(false),
    });
    await signAll(correction);
    const after = await list(clerk, "class=9S2");
    expect([
      [early.statusCode, early.json<{ error: { code: string } }>().error.code],
      [byPrincipal.statusCode, byPrincipal.json<{ error: { code: string } }>().error.code],
      [started.statusCode, started.json<{ supersedes: string; status: string }>()],
      [twice.statusCode, twice.json<{ error: { code: string } }>().error.code],
      reimport.drafts[0]!.outcome,
      read.json<{ document: { supersedes?: string } }>().document.supersedes,
      after.map((d) => [d.id, d.status]).sort(),
    ]).toEqual([
      [409, "CONFLICT"],
      [403, "FORBIDDEN"],
      [201, { id: expect.any(String) as unknown, supersedes: original, status: "draft" }],
      [409, "CONFLICT"],
      "replaced",
      original,
      [
        [original, "superseded"],
        [correction, "pending"],
      ].sort(),
    ]);
  });
});
