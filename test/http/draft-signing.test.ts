import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../service/src/adapters/db/database";
import { parseDetachedSignedData } from "../../service/src/core/pki/cms";
import { signDetached } from "../../service/src/core/pki";
import { XLSX_TYPE } from "../../service/src/http/routes/drafts";
import { apiKeyFor, settle } from "../helpers/app";
import { startBackendApp, type BackendApp } from "../helpers/backend-app";
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
  refusal?: unknown;
}

describe.each(backends)("signing drafts in the school workspace on $name", (backend) => {
  let db: Database;
  let t: BackendApp;
  let app: FastifyInstance;
  let clerk: TestSession;
  let homeroom: TestSession;
  let otherHomeroom: TestSession;
  let principal: TestSession;
  let otherClerk: TestSession;
  /** The homeroom teacher of 9S5 and 9S6, and the seal holder: sharing and refused submissions. */
  let followHomeroom: TestSession;
  let seal: TestSession;

  beforeAll(async () => {
    t = await startBackendApp(backend, dir, {
      pki,
      staffSignIn: { policy: TEST_SESSION_POLICY, secureCookies: false },
    });
    db = t.db;
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
    followHomeroom = await sessionFor(db, {
      subject: "gvcn-f",
      name: "Trần Thị Mai",
      school: SCHOOL_CODE,
      roles: ["homeroom"],
      classes: ["9S5", "9S6"],
    });
    seal = await sessionFor(db, {
      subject: "seal",
      name: "Đỗ Minh Tuấn",
      school: SCHOOL_CODE,
      roles: ["seal"],
    });
  });
  afterAll(async () => {
    await t?.dispose();
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

  const call = (session: TestSession, method: "GET" | "POST" | "DELETE", url: string, payload?: unknown) =>
    app.inject({
      method,
      url,
      headers: session.headers(method !== "GET"),
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
  const codeOf = (res: { statusCode: number; json<T>(): T }) => [
    res.statusCode,
    res.json<{ error: { code: string } }>().error.code,
  ];
  const idsOf = (res: { json<T>(): T }) => res.json<{ drafts: { id: string }[] }>().drafts.map((d) => d.id);

  /** Signs `ids` as `who` (the test PKI's certificate of that role) and sends them in one batch. */
  async function signBatch(session: TestSession, ids: string[], who: "homeroom" | "principal") {
    const signatures = [];
    for (const id of ids)
      signatures.push({
        draftId: id,
        signature: await sign(session, id, signerOf(pki[who], pki.intermediate)),
      });
    const res = await call(session, "POST", "/api/v1/drafts/signatures", { signatures });
    return res.json<{ results: { ok: boolean; status: string; refusal?: unknown }[] }>().results;
  }

  it("lets the clerk, the class's homeroom teacher and the principal share an anchored transcript through a link that opens its credential until revoked, and refuses everyone else", async () => {
    const [anchored, unsigned] = idsOf(await importClass(clerk, "S5", 2));
    await signBatch(followHomeroom, [anchored!], "homeroom");
    await signBatch(principal, [anchored!], "principal");
    await settle(t.anchoring);
    const share = (session: TestSession, id = anchored!, body: unknown = { expiresInDays: 7 }) =>
      call(session, "POST", `/api/v1/drafts/${id}/shares`, body);

    const byClerk = await share(clerk);
    const made = byClerk.json<{
      token: string;
      url: string;
      share: { id: string; expiresAt: string; createdAt: string };
    }>();
    const credentialUrl = decodeURIComponent(made.url.split("#credential=")[1]!);
    const openedLink = await app.inject({
      method: "GET",
      url: new URL(credentialUrl).pathname + new URL(credentialUrl).search,
    });
    const byHomeroom = await share(followHomeroom, anchored, {});
    const byPrincipal = await share(principal, anchored, { withhold: ["citizenId"] });
    const refusals = [
      codeOf(await share(seal)),
      codeOf(await share(otherHomeroom)),
      codeOf(await share(otherClerk)),
      codeOf(await share(clerk, unsigned)),
      codeOf(await share(clerk, anchored, { expiresInDays: 400 })),
      codeOf(
        await app.inject({
          method: "POST",
          url: `/api/v1/drafts/${anchored}/shares`,
          headers: clerk.headers(false),
          payload: {},
        }),
      ),
    ];
    const device = await call(principal, "POST", "/api/v1/staff/device-tokens", { label: "trạm ký" });
    const byDevice = await app.inject({
      method: "POST",
      url: `/api/v1/drafts/${anchored}/shares`,
      headers: { authorization: `Bearer ${device.json<{ token: string }>().token}` },
      payload: {},
    });
    const revoked = await call(
      followHomeroom,
      "POST",
      `/api/v1/drafts/${anchored}/shares/${made.share.id}/revoke`,
    );
    const afterRevoke = await app.inject({
      method: "GET",
      url: new URL(credentialUrl).pathname + new URL(credentialUrl).search,
    });
    const listed = await call(clerk, "GET", `/api/v1/drafts/${anchored}/shares`);
    const { rows: audited } = await db.query<{ actor: string; action: string }>(
      `SELECT actor, action FROM audit_log WHERE subject = $1 AND action LIKE 'share%' ORDER BY id`,
      [anchored],
    );
    expect([
      byClerk.statusCode,
      made.url.startsWith("http://localhost"),
      Date.parse(made.share.expiresAt) - Date.parse(made.share.createdAt),
      [openedLink.statusCode, openedLink.json<{ format: string; document: { id: string } }>().document.id],
      byHomeroom.statusCode,
      [byPrincipal.statusCode, byPrincipal.json<{ share: { withhold: string[] } }>().share.withhold],
      refusals,
      codeOf(byDevice),
      [revoked.statusCode, revoked.json<{ state: string; opened: number }>()],
      codeOf(afterRevoke),
      listed
        .json<{ shares: { id: string; state: string; opened: number }[] }>()
        .shares.map((s) => [s.state, s.opened]),
      audited,
      JSON.stringify(listed.json()).includes(made.token),
    ]).toEqual([
      201,
      true,
      7 * 86_400_000,
      [200, anchored],
      201,
      [201, ["citizenId"]],
      [
        [403, "FORBIDDEN"],
        [404, "NOT_FOUND"],
        [404, "NOT_FOUND"],
        [409, "CONFLICT"],
        [400, "SCHEMA_INVALID"],
        [403, "CSRF_INVALID"],
      ],
      [403, "FORBIDDEN"],
      [200, expect.objectContaining({ id: made.share.id, state: "revoked", opened: 1 }) as unknown],
      [410, "SHARE_REVOKED"],
      [
        ["active", 0],
        ["active", 0],
        ["revoked", 1],
      ],
      [
        { actor: "staff:clerk@https://idp.test.invalid", action: "share.created" },
        { actor: "staff:gvcn-f@https://idp.test.invalid", action: "share.created" },
        { actor: "staff:ht@https://idp.test.invalid", action: "share.created" },
        { actor: "staff:gvcn-f@https://idp.test.invalid", action: "share.revoked" },
        { actor: "staff:clerk@https://idp.test.invalid", action: "shares.listed" },
      ],
      false,
    ]);
  });

  it("keeps a draft whose final submission is refused as refused with its reason, submits it again once the registry is put right, and lets its signer remove the signature at fault and sign again", async () => {
    const [retried, resigned] = idsOf(await importClass(clerk, "S6", 2));
    expect((await signBatch(followHomeroom, [retried!, resigned!], "homeroom")).map((r) => r.status)).toEqual(
      ["awaiting", "awaiting"],
    );
    // The homeroom teacher's certificate leaves the registry before the principal signs.
    await db.query(
      "UPDATE issuer_certificates SET removed_at = now() - interval '1 second' WHERE fingerprint = $1 AND removed_at IS NULL",
      [fingerprintOf(pki.homeroom)],
    );
    const principalSigned = await signBatch(principal, [retried!, resigned!], "principal");
    const refusal = {
      code: "SIGNER_NOT_AUTHORIZED",
      message: expect.stringContaining("not authorized to sign for") as unknown,
      at: expect.any(String) as unknown,
      transient: false,
      signature: {
        role: "homeroom",
        certificate: expect.any(String) as unknown,
        fingerprint: fingerprintOf(pki.homeroom),
      },
    };
    const listedRefused = await list(clerk, "class=9S6");
    const read = await call(clerk, "GET", `/api/v1/drafts/${retried}`);
    const signAgain = await call(principal, "POST", `/api/v1/drafts/${retried}/signatures`, {
      signature: await sign(principal, retried!, signerOf(pki.principal, pki.intermediate)),
    });
    const retryRefused = await call(clerk, "POST", `/api/v1/drafts/${retried}/submission`);
    const removeByClerk = await call(clerk, "DELETE", `/api/v1/drafts/${resigned}/signatures/homeroom`);
    const removeBySeal = await call(seal, "DELETE", `/api/v1/drafts/${resigned}/signatures/homeroom`);
    const removed = await call(followHomeroom, "DELETE", `/api/v1/drafts/${resigned}/signatures/homeroom`);
    const removedAgain = await call(
      followHomeroom,
      "DELETE",
      `/api/v1/drafts/${resigned}/signatures/homeroom`,
    );
    const { rows: cms } = await db.query<{ signature: Uint8Array }>(
      "SELECT signature FROM drafts WHERE id = $1",
      [resigned],
    );

    // The department registers the certificate again: a retry passes; the other is signed anew.
    await db.query(
      `INSERT INTO issuer_certificates (issuer_code, fingerprint, certificate, subject, role, added_at)
       VALUES ($1, $2, $3, 'homeroom', 'homeroom', now() - interval '1 second')`,
      [SCHOOL_CODE, fingerprintOf(pki.homeroom), pki.homeroom.certificate],
    );
    const retry = await call(followHomeroom, "POST", `/api/v1/drafts/${retried}/submission`);
    const resignedResult = await signBatch(followHomeroom, [resigned!], "homeroom");
    const retryAgain = await call(clerk, "POST", `/api/v1/drafts/${retried}/submission`);
    const removeSubmitted = await call(principal, "DELETE", `/api/v1/drafts/${retried}/signatures/principal`);
    const [unsigned] = idsOf(await importClass(clerk, "S7", 1));
    const retryUnsigned = await call(clerk, "POST", `/api/v1/drafts/${unsigned}/submission`);
    const { rows: audited } = await db.query<{ action: string; details: Record<string, unknown> }>(
      `SELECT action, details FROM audit_log WHERE subject = ANY($1::text[])
          AND action IN ('draft.submission_refused', 'draft.submission_retried', 'draft.signature_removed')
        ORDER BY id`,
      [[retried, resigned]],
    );
    expect([
      principalSigned,
      listedRefused.map((d) => [d.status, d.awaitingRoles, d.refusal]),
      [read.statusCode, read.json<{ status: string; refusal: unknown; awaitingRoles: string[] }>()],
      codeOf(signAgain),
      [...codeOf(retryRefused), retryRefused.json<{ error: { details: unknown } }>().error.details],
      codeOf(removeByClerk),
      codeOf(removeBySeal),
      [removed.statusCode, removed.json()],
      codeOf(removedAgain),
      parseDetachedSignedData(new Uint8Array(cms[0]!.signature)).signers.length,
      [retry.statusCode, retry.json<{ status: string }>().status],
      resignedResult.map((r) => [r.ok, r.status, r.refusal]),
      codeOf(retryAgain),
      codeOf(removeSubmitted),
      codeOf(retryUnsigned),
      (await list(clerk, "class=9S6")).map((d) => [d.status, d.refusal]),
      audited.map((a) => [a.action, a.details.code ?? a.details.role ?? a.details.after]),
    ]).toEqual([
      [
        {
          ok: true,
          id: retried,
          status: "refused",
          awaitingRoles: [],
          signatures: expect.any(Array) as unknown,
          refusal,
        },
        {
          ok: true,
          id: resigned,
          status: "refused",
          awaitingRoles: [],
          signatures: expect.any(Array) as unknown,
          refusal,
        },
      ],
      [
        ["refused", [], refusal],
        ["refused", [], refusal],
      ],
      [200, expect.objectContaining({ status: "refused", awaitingRoles: [], refusal }) as unknown],
      [409, "DRAFT_ALREADY_SIGNED"],
      [422, "DRAFT_SUBMISSION_REFUSED", { refusal }],
      [403, "FORBIDDEN"],
      [403, "FORBIDDEN"],
      [
        200,
        {
          id: resigned,
          status: "awaiting",
          awaitingRoles: ["homeroom"],
          signatures: [expect.objectContaining({ role: "principal", name: "Nguyễn Văn Hùng" }) as unknown],
        },
      ],
      [404, "NOT_FOUND"],
      1,
      [202, "pending"],
      [[true, "pending", undefined]],
      [409, "DRAFT_ALREADY_SIGNED"],
      [409, "DRAFT_ALREADY_SIGNED"],
      [409, "CONFLICT"],
      [
        ["pending", null],
        ["pending", null],
      ],
      [
        ["draft.submission_refused", "SIGNER_NOT_AUTHORIZED"],
        ["draft.submission_refused", "SIGNER_NOT_AUTHORIZED"],
        ["draft.submission_retried", "SIGNER_NOT_AUTHORIZED"],
        ["draft.submission_refused", "SIGNER_NOT_AUTHORIZED"],
        ["draft.signature_removed", "homeroom"],
        ["draft.submission_retried", "SIGNER_NOT_AUTHORIZED"],
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

  it("refuses an import for a school code that is malformed or not among the clerk's", async () => {
    const file = Buffer.from(await xlsxOf(testClass(1, 71, "S3")));
    const importFor = (school: string) =>
      app.inject({
        method: "POST",
        url: `/api/v1/drafts/import?school=${encodeURIComponent(school)}`,
        headers: { ...clerk.headers(), "content-type": XLSX_TYPE },
        payload: file,
      });
    const answers = await Promise.all(["a\u0000b", "79000799"].map(importFor));
    expect(answers.map((a) => [a.statusCode, a.json<{ error: { code: string } }>().error.code])).toEqual([
      [400, "SCHEMA_INVALID"],
      [404, "NOT_FOUND"],
    ]);
  });
});
