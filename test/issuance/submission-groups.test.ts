import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../service/src/adapters/db/database";
import { nodeCrypto } from "../../service/src/adapters/pki/node-crypto";
import { docHash, type Transcript } from "../../service/src/core/documents";
import type { SubmissionDeps } from "../../service/src/issuance/documents";
import type { Queryable } from "../../service/src/issuance/ports";
import { groupedSubmissions } from "../../service/src/issuance/submission-groups";
import { signedItem } from "../helpers/app";
import { databaseBackends, openMigrated } from "../helpers/databases";
import { makeTranscript } from "../helpers/fixtures";
import { makeSchoolPki, registerSchoolPrincipal, SCHOOL_CODE, type SchoolPki } from "../helpers/pki";

const backends = await databaseBackends();
let pki: SchoolPki;

beforeAll(async () => {
  pki = await makeSchoolPki("P-256");
});

let seed = 52_000;
const transcript = (): Transcript =>
  makeTranscript({
    seed: seed++,
    school: { code: SCHOOL_CODE, name: "Trường THCS Nguyễn Du", province: "79", level: "THCS" },
  });

const signed = (document: unknown) => signedItem(pki, document);

describe.each(backends)("single submissions stored in groups on $name", (backend) => {
  let db: Database;
  let opened: Awaited<ReturnType<typeof backend.open>>;
  /** The same database, counting its transactions (what grouping saves). */
  let transactions = 0;
  let deps: SubmissionDeps;
  const school = { issuerCode: SCHOOL_CODE, actor: `issuer:${SCHOOL_CODE}` };

  beforeAll(async () => {
    opened = await openMigrated(backend);
    db = opened.db;
    await registerSchoolPrincipal(db, pki.principal);
    const counting: Database = Object.create(db) as Database;
    counting.transaction = <T>(fn: (tx: Queryable) => Promise<T>) => {
      transactions++;
      return db.transaction(fn);
    };
    deps = { db: counting, trustAnchors: pki.store, crypto: nodeCrypto, requiredRoles: ["principal"] };
  });
  afterAll(() => opened.dispose());

  it("stores 40 documents sent at once in fewer transactions, each answered as if alone", async () => {
    const submit = groupedSubmissions(deps);
    const documents = Array.from({ length: 40 }, transcript);
    const items = await Promise.all(documents.map(signed));
    transactions = 0;
    const results = await Promise.all(items.map((item) => submit(school, item)));
    expect(results).toEqual(
      documents.map((d) => ({ ok: true, id: d.id, docHash: docHash(d), status: "pending", created: true })),
    );
    expect(transactions).toBeGreaterThanOrEqual(1);
    expect(transactions).toBeLessThan(40);
    const { rows } = await db.query<{ n: number }>(
      "SELECT count(*) AS n FROM documents WHERE id = ANY($1::uuid[])",
      [documents.map((d) => d.id)],
    );
    expect(rows).toEqual([{ n: 40 }]);
    const audited = await db.query<{ n: number }>(
      "SELECT count(*) AS n FROM audit_log WHERE action = 'document.submitted' AND subject = ANY($1::text[])",
      [documents.map((d) => d.id)],
    );
    expect(audited.rows).toEqual([{ n: 40 }]);
  });

  it("answers the same document sent twice at once with one 202 and one 200 of the same id", async () => {
    const submit = groupedSubmissions(deps);
    const document = transcript();
    const item = await signed(document);
    const results = await Promise.all([submit(school, item), submit(school, item), submit(school, item)]);
    const hash = docHash(document);
    expect(results.filter((r) => r.ok && r.created)).toEqual([
      { ok: true, id: document.id, docHash: hash, status: "pending", created: true },
    ]);
    expect(results.filter((r) => !(r.ok && r.created))).toEqual([
      { ok: true, id: document.id, docHash: hash, status: "pending", created: false },
      { ok: true, id: document.id, docHash: hash, status: "pending", created: false },
    ]);
  });

  it("refuses a bad document alone and stores the good ones sent with it", async () => {
    const submit = groupedSubmissions(deps);
    const [good1, good2] = [transcript(), transcript()];
    const forged = { ...(await signed(transcript())), document: good1 };
    const results = await Promise.all([
      submit(school, await signed(good1)),
      submit(school, { document: good2, signature: "not base64 !" }),
      submit(school, await signed(good2)),
      submit(school, { ...forged, document: { ...good1, id: transcript().id } }),
    ]);
    expect(results).toEqual([
      { ok: true, id: good1.id, docHash: docHash(good1), status: "pending", created: true },
      {
        ok: false,
        error: {
          code: "SIGNATURE_MALFORMED",
          message: "signature must be the base64 of a DER CMS SignedData",
        },
      },
      { ok: true, id: good2.id, docHash: docHash(good2), status: "pending", created: true },
      {
        ok: false,
        error: {
          code: "DIGEST_MISMATCH",
          message: expect.stringMatching(
            /^message digest 0x[0-9a-f]{64} is not the document's SHA-256 0x[0-9a-f]{64}$/,
          ) as unknown,
          details: expect.anything() as unknown,
        },
      },
    ]);
  });

  it("answers every document of a group with the store's error when its transaction fails, and recovers", async () => {
    let failNext = true;
    const flaky: Database = Object.create(db) as Database;
    flaky.transaction = <T>(fn: (tx: Queryable) => Promise<T>) => {
      if (failNext) {
        failNext = false;
        return Promise.reject(Object.assign(new Error("connection terminated"), { code: "57P01" }));
      }
      return db.transaction(fn);
    };
    const submit = groupedSubmissions({ ...deps, db: flaky });
    const first = transcript();
    await expect(submit(school, await signed(first))).rejects.toThrow("connection terminated");
    const { rows } = await db.query("SELECT id FROM documents WHERE id = $1", [first.id]);
    expect(rows).toEqual([]);
    expect(await submit(school, await signed(first))).toEqual({
      ok: true,
      id: first.id,
      docHash: docHash(first),
      status: "pending",
      created: true,
    });
  });
});
