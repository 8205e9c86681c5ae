import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../service/src/adapters/db/database";
import { nodeCrypto } from "../../service/src/adapters/pki/node-crypto";
import { docHash, type Transcript } from "../../service/src/core/documents";
import { submitDocuments, type SubmissionDeps } from "../../service/src/issuance/documents";
import { BATCH_OF_DOCUMENT } from "../../service/src/issuance/stores/batches";
import { signedItem } from "../helpers/app";
import { databaseBackends, openMigrated } from "../helpers/databases";
import { makeTranscript, withValue } from "../helpers/fixtures";
import { fingerprintOf, makeSchoolPki, SCHOOL_CODE, signerOf, type SchoolPki } from "../helpers/pki";

const backends = await databaseBackends();
const OTHER_SCHOOL = "79000702";
let pki: SchoolPki;
let outsider: SchoolPki;

beforeAll(async () => {
  [pki, outsider] = await Promise.all([makeSchoolPki("P-256"), makeSchoolPki("P-256")]);
});

let seed = 1000;
function transcript(overrides: Partial<Transcript> = {}): Transcript {
  return makeTranscript({
    seed: seed++,
    ...overrides,
    school: {
      code: SCHOOL_CODE,
      name: "Trường THCS Nguyễn Du",
      province: "79",
      level: "THCS",
      ...overrides.school,
    },
  });
}

const signed = (document: unknown, signer = () => signerOf(pki.principal, pki.intermediate)) =>
  signedItem(pki, document, signer());

