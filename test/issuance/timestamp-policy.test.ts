import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPGliteDatabase, type Database } from "../../service/src/adapters/db/database";
import { migrate } from "../../service/src/adapters/db/migrate";
import { nodeCrypto } from "../../service/src/adapters/pki/node-crypto";
import { loadTrustAnchorsDir } from "../../service/src/adapters/pki/trust-dir";
import { httpTimestampTransport } from "../../service/src/adapters/pki/tsa-http";
import { docHash } from "../../service/src/core/documents";
import { requestTimestamp, type SignOptions } from "../../service/src/core/pki";
import { submitDocuments, type SubmissionDeps } from "../../service/src/issuance/documents";
import { signedItem } from "../helpers/app";
import { makeTranscript } from "../helpers/fixtures";
import { makeSchoolPki, registerSchoolPrincipal, SCHOOL_CODE, type SchoolPki } from "../helpers/pki";
import { startTsa, type TestTsa } from "../helpers/tsa";

let pki: SchoolPki;
let tsa: TestTsa;
let db: Database;
let seed = 4200;
const school = { issuerCode: SCHOOL_CODE, actor: `issuer:${SCHOOL_CODE}` };

beforeAll(async () => {
  [pki, tsa, db] = await Promise.all([makeSchoolPki("P-256"), startTsa(), createPGliteDatabase()]);
  await migrate(db);
  await registerSchoolPrincipal(db, pki.principal);
});
afterAll(async () => {
  await db.close();
  await tsa.close();
});

function transcript() {
  return makeTranscript({
    seed: seed++,
    school: { code: SCHOOL_CODE, name: "Trường THCS Nguyễn Du", province: "79", level: "THCS" },
  });
}

const signed = (document: unknown, options: SignOptions = {}) =>
  signedItem(pki, document, undefined, options);

const withTimestamp: SignOptions = {
  timestamp: (value) => requestTimestamp(value, httpTimestampTransport(tsa.url)),
};

describe("REQUIRE_TIMESTAMP on submission", () => {
  let required: SubmissionDeps;
  beforeAll(() => {
    required = {
      db,
      trustAnchors: pki.store,
      crypto: nodeCrypto,
      requiredRoles: ["principal"],
      timestamps: { trustAnchors: loadTrustAnchorsDir(tsa.trustDir), required: true },
    };
  });

  it("refuses a transcript whose signer carries no timestamp with TIMESTAMP_MISSING and accepts a timestamped one", async () => {
    const [plain, stamped] = [transcript(), transcript()];
    expect(
      await submitDocuments(required, school, [await signed(plain), await signed(stamped, withTimestamp)]),
    ).toEqual([
      {
        ok: false,
        error: {
          code: "TIMESTAMP_MISSING",
          message: "no signature timestamp, and this verifier requires one (REQUIRE_TIMESTAMP)",
          details: expect.objectContaining({ ok: false }) as unknown,
        },
      },
      { ok: true, id: stamped.id, docHash: docHash(stamped), status: "pending", created: true },
    ]);
  });

  it("refuses a timestamp from a TSA that is not in TSA_TRUST_DIR with TIMESTAMP_UNTRUSTED", async () => {
    const elsewhere = { ...required, timestamps: { trustAnchors: pki.store, required: true } };
    const [result] = await submitDocuments(elsewhere, school, [await signed(transcript(), withTimestamp)]);
    expect(result).toEqual({
      ok: false,
      error: {
        code: "TIMESTAMP_UNTRUSTED",
        message: expect.stringMatching(
          /^the TSA "CN=Dịch vụ cấp dấu thời gian thử nghiệm, O=hocba tests, C=VN" is not trusted: /,
        ) as unknown,
        details: expect.objectContaining({ ok: false }) as unknown,
      },
    });
  });

  it("accepts a transcript without a timestamp when none is required", async () => {
    const document = transcript();
    const optional = { ...required, timestamps: { trustAnchors: required.timestamps!.trustAnchors } };
    expect(await submitDocuments(optional, school, [await signed(document)])).toEqual([
      { ok: true, id: document.id, docHash: docHash(document), status: "pending", created: true },
    ]);
  });
});
