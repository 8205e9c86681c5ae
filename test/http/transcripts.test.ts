import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../service/src/adapters/db/database";
import { migrate } from "../../service/src/adapters/db/migrate";
import {
  assertValidDocument,
  canonicalBytes,
  docHash,
  leafOf,
  type Transcript,
} from "../../service/src/core/documents";
import type { HocbaError } from "../../service/src/core/errors";
import { ANCHOR_LOOKUPS_PER_MINUTE } from "../../service/src/http/routes/anchors";
import { SHARE_READS_PER_MINUTE } from "../../service/src/http/routes/transcripts";
import { BATCH_OF_DOCUMENT } from "../../service/src/issuance/stores/batches";
import { apiKeyFor, buildTestApp, settle, signedItem, type TestApp } from "../helpers/app";
import { startChain, stopChain, type TestChain } from "../helpers/chain";
import { databaseBackends } from "../helpers/databases";
import { makeTranscript, withValue } from "../helpers/fixtures";
import { registerDistrict } from "../helpers/graduates";
import { fingerprintOf, makeSchoolPki, SCHOOL_CODE, signerOf, type SchoolPki } from "../helpers/pki";

const backends = await databaseBackends();
const dir = mkdtempSync(path.join(os.tmpdir(), "hocba-http-transcripts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OTHER_SCHOOL = "79000702";
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const HEX32 = /^0x[0-9a-f]{64}$/;
let pki: SchoolPki;
let outsider: SchoolPki;

beforeAll(async () => {
  [pki, outsider] = await Promise.all([makeSchoolPki("P-256"), makeSchoolPki("P-256")]);
});

let seed = 52_000;
function transcript(school = SCHOOL_CODE): Transcript {
  return makeTranscript({
    seed: seed++,
    school: { code: school, name: "Trường THCS Nguyễn Du", province: "79", level: "THCS" },
  });
}

function thrown(fn: () => unknown): HocbaError {
  try {
    fn();
  } catch (error) {
    return error as HocbaError;
  }
  throw new Error("expected a throw");
}

describe.each(backends)("the transcripts API on $name", (backend) => {
  let db: Database;
  let opened: Awaited<ReturnType<typeof backend.open>>;
  let chain: TestChain;
  let t: TestApp;
  let app: FastifyInstance;
  let otherKey: string;
  let verifierKey: string;

  beforeAll(async () => {
    opened = await backend.open();
    db = opened.db;
    await migrate(db);
    chain = await startChain(path.join(dir, `${backend.name}.json`), undefined, undefined, { revoker: true });
    t = await buildTestApp({ db, chain, pki });
    app = t.app;
    otherKey = await apiKeyFor(db, OTHER_SCHOOL);
    verifierKey = await apiKeyFor(db, SCHOOL_CODE, "verifier");
  });
  afterAll(async () => {
    await app?.close();
    if (chain) await stopChain(chain);
    await opened?.dispose();
  });

  const auth = (key: string) => ({ authorization: `Bearer ${key}` });
  const school = () => auth(t.schoolKey);
  const admin = () => auth(t.adminToken);
  const reply = (res: LightMyRequestResponse) => [res.statusCode, res.json<unknown>()];

  async function submit(document: Transcript = transcript()): Promise<{ id: string; docHash: string }> {
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/transcripts",
      headers: school(),
      payload: await signedItem(pki, document),
    });
    expect(res.statusCode).toBe(202);
    return res.json<{ id: string; docHash: string }>();
  }

  async function anchored(): Promise<{ id: string; docHash: string; document: Transcript }> {
    const document = transcript();
    const submitted = await submit(document);
    await settle(t.anchoring);
    return { ...submitted, document };
  }

  /** The batch row of document `id`. */
  async function batchOf(id: string) {
    const { rows } = await db.query<{
      root: string;
      tx_hash: string;
      block_number: number;
      anchored_at: Date;
      leaf_count: number;
    }>(
      `SELECT b.root, b.tx_hash, b.block_number, b.anchored_at, b.leaf_count
         FROM batches b JOIN documents d ON ${BATCH_OF_DOCUMENT} WHERE d.id = $1`,
      [id],
    );
    return rows[0]!;
  }

  describe("POST /transcripts", () => {
    it("stores a signed transcript (202), answers 200 with the same id for the same document, and asks for anchoring once", async () => {
      const document = transcript();
      const item = await signedItem(pki, document);
      const before = t.triggers();
      const first = await app.inject({
        method: "POST",
        url: "/api/v1/transcripts",
        headers: school(),
        payload: item,
      });
      const again = await app.inject({
        method: "POST",
        url: "/api/v1/transcripts",
        headers: school(),
        payload: item,
      });
      const body = { id: document.id, docHash: docHash(document), status: "pending" };
      expect([reply(first), reply(again), t.triggers() - before]).toEqual([[202, body], [200, body], 1]);
    });

    it("lets the admin submit for any school", async () => {
      const document = transcript();
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/transcripts",
        headers: admin(),
        payload: await signedItem(pki, document),
      });
      expect(reply(res)).toEqual([202, { id: document.id, docHash: docHash(document), status: "pending" }]);
    });

    it("answers 401 without a key and with an unknown key, 403 to a verifier key", async () => {
      const payload = await signedItem(pki, transcript());
      const none = await app.inject({ method: "POST", url: "/api/v1/transcripts", payload });
      const unknown = await app.inject({
        method: "POST",
        url: "/api/v1/transcripts",
        headers: auth("hocba_i_000000000000_" + "A".repeat(43)),
        payload,
      });
      const verifier = await app.inject({
        method: "POST",
        url: "/api/v1/transcripts",
        headers: auth(verifierKey),
        payload,
      });
      expect([reply(none), reply(unknown), reply(verifier)]).toEqual([
        [401, { error: { code: "UNAUTHORIZED", message: "missing bearer token" } }],
        [401, { error: { code: "UNAUTHORIZED", message: "invalid or revoked credentials" } }],
        [403, { error: { code: "FORBIDDEN", message: "this route is for schools" } }],
      ]);
    });

    it("refuses another school's transcript with 403 FORBIDDEN", async () => {
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/transcripts",
        headers: school(),
        payload: await signedItem(pki, transcript(OTHER_SCHOOL)),
      });
      expect(reply(res)).toEqual([
        403,
        {
          error: {
            code: "FORBIDDEN",
            message: `this API key belongs to ${SCHOOL_CODE}, not to school ${OTHER_SCHOOL}`,
          },
        },
      ]);
    });

    it("answers 400 SCHEMA_INVALID with every problem of the document", async () => {
      const broken = withValue(
        withValue(transcript(), "/years/0/subjects/0/term1", 11),
        "/student/dateOfBirth",
        "x",
      );
      const expected = thrown(() => assertValidDocument(broken));
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/transcripts",
        headers: school(),
        payload: await signedItem(pki, broken),
      });
      expect([reply(res), (expected.details as unknown[]).length >= 2]).toEqual([
        [400, { error: expected.toJSON() }],
        true,
      ]);
    });

    it("answers 400 SCHEMA_INVALID when the body lacks the signature", async () => {
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/transcripts",
        headers: school(),
        payload: { document: transcript() },
      });
      expect(reply(res)).toEqual([
        400,
        {
          error: {
            code: "SCHEMA_INVALID",
            message: "the request does not match the schema",
            details: [
              { path: "/body", code: "SCHEMA_REQUIRED", message: "must have required property 'signature'" },
            ],
          },
        },
      ]);
    });

    it("answers each signature and certificate failure with its code and status", async () => {
      const tampered = await signedItem(pki, transcript());
      (tampered.document as Transcript).student.fullName = "Nguyễn Văn Giả";
      const cases = {
        SIGNATURE_MALFORMED: { document: transcript(), signature: "not base64!" },
        DIGEST_MISMATCH: tampered,
        CERT_UNTRUSTED: await signedItem(
          pki,
          transcript(),
          signerOf(outsider.principal, outsider.intermediate),
        ),
        SIGNER_NOT_AUTHORIZED: await signedItem(pki, transcript(), signerOf(pki.homeroom, pki.intermediate)),
      };
      const answers: Record<string, [number, string]> = {};
      for (const [name, payload] of Object.entries(cases)) {
        const res = await app.inject({
          method: "POST",
          url: "/api/v1/transcripts",
          headers: school(),
          payload,
        });
        answers[name] = [res.statusCode, res.json<{ error: { code: string } }>().error.code];
      }
      expect(answers).toEqual({
        SIGNATURE_MALFORMED: [400, "SIGNATURE_MALFORMED"],
        DIGEST_MISMATCH: [422, "DIGEST_MISMATCH"],
        CERT_UNTRUSTED: [422, "CERT_UNTRUSTED"],
        SIGNER_NOT_AUTHORIZED: [403, "SIGNER_NOT_AUTHORIZED"],
      });
    });

    it("answers 409 CONFLICT for another document with an id already used", async () => {
      const first = transcript();
      await submit(first);
      const changed = withValue(first, "/student/fullName", "Nguyễn Thị Khác") as Transcript;
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/transcripts",
        headers: school(),
        payload: await signedItem(pki, changed),
      });
      expect(reply(res)).toEqual([
        409,
        {
          error: { code: "CONFLICT", message: `document id ${first.id} is already used by another document` },
        },
      ]);
    });

    it("answers 413 PAYLOAD_TOO_LARGE for a body over the limit", async () => {
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/transcripts",
        headers: { ...school(), "content-type": "application/json" },
        payload: JSON.stringify({ document: { padding: "x".repeat(6_100_000) }, signature: "" }),
      });
      expect(reply(res)).toEqual([
        413,
        { error: { code: "PAYLOAD_TOO_LARGE", message: "the request body is too large" } },
      ]);
    });
  });

  describe("POST /transcripts/batch", () => {
    it("answers 207 with one result per item in input order: stored, already stored, and each failure", async () => {
      const fresh = transcript();
      const known = transcript();
      await submit(known);
      const tampered = await signedItem(pki, transcript());
      (tampered.document as Transcript).student.fullName = "Nguyễn Văn Giả";
      const before = t.triggers();
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/transcripts/batch",
        headers: school(),
        payload: {
          items: [await signedItem(pki, fresh), await signedItem(pki, known), tampered, "not an item"],
        },
      });
      expect([reply(res), t.triggers() - before]).toEqual([
        [
          207,
          {
            results: [
              { index: 0, status: 202, body: { id: fresh.id, docHash: docHash(fresh), status: "pending" } },
              { index: 1, status: 200, body: { id: known.id, docHash: docHash(known), status: "pending" } },
              {
                index: 2,
                status: 422,
                body: {
                  error: {
                    code: "DIGEST_MISMATCH",
                    message: expect.stringMatching(
                      /^message digest 0x[0-9a-f]{64} is not the document's SHA-256/,
                    ) as unknown,
                    details: expect.objectContaining({ ok: false }) as unknown,
                  },
                },
              },
              {
                index: 3,
                status: 400,
                body: { error: { code: "SCHEMA_INVALID", message: "an item is {document, signature}" } },
              },
            ],
          },
        ],
        1,
      ]);
    });

    it("refuses more than 1,000 items, and none, with 400 SCHEMA_INVALID", async () => {
      const item = { document: {}, signature: "" };
      const tooMany = await app.inject({
        method: "POST",
        url: "/api/v1/transcripts/batch",
        headers: school(),
        payload: { items: new Array(1001).fill(item) },
      });
      const none = await app.inject({
        method: "POST",
        url: "/api/v1/transcripts/batch",
        headers: school(),
        payload: { items: [] },
      });
      const envelope = (code: string, message: string) => ({
        error: {
          code: "SCHEMA_INVALID",
          message: "the request does not match the schema",
          details: [
            {
              path: "/body/items",
              code,
              message,
            },
          ],
        },
      });
      expect([reply(tooMany), reply(none)]).toEqual([
        [400, envelope("SCHEMA_MAXITEMS", "must NOT have more than 1000 items")],
        [400, envelope("SCHEMA_MINITEMS", "must NOT have fewer than 1 items")],
      ]);
    });

    it("answers 401 without a key", async () => {
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/transcripts/batch",
        payload: { items: [] },
      });
      expect(res.statusCode).toBe(401);
    });
  });

  describe("GET /transcripts/:id", () => {
    it("shows a pending transcript to its school and audits the read", async () => {
      const document = transcript();
      const { id } = await submit(document);
      const res = await app.inject({ method: "GET", url: `/api/v1/transcripts/${id}`, headers: school() });
      const body = res.json<{ submittedAt: string }>();
      expect([res.statusCode, body, body.submittedAt]).toEqual([
        200,
        {
          id,
          type: "hocba.transcript/v1",
          schoolCode: SCHOOL_CODE,
          docHash: docHash(document),
          leaf: leafOf(docHash(document)),
          status: "pending",
          supersedes: null,
          supersededBy: null,
          revokedAt: null,
          revocationReason: null,
          submittedAt: body.submittedAt,
          anchor: null,
        },
        expect.stringMatching(ISO) as unknown,
      ]);
      const audit = await db.query(
        "SELECT actor, action, details FROM audit_log WHERE subject = $1 ORDER BY id",
        [id],
      );
      expect(
        audit.rows.map((r) => [(r.actor as string).split(":").slice(0, 2).join(":"), r.action, r.details]),
      ).toEqual([
        ["issuer:79000701", "document.submitted", null],
        ["issuer:79000701", "document.read", { view: "status" }],
      ]);
    });

    it("shows an anchored transcript with its anchor, to the admin too", async () => {
      const { id } = await anchored();
      const res = await app.inject({ method: "GET", url: `/api/v1/transcripts/${id}`, headers: admin() });
      const batch = await batchOf(id);
      const body = res.json<{ status: string; anchor: unknown }>();
      expect([res.statusCode, body.status, body.anchor]).toEqual([
        200,
        "anchored",
        {
          merkleRoot: batch.root,
          txHash: batch.tx_hash,
          blockNumber: batch.block_number,
          anchoredAt: batch.anchored_at.toISOString(),
        },
      ]);
    });

    it("shows a corrected transcript as superseded, pointing to its correction and back", async () => {
      const { id: oldId } = await submit();
      const correction = { ...transcript(), supersedes: oldId };
      const { id: newId } = await submit(correction);
      const view = async (id: string) =>
        (await app.inject({ method: "GET", url: `/api/v1/transcripts/${id}`, headers: school() })).json<{
          status: string;
          supersedes: string | null;
          supersededBy: string | null;
        }>();
      const [old, fresh] = [await view(oldId), await view(newId)];
      expect([
        [old.status, old.supersedes, old.supersededBy],
        [fresh.status, fresh.supersedes, fresh.supersededBy],
      ]).toEqual([
        ["superseded", null, newId],
        ["pending", oldId, null],
      ]);
    });

    it("answers 404 to another school exactly as for an unknown id, and 400 for a malformed id", async () => {
      const { id } = await submit();
      const other = await app.inject({
        method: "GET",
        url: `/api/v1/transcripts/${id}`,
        headers: auth(otherKey),
      });
      const unknownId = "00000000-0000-4000-8000-00000000abcd";
      const unknown = await app.inject({
        method: "GET",
        url: `/api/v1/transcripts/${unknownId}`,
        headers: school(),
      });
      const malformed = await app.inject({
        method: "GET",
        url: "/api/v1/transcripts/nope",
        headers: school(),
      });
      expect([
        reply(other),
        reply(unknown),
        malformed.statusCode,
        malformed.json<{ error: { code: string } }>().error.code,
      ]).toEqual([
        [404, { error: { code: "NOT_FOUND", message: `no document ${id}` } }],
        [404, { error: { code: "NOT_FOUND", message: `no document ${unknownId}` } }],
        400,
        "SCHEMA_INVALID",
      ]);
    });
  });

  describe("existence oracles", () => {
    const unknownId = "00000000-0000-4000-8000-0000000000ee";
    /** An answer with the document id asked about written as <id>, to compare answers for two ids. */
    const answerFor = (res: LightMyRequestResponse, id: string) => [
      res.statusCode,
      JSON.parse(res.body.split(id).join("<id>")) as unknown,
    ];
    /** The other school may sign with the same principal's certificate: its submissions get past the signature checks. */
    beforeAll(async () => {
      await db.query(
        `INSERT INTO issuer_certificates (issuer_code, fingerprint, certificate, subject, role, added_at)
         SELECT $1, $2, $3, 'principal', 'principal', now() - interval '1 day'
          WHERE NOT EXISTS (SELECT 1 FROM issuer_certificates WHERE issuer_code = $1 AND fingerprint = $2)`,
        [OTHER_SCHOOL, fingerprintOf(pki.principal), pki.principal.certificate],
      );
    });

    it("answers a correction of another school's document exactly as one of an unknown id, alone and in a batch", async () => {
      const { id } = await submit();
      const correct = async (supersedes: string, url = "/api/v1/transcripts") => {
        const item = await signedItem(pki, { ...transcript(OTHER_SCHOOL), supersedes });
        return app.inject({
          method: "POST",
          url,
          headers: auth(otherKey),
          payload: url.endsWith("batch") ? { items: [item] } : item,
        });
      };
      const notFound = [404, { error: { code: "NOT_FOUND", message: "supersedes <id>: no such document" } }];
      expect([
        answerFor(await correct(id), id),
        answerFor(await correct(unknownId), unknownId),
        answerFor(await correct(id, "/api/v1/transcripts/batch"), id),
        answerFor(await correct(unknownId, "/api/v1/transcripts/batch"), unknownId),
      ]).toEqual([
        notFound,
        notFound,
        [207, { results: [{ index: 0, status: 404, body: notFound[1] }] }],
        [207, { results: [{ index: 0, status: 404, body: notFound[1] }] }],
      ]);
      const view = await app.inject({ method: "GET", url: `/api/v1/transcripts/${id}`, headers: school() });
      expect(view.json<{ status: string; supersededBy: string | null }>()).toMatchObject({
        status: "pending",
        supersededBy: null,
      });
    });

    it("answers a new document reusing another school's id as one reusing the school's own: no owner, no state", async () => {
      const mine = transcript();
      const theirs = transcript(OTHER_SCHOOL);
      await submit(mine);
      const other = await app.inject({
        method: "POST",
        url: "/api/v1/transcripts",
        headers: auth(otherKey),
        payload: await signedItem(pki, theirs),
      });
      expect(other.statusCode).toBe(202);
      const reuse = async (id: string) =>
        answerFor(
          await app.inject({
            method: "POST",
            url: "/api/v1/transcripts",
            headers: school(),
            payload: await signedItem(pki, { ...transcript(), id }),
          }),
          id,
        );
      const conflict = [
        409,
        { error: { code: "CONFLICT", message: "document id <id> is already used by another document" } },
      ];
      expect([await reuse(theirs.id), await reuse(mine.id)]).toEqual([conflict, conflict]);
    });

    it("answers every route on another school's document exactly as on an unknown id", async () => {
      const { id } = await anchored();
      const routes: [string, string, unknown?][] = [
        ["GET", "/api/v1/transcripts/<id>"],
        ["GET", "/api/v1/transcripts/<id>/credential"],
        ["GET", "/api/v1/transcripts/<id>/pdf"],
        ["POST", "/api/v1/transcripts/<id>/revoke", { reason: "x" }],
        ["POST", "/api/v1/transcripts/<id>/share"],
        ["DELETE", "/api/v1/transcripts/<id>/share/0123456789abcdef"],
      ];
      const ask = async (docId: string) => {
        const answers = [];
        for (const [method, url, payload] of routes) {
          const res = await app.inject({
            method: method as "GET",
            url: url.replace("<id>", docId),
            headers: auth(otherKey),
            ...(payload === undefined ? {} : { payload: payload as object }),
          });
          answers.push(answerFor(res, docId));
        }
        return answers;
      };
      const notFound = [404, { error: { code: "NOT_FOUND", message: "no document <id>" } }];
      expect(await ask(id)).toEqual(routes.map(() => notFound));
      expect(await ask(unknownId)).toEqual(routes.map(() => notFound));
      const status = await app.inject({ method: "GET", url: `/api/v1/transcripts/${id}`, headers: school() });
      expect(status.json<{ status: string }>().status).toBe("anchored");
    });

    it("refuses a district office's key on every transcripts route (403), and a school key on the graduates import", async () => {
      const district = await registerDistrict(db, pki);
      const { id } = await submit();
      const routes: [string, string, unknown?][] = [
        ["POST", "/api/v1/transcripts", await signedItem(pki, transcript(district.code))],
        ["POST", "/api/v1/transcripts/batch", { items: [await signedItem(pki, transcript(district.code))] }],
        ["GET", `/api/v1/transcripts/${id}`],
        ["GET", `/api/v1/transcripts/${id}/credential`],
        ["GET", `/api/v1/transcripts/${id}/pdf`],
        ["POST", `/api/v1/transcripts/${id}/revoke`, { reason: "x" }],
        ["POST", `/api/v1/transcripts/${id}/share`],
        ["DELETE", `/api/v1/transcripts/${id}/share/0123456789abcdef`],
      ];
      const answers = [];
      for (const [method, url, payload] of routes) {
        const res = await app.inject({
          method: method as "GET",
          url,
          headers: auth(district.apiKey),
          ...(payload === undefined ? {} : { payload: payload as object }),
        });
        answers.push(reply(res));
      }
      const forbidden = [403, { error: { code: "FORBIDDEN", message: "this route is for schools" } }];
      expect(answers).toEqual(routes.map(() => forbidden));
      const schoolImport = await app.inject({
        method: "POST",
        url: "/api/v1/graduates/import",
        headers: school(),
        payload: { file: "YQ==", signature: "YQ==" },
      });
      expect(reply(schoolImport)).toEqual([
        403,
        {
          error: {
            code: "FORBIDDEN",
            message: "this route is for district offices and departments (Sở GDĐT)",
          },
        },
      ]);
      const { rows } = await db.query("SELECT id FROM documents WHERE issuer_code = $1", [district.code]);
      expect(rows).toEqual([]);
    });
  });

  describe("GET /transcripts/:id/credential", () => {
    it("answers 409 NOT_ANCHORED_YET before the batch is confirmed, then the hocba/1 file whose proof verifies on chain", async () => {
      const document = transcript();
      const item = await signedItem(pki, document);
      await app.inject({ method: "POST", url: "/api/v1/transcripts", headers: school(), payload: item });
      const url = `/api/v1/transcripts/${document.id}/credential`;
      const early = await app.inject({ method: "GET", url, headers: school() });
      expect(reply(early)).toEqual([
        409,
        {
          error: {
            code: "NOT_ANCHORED_YET",
            message: `document ${document.id} is not anchored yet: try again after its batch is confirmed`,
          },
        },
      ]);

      await settle(t.anchoring);
      const res = await app.inject({ method: "GET", url, headers: school() });
      const credential = res.json<{ anchor: { proof: string[]; merkleRoot: string; leaf: string } }>();
      const batch = await batchOf(document.id);
      expect([res.statusCode, res.headers["content-disposition"], credential]).toEqual([
        200,
        `attachment; filename="${document.id}.hocba.json"`,
        {
          format: "hocba/1",
          document,
          signature: item.signature,
          anchor: {
            chainId: 31337,
            registry: chain.registry.address,
            merkleRoot: batch.root,
            leaf: leafOf(docHash(document)),
            proof: credential.anchor.proof,
            txHash: batch.tx_hash,
            blockNumber: batch.block_number,
            anchoredAt: batch.anchored_at.toISOString(),
          },
        },
      ]);
      const served = res.json<{ document: unknown }>().document;
      const onChain = (await chain.admin
        .getFunction("verify")
        .staticCall(
          credential.anchor.proof,
          credential.anchor.merkleRoot,
          credential.anchor.leaf,
        )) as boolean;
      expect([docHash(served), leafOf(docHash(served)), onChain, JSON.stringify(served)]).toEqual([
        docHash(document),
        credential.anchor.leaf,
        true,
        // Served in canonical member order (not jsonb's), so it hashes without reordering.
        new TextDecoder().decode(canonicalBytes(document)),
      ]);
      const audit = await db.query(
        "SELECT action, details FROM audit_log WHERE subject = $1 AND action = 'document.read' ORDER BY id",
        [document.id],
      );
      expect(audit.rows).toEqual([{ action: "document.read", details: { view: "credential" } }]);
    });

    it("answers 401 without a key or token, and 404 to another school", async () => {
      const { id } = await anchored();
      const url = `/api/v1/transcripts/${id}/credential`;
      const none = await app.inject({ method: "GET", url });
      const other = await app.inject({ method: "GET", url, headers: auth(otherKey) });
      expect([none.statusCode, reply(other)]).toEqual([
        401,
        [404, { error: { code: "NOT_FOUND", message: `no document ${id}` } }],
      ]);
    });
  });

  describe("POST /transcripts/:id/revoke", () => {
    it("revokes at once, puts the leaf on chain in the next round, and still serves the credential", async () => {
      const { id, docHash: hash } = await anchored();
      const leaf = leafOf(hash);
      const res = await app.inject({
        method: "POST",
        url: `/api/v1/transcripts/${id}/revoke`,
        headers: school(),
        payload: { reason: "Sai điểm môn Toán của học sinh Nguyễn Thị Ánh" },
      });
      const body = res.json<{ revokedAt: string }>();
      expect([res.statusCode, body]).toEqual([
        202,
        { id, status: "revoked", revokedAt: expect.stringMatching(ISO) as unknown },
      ]);

      await settle(t.anchoring);
      const credential = await app.inject({
        method: "GET",
        url: `/api/v1/transcripts/${id}/credential`,
        headers: school(),
      });
      const { anchor } = credential.json<{ anchor: { proof: string[]; merkleRoot: string } }>();
      const status = await app.inject({ method: "GET", url: `/api/v1/transcripts/${id}`, headers: school() });
      const revocation = await db.query("SELECT reason, state FROM revocations WHERE leaf = $1", [leaf]);
      expect([
        credential.statusCode,
        (await chain.registry.revokedAt(leaf)) > 0,
        await chain.admin.getFunction("verify").staticCall(anchor.proof, anchor.merkleRoot, leaf),
        status.json<{ status: string; revokedAt: string; revocationReason: string }>().status,
        status.json<{ revokedAt: string }>().revokedAt,
        status.json<{ revocationReason: string }>().revocationReason,
        revocation.rows,
      ]).toEqual([
        200,
        true,
        false,
        "revoked",
        body.revokedAt,
        "Sai điểm môn Toán của học sinh Nguyễn Thị Ánh",
        [{ reason: "revoked", state: "confirmed" }],
      ]);
    });

    it("answers 409 CONFLICT when already revoked, 404 to another school and for an unknown id", async () => {
      const { id } = await submit();
      const revoke = (headers: Record<string, string>, docId = id) =>
        app.inject({
          method: "POST",
          url: `/api/v1/transcripts/${docId}/revoke`,
          headers,
          payload: { reason: "x" },
        });
      const other = await revoke(auth(otherKey));
      const first = await revoke(admin());
      const again = await revoke(school());
      const unknown = await revoke(school(), "00000000-0000-4000-8000-00000000abce");
      expect([reply(other), first.statusCode, reply(again), unknown.statusCode]).toEqual([
        [404, { error: { code: "NOT_FOUND", message: `no document ${id}` } }],
        202,
        [409, { error: { code: "CONFLICT", message: `document ${id} is already revoked` } }],
        404,
      ]);
      const audit = await db.query(
        "SELECT actor, details FROM audit_log WHERE subject = $1 AND action = 'document.revoked'",
        [id],
      );
      expect(audit.rows).toEqual([
        { actor: "admin", details: { reason: "x", leaf: expect.stringMatching(HEX32) as unknown } },
      ]);
    });

    it("refuses an empty, blank or over-long reason with 400 SCHEMA_INVALID", async () => {
      const { id } = await submit();
      const codes = [];
      for (const reason of ["", "   ", "x".repeat(501)]) {
        const res = await app.inject({
          method: "POST",
          url: `/api/v1/transcripts/${id}/revoke`,
          headers: school(),
          payload: { reason },
        });
        codes.push([res.statusCode, res.json<{ error: { code: string } }>().error.code]);
      }
      expect(codes).toEqual([
        [400, "SCHEMA_INVALID"],
        [400, "SCHEMA_INVALID"],
        [400, "SCHEMA_INVALID"],
      ]);
    });
  });

  describe("share links", () => {
    it("lets anyone with the token fetch the credential until the school revokes the token", async () => {
      const { id, document } = await anchored();
      const created = await app.inject({
        method: "POST",
        url: `/api/v1/transcripts/${id}/share`,
        headers: school(),
      });
      const share = created.json<{ tokenId: string; token: string; url: string }>();
      expect([created.statusCode, share]).toEqual([
        201,
        {
          tokenId: expect.stringMatching(/^[0-9a-f]{16}$/) as unknown,
          token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) as unknown,
          url: `/api/v1/transcripts/${id}/credential?token=${share.token}`,
        },
      ]);
      const anonymous = await app.inject({ method: "GET", url: share.url, remoteAddress: "10.0.0.1" });
      expect([anonymous.statusCode, anonymous.json<{ document: unknown }>().document]).toEqual([
        200,
        document,
      ]);
      const stored = await db.query("SELECT token_hash FROM share_tokens WHERE id = $1", [share.tokenId]);
      expect(JSON.stringify(stored.rows)).not.toContain(share.token);

      const deleted = await app.inject({
        method: "DELETE",
        url: `/api/v1/transcripts/${id}/share/${share.tokenId}`,
        headers: school(),
      });
      const afterRevoke = await app.inject({ method: "GET", url: share.url, remoteAddress: "10.0.0.1" });
      const deletedAgain = await app.inject({
        method: "DELETE",
        url: `/api/v1/transcripts/${id}/share/${share.tokenId}`,
        headers: school(),
      });
      expect([deleted.statusCode, deleted.body, reply(afterRevoke), deletedAgain.statusCode]).toEqual([
        204,
        "",
        [404, { error: { code: "NOT_FOUND", message: `no document ${id}` } }],
        404,
      ]);
      const audit = await db.query(
        "SELECT actor, action FROM audit_log WHERE subject = $1 AND action <> 'document.submitted' ORDER BY id",
        [id],
      );
      expect(audit.rows.map((r) => [(r.actor as string).split(":")[0], r.action])).toEqual([
        ["issuer", "share_token.created"],
        ["share", "document.read"],
        ["issuer", "share_token.revoked"],
      ]);
    });

    it("answers 404 alike for an unknown token and a token of another document", async () => {
      const a = await anchored();
      const b = await anchored();
      const { token } = (
        await app.inject({ method: "POST", url: `/api/v1/transcripts/${a.id}/share`, headers: school() })
      ).json<{ token: string }>();
      const wrongDocument = await app.inject({
        method: "GET",
        url: `/api/v1/transcripts/${b.id}/credential?token=${token}`,
        remoteAddress: "10.0.0.2",
      });
      const unknown = await app.inject({
        method: "GET",
        url: `/api/v1/transcripts/${a.id}/credential?token=${"A".repeat(43)}`,
        remoteAddress: "10.0.0.2",
      });
      expect([reply(wrongDocument), reply(unknown)]).toEqual([
        [404, { error: { code: "NOT_FOUND", message: `no document ${b.id}` } }],
        [404, { error: { code: "NOT_FOUND", message: `no document ${a.id}` } }],
      ]);
    });

    it("refuses to share another school's transcript with 404", async () => {
      const { id } = await submit();
      const res = await app.inject({
        method: "POST",
        url: `/api/v1/transcripts/${id}/share`,
        headers: auth(otherKey),
      });
      expect(reply(res)).toEqual([404, { error: { code: "NOT_FOUND", message: `no document ${id}` } }]);
    });

    it("rate-limits token reads per client address, not the school's own downloads", async () => {
      const { id } = await submit();
      const url = `/api/v1/transcripts/${id}/credential?token=${"B".repeat(43)}`;
      const statuses: number[] = [];
      for (let i = 0; i <= SHARE_READS_PER_MINUTE; i++) {
        statuses.push((await app.inject({ method: "GET", url, remoteAddress: "10.0.0.3" })).statusCode);
      }
      const elsewhere = await app.inject({ method: "GET", url, remoteAddress: "10.0.0.4" });
      const schoolRead = await app.inject({
        method: "GET",
        url: `/api/v1/transcripts/${id}/credential`,
        headers: school(),
        remoteAddress: "10.0.0.3",
      });
      expect([statuses.slice(-2), elsewhere.statusCode, schoolRead.statusCode]).toEqual([
        [404, 429],
        404,
        409,
      ]);
    });
  });

  it("documents every transcripts route in the OpenAPI document", async () => {
    const res = await app.inject({ method: "GET", url: "/docs/json" });
    const paths = Object.keys(res.json<{ paths: Record<string, unknown> }>().paths).filter((p) =>
      /\/(transcripts|anchors)/.test(p),
    );
    expect([res.statusCode, paths.sort()]).toEqual([
      200,
      [
        "/api/v1/anchors/{root}",
        "/api/v1/transcripts",
        "/api/v1/transcripts/batch",
        "/api/v1/transcripts/pdf",
        "/api/v1/transcripts/{id}",
        "/api/v1/transcripts/{id}/credential",
        "/api/v1/transcripts/{id}/pdf",
        "/api/v1/transcripts/{id}/revoke",
        "/api/v1/transcripts/{id}/share",
        "/api/v1/transcripts/{id}/share/{tokenId}",
      ],
    ]);
  });

  describe("GET /anchors/:root", () => {
    it("rate-limits lookups per client address", async () => {
      const statuses: number[] = [];
      for (let i = 0; i <= ANCHOR_LOOKUPS_PER_MINUTE; i++) {
        const res = await app.inject({
          method: "GET",
          url: "/api/v1/anchors/0x12",
          remoteAddress: "10.0.1.1",
        });
        statuses.push(res.statusCode);
      }
      const elsewhere = await app.inject({
        method: "GET",
        url: "/api/v1/anchors/0x12",
        remoteAddress: "10.0.1.2",
      });
      expect([statuses.slice(-2), elsewhere.statusCode]).toEqual([[400, 429], 400]);
    });

    it("answers where and when a root was anchored, 404 for an unknown root, 400 for a malformed one", async () => {
      const { id } = await anchored();
      const batch = await batchOf(id);
      const found = await app.inject({
        method: "GET",
        url: `/api/v1/anchors/${batch.root.toUpperCase().replace("0X", "0x")}`,
      });
      const unknownRoot = "0x" + "ab".repeat(32);
      const unknown = await app.inject({ method: "GET", url: `/api/v1/anchors/${unknownRoot}` });
      const malformed = await app.inject({ method: "GET", url: "/api/v1/anchors/0x1234" });
      expect([
        reply(found),
        reply(unknown),
        malformed.statusCode,
        malformed.json<{ error: { code: string } }>().error.code,
      ]).toEqual([
        [
          200,
          {
            root: batch.root,
            anchoredAt: batch.anchored_at.toISOString(),
            blockNumber: batch.block_number,
            txHash: batch.tx_hash,
            count: batch.leaf_count,
          },
        ],
        [
          404,
          { error: { code: "NOT_FOUND", message: `root ${unknownRoot} is not anchored by this service` } },
        ],
        400,
        "SCHEMA_INVALID",
      ]);
    });
  });
});