describe.each(backends)("submitting transcripts on $name", (backend) => {
  let db: Database;
  let opened: Awaited<ReturnType<typeof backend.open>>;
  let deps: SubmissionDeps;
  const school = { issuerCode: SCHOOL_CODE, actor: `issuer:${SCHOOL_CODE}` };

  beforeAll(async () => {
    opened = await openMigrated(backend);
    db = opened.db;
    await db.query(
      "INSERT INTO issuers (code, kind, name) VALUES ($1, 'school', 'Trường THCS Nguyễn Du'), ($2, 'school', 'Trường THCS Lê Lợi')",
      [SCHOOL_CODE, OTHER_SCHOOL],
    );
    await db.query(
      `INSERT INTO issuer_certificates (issuer_code, fingerprint, certificate, subject, role, added_at)
       VALUES ($1, $2, $3, 'principal', 'principal', now() - interval '1 day')`,
      [SCHOOL_CODE, fingerprintOf(pki.principal), pki.principal.certificate],
    );
    deps = { db, trustAnchors: pki.store, crypto: nodeCrypto, requiredRoles: ["principal"] };
  });
  afterAll(() => opened.dispose());

  it("accepts a signed transcript as pending and answers the same id when it comes again", async () => {
    const document = transcript();
    const item = await signed(document);
    const hash = docHash(document);
    expect(await submitDocuments(deps, school, [item])).toEqual([
      { ok: true, id: document.id, docHash: hash, status: "pending", created: true },
    ]);
    expect(await submitDocuments(deps, school, [item, item])).toEqual([
      { ok: true, id: document.id, docHash: hash, status: "pending", created: false },
      { ok: true, id: document.id, docHash: hash, status: "pending", created: false },
    ]);
    const { rows } = await db.query(
      `SELECT d.id, d.doc_hash, d.issuer_code, b.id AS batch_id FROM documents d LEFT JOIN batches b ON ${BATCH_OF_DOCUMENT} WHERE d.id = $1`,
      [document.id],
    );
    expect(rows).toEqual([{ id: document.id, doc_hash: hash, issuer_code: SCHOOL_CODE, batch_id: null }]);
  });

  it("stores the signer's fingerprint and role with the document, and audits the submission", async () => {
    const document = transcript();
    await submitDocuments(deps, school, [await signed(document)]);
    const { rows } = await db.query<{ signers: { fingerprint: string; role: string }[] }>(
      "SELECT signers FROM documents WHERE id = $1",
      [document.id],
    );
    expect(rows[0]!.signers.map((s) => [s.fingerprint, s.role])).toEqual([
      [fingerprintOf(pki.principal), "principal"],
    ]);
    const audit = await db.query("SELECT actor, action FROM audit_log WHERE subject = $1", [document.id]);
    expect(audit.rows).toEqual([{ actor: `issuer:${SCHOOL_CODE}`, action: "document.submitted" }]);
  });

  it("answers each item of a batch in order, storing the good ones beside the bad", async () => {
    const good = transcript();
    const tampered = await signed(transcript());
    (tampered.document as Transcript).student.fullName = "Nguyễn Văn Giả";
    const results = await submitDocuments(deps, school, [
      await signed(good),
      tampered,
      { document: good, signature: "not base64!" },
      await signed(withValue(transcript(), "/years/0/subjects/0/term1", 11)),
    ]);
    expect(results.map((r) => (r.ok ? r.status : r.error.code))).toEqual([
      "pending",
      "DIGEST_MISMATCH",
      "SIGNATURE_MALFORMED",
      "SCHEMA_INVALID",
    ]);
  });

  it("refuses a transcript of another school with FORBIDDEN", async () => {
    const document = transcript({
      school: { code: OTHER_SCHOOL, name: "Trường THCS Lê Lợi", province: "79", level: "THCS" },
    });
    expect(await submitDocuments(deps, school, [await signed(document)])).toEqual([
      {
        ok: false,
        error: {
          code: "FORBIDDEN",
          message: `this API key belongs to ${SCHOOL_CODE}, not to school ${OTHER_SCHOOL}`,
        },
      },
    ]);
  });

  it("refuses a signer who is not registered to the school with SIGNER_NOT_AUTHORIZED", async () => {
    const [result] = await submitDocuments(deps, school, [
      await signed(transcript(), () => signerOf(pki.homeroom, pki.intermediate)),
    ]);
    expect(result!.ok ? "accepted" : result!.error.code).toBe("SIGNER_NOT_AUTHORIZED");
  });

  it("refuses a signer whose certificate was removed before the submission", async () => {
    await db.query("UPDATE issuer_certificates SET removed_at = now() WHERE fingerprint = $1", [
      fingerprintOf(pki.principal),
    ]);
    const [result] = await submitDocuments(deps, school, [await signed(transcript())]);
    await db.query("UPDATE issuer_certificates SET removed_at = NULL WHERE fingerprint = $1", [
      fingerprintOf(pki.principal),
    ]);
    expect(result!.ok ? "accepted" : result!.error.code).toBe("SIGNER_NOT_AUTHORIZED");
  });

  it("refuses a chain to a root that is not trusted with CERT_UNTRUSTED", async () => {
    const [result] = await submitDocuments(deps, school, [
      await signed(transcript(), () => signerOf(outsider.principal, outsider.intermediate)),
    ]);
    expect(result!.ok ? "accepted" : result!.error.code).toBe("CERT_UNTRUSTED");
  });

  it("reports every schema problem of a document with its path", async () => {
    const broken = withValue(withValue(transcript(), "/student/citizenId", "12345"), "/nonce", "short");
    const [result] = await submitDocuments(deps, school, [await signed(broken)]);
    expect(result).toMatchObject({
      ok: false,
      error: {
        code: "SCHEMA_INVALID",
        details: [
          { path: "/nonce", code: "NONCE_FORMAT" },
          { path: "/student/citizenId", code: "CCCD_FORMAT" },
        ],
      },
    });
  });

  it("refuses another document under an id already in use with CONFLICT", async () => {
    const first = transcript();
    await submitDocuments(deps, school, [await signed(first)]);
    const second = { ...transcript(), id: first.id };
    expect(await submitDocuments(deps, school, [await signed(second)])).toEqual([
      {
        ok: false,
        error: { code: "CONFLICT", message: `document id ${first.id} is already used by another document` },
      },
    ]);
  });

  it("marks the corrected document superseded when a correction arrives", async () => {
    const original = transcript();
    await submitDocuments(deps, school, [await signed(original)]);
    const correction = { ...transcript(), supersedes: original.id };
    const [result] = await submitDocuments(deps, school, [await signed(correction)]);
    expect(result).toEqual({
      ok: true,
      id: correction.id,
      docHash: docHash(correction),
      status: "pending",
      created: true,
    });
    const { rows } = await db.query(
      "SELECT id, superseded_by, supersedes FROM documents WHERE id = ANY($1::uuid[]) ORDER BY seq",
      [[original.id, correction.id]],
    );
    expect(rows).toEqual([
      { id: original.id, superseded_by: correction.id, supersedes: null },
      { id: correction.id, superseded_by: null, supersedes: original.id },
    ]);
    const again = await submitDocuments(deps, school, [await signed(original)]);
    expect(again).toEqual([
      { ok: true, id: original.id, docHash: docHash(original), status: "superseded", created: false },
    ]);
  });

  it("refuses a correction of an unknown, already corrected or twice-corrected document", async () => {
    const original = transcript();
    await submitDocuments(deps, school, [await signed(original)]);
    const unknownId = "00000000-0000-4000-8000-000000000000";
    const results = await submitDocuments(deps, school, [
      await signed({ ...transcript(), supersedes: unknownId }),
      await signed({ ...transcript(), supersedes: original.id }),
      await signed({ ...transcript(), supersedes: original.id }),
    ]);
    expect(results.map((r) => (r.ok ? "accepted" : `${r.error.code}: ${r.error.message}`))).toEqual([
      `NOT_FOUND: supersedes ${unknownId}: no such document`,
      "accepted",
      `CONFLICT: supersedes ${original.id}: another document of this batch corrects it`,
    ]);
  });

  it("lets the administrator submit for any registered school", async () => {
    const [result] = await submitDocuments(deps, { issuerCode: null, actor: "admin" }, [
      await signed(transcript()),
    ]);
    expect(result!.ok).toBe(true);
  });
});
