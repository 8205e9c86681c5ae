/**
 * Certificate status on submission (CERT_STATUS, CAdES-LT evidence), against a CA run with the
 * openssl command line: OpenSSL's own OCSP responder and OpenSSL-made CRLs over HTTP
 * (test/helpers/ocsp.ts). The evidence stored in the CMS is then verified offline.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPGliteDatabase, type Database } from "../../service/src/adapters/db/database";
import { migrate } from "../../service/src/adapters/db/migrate";
import { nodeCrypto } from "../../service/src/adapters/pki/node-crypto";
import { httpStatusFetcher } from "../../service/src/adapters/pki/status-http";
import { canonicalBytes, docHash } from "../../service/src/core/documents";
import { signDetached, verifyDetached, type SignatureCheck } from "../../service/src/core/pki";
import { certificateInfo } from "../../service/src/core/pki/certificate";
import { parseDetachedSignedData } from "../../service/src/core/pki/cms";
import { childrenOf, readRoot } from "../../service/src/core/pki/der";
import { OID } from "../../service/src/core/pki/oids";
import {
  readRevocationValues,
  revocationValuesAttribute,
  withRevocationValues,
} from "../../service/src/core/pki/revocation-values";
import {
  createCertificateStatusChecker,
  type CertStatusPolicy,
  type CertificateStatusChecker,
} from "../../service/src/issuance/certificate-status";
import { submitDocuments, type SubmissionDeps } from "../../service/src/issuance/documents";
import { checkSignerCertificate } from "../../service/src/issuance/issuers";
import type { StatusFetcher } from "../../service/src/issuance/ports";
import { makeTranscript } from "../helpers/fixtures";
import { openssl, tempDir } from "../helpers/files";
import { makeStatusPki, type LeafName, type StatusPki } from "../helpers/ocsp";
import { fingerprintOf, flipByte, indexOfBytes, SCHOOL_CODE } from "../helpers/pki";

let pki: StatusPki;
let db: Database;
const files = tempDir("cert-status");
const school = { issuerCode: SCHOOL_CODE, actor: `issuer:${SCHOOL_CODE}` };
const RESPONDER = "CN=OCSP responder, O=Sở GDĐT, C=VN";
const INTERMEDIATE = "CN=CA cấp trung gian, O=Sở GDĐT, C=VN";
const subjectOf = (name: LeafName): string => `CN=Người ký ${name}, O=Trường THCS Nguyễn Du, C=VN`;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

beforeAll(async () => {
  [pki, db] = await Promise.all([makeStatusPki(), createPGliteDatabase()]);
  await migrate(db);
  await db.query("INSERT INTO issuers (code, kind, name) VALUES ($1, 'school', 'Trường THCS Nguyễn Du')", [
    SCHOOL_CODE,
  ]);
  for (const leaf of Object.values(pki.leaves)) {
    await db.query(
      `INSERT INTO issuer_certificates (issuer_code, fingerprint, certificate, subject, role, added_at)
       VALUES ($1, $2, $3, $4, 'principal', now() - interval '1 day')`,
      [SCHOOL_CODE, fingerprintOf(leaf.der), leaf.der, leaf.name],
    );
  }
}, 240_000);
afterAll(async () => {
  await pki?.dispose();
  await db?.close();
  files.dispose();
});

let seed = 5000;
function transcript() {
  return makeTranscript({
    seed: seed++,
    school: { code: SCHOOL_CODE, name: "Trường THCS Nguyễn Du", province: "79", level: "THCS" },
  });
}

function checker(policy: CertStatusPolicy, fetch: StatusFetcher = httpStatusFetcher({ timeoutMs: 3000 })) {
  return createCertificateStatusChecker({
    policy,
    fetch,
    crypto: nodeCrypto,
    maxAgeMs: 3_600_000,
    retryAfterMs: 60_000,
  });
}

function depsWith(certStatus: CertificateStatusChecker): SubmissionDeps {
  return { db, trustAnchors: pki.store, crypto: nodeCrypto, requiredRoles: ["principal"], certStatus };
}

async function signedBy(name: LeafName, signingTime?: Date) {
  const document = transcript();
  const cms = await signDetached(
    canonicalBytes(document),
    [await pki.signerOf(name)],
    signingTime ? { signingTime } : {},
  );
  return { document, cms, item: { document, signature: Buffer.from(cms).toString("base64") } };
}

async function storedSignature(id: string): Promise<Uint8Array> {
  const { rows } = await db.query<{ signature: Uint8Array; signers: unknown }>(
    "SELECT signature FROM documents WHERE id = $1",
    [id],
  );
  return new Uint8Array(rows[0]!.signature);
}

const certStatusOf = (checks: SignatureCheck[]) => checks.find((check) => check.name === "certStatus");

/** The path signer → intermediate → root of a leaf, as CertificateInfo. */
function pathOf(name: LeafName) {
  return [pki.leaves[name].der, pki.intermediate.der, pemBody(pki.rootPem)].map((der) =>
    certificateInfo(der, nodeCrypto, "CONFIG_INVALID"),
  );
}
function pemBody(pem: string): Uint8Array {
  return new Uint8Array(Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ""), "base64"));
}

