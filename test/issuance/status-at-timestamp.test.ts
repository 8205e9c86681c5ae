/**
 * Certificate status on submission judged at the signature's trusted time: a certificate revoked
 * after a verified signature timestamp still signs validly (the timestamp proves the signature
 * older than the revocation); without a timestamp the claimed signing-time proves nothing and the
 * same certificate is refused. OpenSSL's CA, OCSP responder and TSA.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPGliteDatabase, type Database } from "../../service/src/adapters/db/database";
import { migrate } from "../../service/src/adapters/db/migrate";
import { nodeCrypto } from "../../service/src/adapters/pki/node-crypto";
import { loadTrustAnchorsDir } from "../../service/src/adapters/pki/trust-dir";
import { httpTimestampTransport } from "../../service/src/adapters/pki/tsa-http";
import { canonicalBytes, docHash } from "../../service/src/core/documents";
import { requestTimestamp, signDetached, type SignOptions } from "../../service/src/core/pki";
import { submitDocuments, type SubmissionDeps } from "../../service/src/issuance/documents";
import { makeTranscript } from "../helpers/fixtures";
import { httpStatusChecker, makeStatusPki, type StatusPki } from "../helpers/ocsp";
import { fingerprintOf, SCHOOL_CODE } from "../helpers/pki";
import { startTsa, type TestTsa } from "../helpers/tsa";

let pki: StatusPki;
let tsa: TestTsa;
let db: Database;
const school = { issuerCode: SCHOOL_CODE, actor: `issuer:${SCHOOL_CODE}` };
const SIGNER = "CN=Người ký revokedLater, O=Trường THCS Nguyễn Du, C=VN";

beforeAll(async () => {
  [pki, tsa, db] = await Promise.all([makeStatusPki(), startTsa(), createPGliteDatabase()]);
  await migrate(db);
  await db.query("INSERT INTO issuers (code, kind, name) VALUES ($1, 'school', 'Trường THCS Nguyễn Du')", [
    SCHOOL_CODE,
  ]);
  const leaf = pki.leaves.revokedLater;
  await db.query(
    `INSERT INTO issuer_certificates (issuer_code, fingerprint, certificate, subject, role, added_at)
     VALUES ($1, $2, $3, $4, 'principal', now() - interval '1 day')`,
    [SCHOOL_CODE, fingerprintOf(leaf.der), leaf.der, leaf.name],
  );
}, 240_000);
afterAll(async () => {
  await tsa?.close();
  await pki?.dispose();
  await db?.close();
});

async function signedItem(seed: number, options: SignOptions) {
  const document = makeTranscript({
    seed,
    school: { code: SCHOOL_CODE, name: "Trường THCS Nguyễn Du", province: "79", level: "THCS" },
  });
  const cms = await signDetached(canonicalBytes(document), [await pki.signerOf("revokedLater")], options);
  return { document, signature: Buffer.from(cms).toString("base64") };
}

describe("certificate status on submission, at the timestamp's time", () => {
  it("accepts a timestamped signature whose certificate was revoked after the timestamp, and refuses an untimestamped one of the same time with CERT_REVOKED", async () => {
    const stamped = await signedItem(7100, {
      timestamp: (value) => requestTimestamp(value, httpTimestampTransport(tsa.url)),
    });
    const claimed = await signedItem(7101, {});
    // the index keeps whole seconds: the revocation comes a full second after the timestamp
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const revokedAt = new Date();
    await pki.revoke("revokedLater", revokedAt);
    const deps: SubmissionDeps = {
      db,
      trustAnchors: pki.store,
      crypto: nodeCrypto,
      requiredRoles: ["principal"],
      timestamps: { trustAnchors: loadTrustAnchorsDir(tsa.trustDir), required: false },
      certStatus: httpStatusChecker("require", 3_000),
    };

    const results = await submitDocuments(deps, school, [stamped, claimed]);

    const second = new Date(Math.floor(revokedAt.getTime() / 1000) * 1000).toISOString();
    expect(results).toEqual([
      {
        ok: true,
        id: stamped.document.id,
        docHash: docHash(stamped.document),
        status: "pending",
        created: true,
      },
      {
        ok: false,
        error: {
          code: "CERT_REVOKED",
          message: `"${SIGNER}" was revoked at ${second} (per OCSP responder "CN=OCSP responder, O=Sở GDĐT, C=VN")`,
          details: {
            fingerprint: fingerprintOf(pki.leaves.revokedLater.der),
            subject: SIGNER,
            revokedAt: second,
          },
        },
      },
    ]);
  });
});