describe("certificate status on submission, against OpenSSL's OCSP responder and CRLs", () => {
  let goodStored: Uint8Array;
  let goodDocument: unknown;

  it("accepts a good certificate and keeps the OCSP response and the root's CRL in the CMS, which openssl cms -verify still accepts", async () => {
    const { document, cms, item } = await signedBy("good");
    const results = await submitDocuments(depsWith(checker("prefer")), school, [item]);
    expect(results).toEqual([
      { ok: true, id: document.id, docHash: docHash(document), status: "pending", created: true },
    ]);
    const stored = await storedSignature(document.id);
    expect(stored.length).toBeGreaterThan(cms.length);
    const signer = parseDetachedSignedData(stored).signers[0]!;
    const original = parseDetachedSignedData(cms).signers[0]!;
    expect({ signed: signer.signedAttributes, signature: signer.signature }).toEqual({
      signed: original.signedAttributes,
      signature: original.signature,
    });
    const values = readRevocationValues(signer.unsignedAttributes.get(OID.revocationValues)![0]!);
    expect({ crl: values.crl.length, ocsp: values.ocsp.length }).toEqual({ crl: 1, ocsp: 1 });

    const content = canonicalBytes(document);
    openssl(
      "cms", "-verify", "-binary", "-inform", "DER", "-in", files.write("good.p7s", stored),
      "-content", files.write("good.json", content), "-CAfile", pki.rootPath, "-purpose", "any", "-out", files.path("out.bin"),
    ); // prettier-ignore
    const { rows } = await db.query<{ signers: { status?: unknown }[] }>(
      "SELECT signers FROM documents WHERE id = $1",
      [document.id],
    );
    expect(rows[0]!.signers[0]!.status).toEqual({
      state: "good",
      at: expect.stringMatching(ISO) as unknown,
      responder: RESPONDER,
      source: "ocsp",
    });
    goodStored = stored;
    goodDocument = document;
  });

  it("verifies the stored evidence later with the responder and the CRL server gone", async () => {
    await pki.stopResponder();
    pki.serveCrls(false);
    try {
      const report = await verifyDetached(canonicalBytes(goodDocument), goodStored, {
        trustAnchors: pki.store,
        crypto: nodeCrypto,
      });
      expect(report.ok).toBe(true);
      expect(certStatusOf(report.checks)).toEqual({
        name: "certStatus",
        status: "valid",
        message: expect.stringMatching(
          new RegExp(
            `^certificate status: "${subjectOf("good")}" good at \\S+ \\(per OCSP responder "${RESPONDER}"\\); "${INTERMEDIATE}" good at \\S+ \\(per CRL of "CN=Root CA trạng thái, O=Bộ GDĐT, C=VN"\\)$`,
          ),
        ) as unknown,
      });
      expect(report.signers[0]!.status).toEqual({
        state: "good",
        at: expect.stringMatching(ISO) as unknown,
        responder: RESPONDER,
        source: "ocsp",
      });
    } finally {
      pki.serveCrls(true);
      await pki.startResponder();
    }
  });

  it("finds tampered evidence invalid (CERT_STATUS_INVALID): a changed response, a changed responder certificate", async () => {
    const signer = parseDetachedSignedData(goodStored).signers[0]!;
    const ocsp = readRevocationValues(signer.unsignedAttributes.get(OID.revocationValues)![0]!).ocsp[0]!;
    const at = indexOfBytes(goodStored, ocsp);
    const verdict = async (cms: Uint8Array) => {
      const report = await verifyDetached(canonicalBytes(goodDocument), cms, {
        trustAnchors: pki.store,
        crypto: nodeCrypto,
      });
      return { ok: report.ok, check: certStatusOf(report.checks) };
    };
    // A digit of the response's last time (nextUpdate's seconds), under the responder's signature.
    const tbsEnd = childrenOf(ocsp, readRoot(ocsp))[0]!.end;
    expect(await verdict(flipByte(goodStored, at + tbsEnd - 2))).toEqual({
      ok: false,
      check: {
        name: "certStatus",
        status: "invalid",
        code: "CERT_STATUS_INVALID",
        message: `OCSP response about "${subjectOf("good")}": the signature does not verify with the key of "${RESPONDER}"`,
      },
    });
    // The last byte of the response: the CA's signature on the responder's certificate.
    expect(await verdict(flipByte(goodStored, at + ocsp.length - 1))).toEqual({
      ok: false,
      check: {
        name: "certStatus",
        status: "invalid",
        code: "CERT_STATUS_INVALID",
        message: `OCSP response about "${subjectOf("good")}": the signature does not verify with the key of "${INTERMEDIATE}"`,
      },
    });
    const unsigned = parseDetachedSignedData(goodStored);
    expect(unsigned.signers[0]!.unsignedAttributes.size).toBe(1);
    expect(withRevocationValues(goodStored, [])).toEqual(goodStored);
  });

  it("refuses a revoked certificate with CERT_REVOKED and the revocation time", async () => {
    await pki.revoke("revoked", new Date("2021-03-04T05:06:07Z"));
    const { item } = await signedBy("revoked");
    expect(await submitDocuments(depsWith(checker("prefer")), school, [item])).toEqual([
      {
        ok: false,
        error: {
          code: "CERT_REVOKED",
          message: `"${subjectOf("revoked")}" was revoked at 2021-03-04T05:06:07.000Z (per OCSP responder "${RESPONDER}")`,
          details: {
            fingerprint: fingerprintOf(pki.leaves.revoked.der),
            subject: subjectOf("revoked"),
            revokedAt: "2021-03-04T05:06:07.000Z",
          },
        },
      },
    ]);
  });

  it("refuses to register a revoked certificate", async () => {
    await expect(
      checkSignerCertificate(
        pki.leaves.revoked.pem + pki.intermediate.pem,
        { trustAnchors: pki.store, crypto: nodeCrypto, certStatus: checker("prefer") },
        new Date(),
      ),
    ).rejects.toMatchObject({
      code: "CERT_REVOKED",
      message: `"${subjectOf("revoked")}" was revoked at 2021-03-04T05:06:07.000Z (per OCSP responder "${RESPONDER}")`,
    });
  });

  it("checks a certificate that names only a CRL by that CRL", async () => {
    const { document, item } = await signedBy("crlOnly");
    expect(await submitDocuments(depsWith(checker("prefer")), school, [item])).toEqual([
      { ok: true, id: document.id, docHash: docHash(document), status: "pending", created: true },
    ]);
    const report = await verifyDetached(canonicalBytes(document), await storedSignature(document.id), {
      trustAnchors: pki.store,
      crypto: nodeCrypto,
    });
    expect(report.signers[0]!.status).toEqual({
      state: "good",
      at: expect.stringMatching(ISO) as unknown,
      responder: INTERMEDIATE,
      source: "crl",
    });
  });

  it("asks the responder once for many documents of the same signer, in one batch and across calls", async () => {
    const shared = checker("prefer");
    const before = pki.requests.get("ocsp") ?? 0;
    const batch = await Promise.all([1, 2, 3, 4, 5].map(() => signedBy("good")));
    const results = [
      ...(await submitDocuments(
        depsWith(shared),
        school,
        batch.map((signed) => signed.item),
      )),
      ...(await submitDocuments(depsWith(shared), school, [(await signedBy("good")).item])),
      ...(await submitDocuments(depsWith(shared), school, [(await signedBy("good")).item])),
    ];
    expect(results.map((result) => result.ok)).toEqual([true, true, true, true, true, true, true]);
    expect((pki.requests.get("ocsp") ?? 0) - before).toBe(1);
  });

  describe("with the responder down and the CRLs not served", () => {
    beforeAll(async () => {
      await pki.stopResponder();
      pki.serveCrls(false);
    });
    afterAll(async () => {
      pki.serveCrls(true);
      await pki.startResponder();
    });

    it("prefer accepts the document without evidence", async () => {
      const { document, item } = await signedBy("good");
      expect(await submitDocuments(depsWith(checker("prefer")), school, [item])).toEqual([
        { ok: true, id: document.id, docHash: docHash(document), status: "pending", created: true },
      ]);
      const stored = await storedSignature(document.id);
      expect(parseDetachedSignedData(stored).signers[0]!.unsignedAttributes.has(OID.revocationValues)).toBe(
        false,
      );
      const report = await verifyDetached(canonicalBytes(document), stored, {
        trustAnchors: pki.store,
        crypto: nodeCrypto,
      });
      expect(certStatusOf(report.checks)).toEqual({
        name: "certStatus",
        status: "skipped",
        message: "no certificate status evidence in the signature",
      });
    });

    it("require refuses it with CERT_STATUS_UNAVAILABLE, naming what was tried", async () => {
      const { item } = await signedBy("good");
      const [result] = await submitDocuments(depsWith(checker("require")), school, [item]);
      expect(result).toEqual({
        ok: false,
        error: {
          code: "CERT_STATUS_UNAVAILABLE",
          message: expect.stringMatching(
            new RegExp(
              `^the status of "${subjectOf("good")}" could not be obtained: http://127.0.0.1:\\d+: other side closed; http://127.0.0.1:\\d+/ca.crl: answered HTTP 503$`,
            ),
          ) as unknown,
          details: { fingerprint: fingerprintOf(pki.leaves.good.der), subject: subjectOf("good") },
        },
      });
    });
  });
});

describe("certificate status evidence judged at the trusted time", () => {
  /** A CMS by `revokedLater` signed at `signingTime`, with the responder's current answer embedded. */
  async function withEvidence(signingTime: Date) {
    const { document, cms } = await signedBy("revokedLater", signingTime);
    const outcomes = await checker("prefer").check(pathOf("revokedLater"));
    const evidence = outcomes.flatMap((outcome) => ("evidence" in outcome ? [outcome.evidence] : []));
    const enriched = withRevocationValues(cms, [revocationValuesAttribute(evidence)]);
    return verifyDetached(canonicalBytes(document), enriched, {
      trustAnchors: pki.store,
      crypto: nodeCrypto,
    });
  }

  beforeAll(() => pki.revoke("revokedLater", new Date("2025-01-01T00:00:00Z")));

  it("keeps valid a signature made before its certificate was revoked, with a note", async () => {
    const report = await withEvidence(new Date("2024-06-01T00:00:00Z"));
    expect({ ok: report.ok, check: certStatusOf(report.checks), status: report.signers[0]!.status }).toEqual({
      ok: true,
      check: {
        name: "certStatus",
        status: "valid",
        message: expect.stringMatching(
          new RegExp(
            `^certificate status: "${subjectOf("revokedLater")}" revoked at 2025-01-01T00:00:00.000Z, after the signing-time 2024-06-01T00:00:00.000Z: the signature was made while it was valid \\(per OCSP responder "${RESPONDER}"\\); "${INTERMEDIATE}" good at \\S+ \\(per CRL of "CN=Root CA trạng thái, O=Bộ GDĐT, C=VN"\\)$`,
          ),
        ) as unknown,
      },
      status: {
        state: "revoked",
        at: expect.stringMatching(ISO) as unknown,
        revokedAt: "2025-01-01T00:00:00.000Z",
        responder: RESPONDER,
        source: "ocsp",
      },
    });
  });

  it("finds invalid (CERT_REVOKED) a signature made after its certificate was revoked", async () => {
    const report = await withEvidence(new Date("2025-06-01T00:00:00Z"));
    expect({ ok: report.ok, check: certStatusOf(report.checks) }).toEqual({
      ok: false,
      check: {
        name: "certStatus",
        status: "invalid",
        code: "CERT_REVOKED",
        message: `"${subjectOf("revokedLater")}" was revoked at 2025-01-01T00:00:00.000Z, before the signing-time 2025-06-01T00:00:00.000Z (per OCSP responder "${RESPONDER}")`,
      },
    });
  });
});
