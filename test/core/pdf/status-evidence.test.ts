/**
 * Certificate status of each signature of a signed PDF, judged by the core at the signature's
 * trusted time from the evidence the PDF or its proof carries (issue 17, item 4): a Document
 * Security Store (PAdES B-LT) written as an incremental update after the signatures — OCSP
 * responses from OpenSSL's own responder (`openssl ocsp -port … -index …`, asked by `openssl
 * ocsp` the client) and CRLs made by `openssl ca -gencrl` — and the answers a `hocba/pdf-1` proof
 * carries per signature. PDFs signed outside hocba (OpenSSL CMS placed by @signpdf); pdfsig agrees
 * that a DSS update leaves the signatures intact.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeCrypto } from "../../../service/src/adapters/pki/node-crypto";
import { leafOf, toHex } from "../../../service/src/core/documents";
import { readDss } from "../../../service/src/core/pdf/dss";
import { verifyPdfSignatures } from "../../../service/src/core/pdf/signatures";
import { certificateInfo } from "../../../service/src/core/pki/certificate";
import { basicOcspResponseOf, statusLocations } from "../../../service/src/core/pki/status";
import { verifySignedPdf } from "../../../service/src/core/verification/pdf";
import { tempDir } from "../../helpers/files";
import { makeStatusPki, type LeafName, type StatusPki } from "../../helpers/ocsp";
import { pdfsig, pdfsigAvailable } from "../../helpers/pdf";
import { registryOf, SCHOOL_CODE } from "../../helpers/pki";
import {
  appendDss,
  opensslIdentityOf,
  signPdf,
  unsignedPdf,
  type OpensslIdentity,
} from "../../helpers/signed-pdf";

const hasPdfsig = pdfsigAvailable();
const tmp = tempDir("pdf-status-evidence");
const RESPONDER = "CN=OCSP responder, O=Sở GDĐT, C=VN";
const CA = "CN=CA cấp trung gian, O=Sở GDĐT, C=VN";
const REVOKED_AT = "2021-03-04T05:06:07.000Z";

let status: StatusPki;
const who = {} as Record<LeafName, OpensslIdentity>;
/** Principal (OCSP-named certificate), then the school's seal (a certificate that names only a CRL). */
let twoSignatures: Uint8Array;
let byRevoked: Uint8Array;
let byRevokedLater: Uint8Array;
/** The OCSPResponse (DER) OpenSSL's responder gives for each leaf, asked after the revocations. */
const ocsp = {} as Record<LeafName, Uint8Array>;
/** The intermediate CA's CRL, as its distribution point serves it (lists "revoked" and "revokedLater"). */
let caCrl: Uint8Array;

/** Asks OpenSSL's responder with OpenSSL's client, as a PAdES validator would: the raw OCSPResponse. */
async function askResponder(name: LeafName): Promise<Uint8Array> {
  const cert = tmp.write(`${name}.pem`, status.leaves[name].pem);
  const issuer = tmp.write("ca.pem", status.intermediate.pem);
  const out = tmp.path(`${name}.ocsp`);
  // Not execFileSync: the responder is reached through a proxy in this very process.
  await promisify(execFile)("openssl", [
    ...["ocsp", "-issuer", issuer, "-cert", cert, "-url", status.ocspUrl, "-respout", out, "-noverify"],
  ]);
  return new Uint8Array(readFileSync(out));
}

beforeAll(async () => {
  status = await makeStatusPki();
  for (const name of ["good", "crlOnly", "revoked", "revokedLater"] as const)
    who[name] = opensslIdentityOf(tmp.dir, name, status.leaves[name], status.intermediate.pem);
  await status.revoke("revoked", new Date(REVOKED_AT));
  const unsigned = await unsignedPdf();
  twoSignatures = await signPdf(
    await signPdf(unsigned, who.good, tmp.dir, "Người ký good"),
    who.crlOnly,
    tmp.dir,
    "Trường THCS Nguyễn Du",
  );
  byRevoked = await signPdf(unsigned, who.revoked, tmp.dir, "Bị thu hồi");
  byRevokedLater = await signPdf(unsigned, who.revokedLater, tmp.dir, "Thu hồi sau");
  // Revoked two seconds after it signed: after the signature's signing time.
  await new Promise((resolve) => setTimeout(resolve, 2100));
  await status.revoke("revokedLater", new Date());
  for (const name of ["good", "revoked", "revokedLater"] as const) ocsp[name] = await askResponder(name);
  const [crlUrl] = statusLocations(
    certificateInfo(status.leaves.crlOnly.der, nodeCrypto, "SIGNATURE_MALFORMED"),
  ).crl;
  caCrl = new Uint8Array(await (await fetch(crlUrl!)).arrayBuffer());
}, 120_000);
afterAll(async () => {
  await status?.dispose();
  tmp.dispose();
});

const context = () => ({
  trustAnchors: status.store,
  crypto: nodeCrypto,
  authorization: {
    issuerCode: SCHOOL_CODE,
    lookup: registryOf({
      [who.good.fingerprint]: "principal",
      [who.crlOnly.fingerprint]: "organisation",
      [who.revoked.fingerprint]: "principal",
      [who.revokedLater.fingerprint]: "principal",
    }),
  },
  requiredRoles: ["principal"],
});

/** Each signature's certificate status as the report tells it: the certStatus check and the signer's status. */
async function statuses(pdf: Uint8Array) {
  const result = await verifyPdfSignatures(pdf, context());
  return {
    ok: result.ok,
    dss: result.dss,
    signatures: result.signatures.map((s) => {
      const check = s.report!.checks.find((c) => c.name === "certStatus")!;
      return {
        index: s.index,
        certStatus: { status: check.status, code: check.code, message: check.message },
        status: s.report!.signers[0]!.status,
      };
    }),
  };
}

const at = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/) as unknown;

describe("certificate status of a signed PDF's signatures from its Document Security Store", () => {
  it("reads a DSS written as an incremental update: the principal good per OpenSSL's OCSP responder, the seal good per the CA's CRL; pdfsig still finds both signatures valid", async () => {
    const withDss = appendDss(twoSignatures, { ocsp: [ocsp.good], crl: [caCrl] });
    expect(await statuses(withDss)).toEqual({
      ok: true,
      dss: { ocsp: 1, crl: 1, certificates: 0, vri: 0 },
      signatures: [
        {
          index: 1,
          certStatus: {
            status: "valid",
            code: undefined,
            message: expect.stringMatching(
              new RegExp(
                `^certificate status: "CN=Người ký good, O=Trường THCS Nguyễn Du, C=VN" good at .+Z \\(per OCSP responder "${RESPONDER}"\\)$`,
              ),
            ) as unknown,
          },
          status: { state: "good", at, responder: RESPONDER, source: "ocsp" },
        },
        {
          index: 2,
          certStatus: {
            status: "valid",
            code: undefined,
            message: expect.stringMatching(
              / good at .+Z \(per CRL of "CN=CA cấp trung gian, O=Sở GDĐT, C=VN"\)$/,
            ) as unknown,
          },
          status: { state: "good", at, responder: CA, source: "crl" },
        },
      ],
    });
    if (hasPdfsig)
      expect(pdfsig(withDss).map((s) => [s.validation, s.totalDocumentSigned])).toEqual([
        ["Signature is Valid.", false],
        ["Signature is Valid.", false],
      ]);
  });

  it("reads the evidence a DSS keeps under /VRI for the signature, and the certificates it keeps", async () => {
    const withVri = appendDss(twoSignatures, {
      ocsp: [ocsp.good],
      certs: [status.intermediate.der],
      vriOnly: true,
    });
    const read = await readDss(withVri);
    expect({ ...read, ocsp: read?.ocsp.map(toHex), certificates: read?.certificates.map(toHex) }).toEqual({
      ocsp: [toHex(basicOcspResponseOf(ocsp.good))],
      crl: [],
      certificates: [toHex(status.intermediate.der)],
      vri: 1,
    });
    expect((await statuses(withVri)).signatures.map((s) => s.status?.state)).toEqual(["good", undefined]);
  });

  it("makes a signature invalid when the evidence says its certificate was revoked before it signed (OCSP and the CA's CRL alike)", async () => {
    const revokedMessage = `"CN=Người ký revoked, O=Trường THCS Nguyễn Du, C=VN" was revoked at ${REVOKED_AT}, before the signing-time `;
    for (const [evidence, per, source, responder] of [
      [{ ocsp: [ocsp.revoked] }, "OCSP responder", "ocsp", RESPONDER],
      [{ crl: [caCrl] }, "CRL of", "crl", CA],
    ] as const) {
      const result = await verifyPdfSignatures(appendDss(byRevoked, evidence), context());
      expect({
        ok: result.ok,
        problem: result.signatures[0]!.problem,
        status: result.signatures[0]!.report!.signers[0]!.status,
      }).toEqual({
        ok: false,
        problem: {
          code: "CERT_REVOKED",
          message: expect.stringMatching(
            new RegExp(
              `^signature 1: ${literal(revokedMessage)}.+ \\(per ${per} "${literal(responder)}"\\)$`,
            ),
          ) as unknown,
        },
        status: { state: "revoked", at, revokedAt: REVOKED_AT, responder, source },
      });
    }
  });

  it("keeps a signature valid when its certificate was revoked after it signed, and says so", async () => {
    expect(await statuses(appendDss(byRevokedLater, { ocsp: [ocsp.revokedLater] }))).toEqual({
      ok: true,
      dss: { ocsp: 1, crl: 0, certificates: 0, vri: 0 },
      signatures: [
        {
          index: 1,
          certStatus: {
            status: "valid",
            code: undefined,
            message: expect.stringMatching(
              /^certificate status: ".+" revoked at .+Z, after the signing-time .+Z: the signature was made while it was valid \(per OCSP responder ".+"\)$/,
            ) as unknown,
          },
          status: { state: "revoked", at, revokedAt: at, responder: RESPONDER, source: "ocsp" },
        },
      ],
    });
  });

  it("refuses, as changed after signing, a DSS update whose rewritten catalog changes more than /DSS", async () => {
    const sneaky = appendDss(twoSignatures, { ocsp: [ocsp.good], catalogExtra: " /OpenAction 1 0 R" });
    const result = await verifyPdfSignatures(sneaky, context());
    expect([result.ok, result.problems.map((p) => p.code)]).toEqual([false, ["PDF_MODIFIED_AFTER_SIGNING"]]);
  });

  it("skips the status without evidence, and refuses evidence that does not verify (a changed OCSP response)", async () => {
    // producedAt, one second later: the responder's signature no longer covers the response.
    const forged = ocsp.good.slice();
    const producedAt = Buffer.from(forged).indexOf(Buffer.from([0x18, 0x0f])) + 2;
    forged[producedAt + 13] = forged[producedAt + 13] === 0x39 ? 0x38 : forged[producedAt + 13]! + 1;
    expect([
      (await statuses(twoSignatures)).signatures.map((s) => s.certStatus.status),
      (await statuses(appendDss(twoSignatures, { ocsp: [forged] }))).signatures.map((s) => [
        s.certStatus.status,
        s.certStatus.code,
      ]),
    ]).toEqual([
      ["skipped", "skipped"],
      [
        ["invalid", "CERT_STATUS_INVALID"],
        ["skipped", undefined],
      ],
    ]);
  });
});

/** A `hocba/pdf-1` proof of `pdf` anchored alone (root = leaf), with `statusEvidence`. */
function proofOf(pdf: Uint8Array, statusEvidence?: unknown) {
  const docHash = toHex(nodeCrypto.sha256(pdf));
  return {
    format: "hocba/pdf-1",
    documentId: "3d2d9580-bf30-4f53-9648-54c3fd3aae34",
    issuerCode: SCHOOL_CODE,
    docHash,
    structured: false,
    anchor: {
      chainId: 31337,
      registry: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
      merkleRoot: leafOf(docHash),
      leaf: leafOf(docHash),
      proof: [],
      txHash: `0x${"ab".repeat(32)}`,
      blockNumber: 7,
      anchoredAt: new Date().toISOString(),
    },
    ...(statusEvidence === undefined ? {} : { statusEvidence }),
  };
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

describe("certificate status from the evidence a hocba/pdf-1 proof carries", () => {
  it("shows each signature's status from the answers the proof carries for it, the PDF unchanged", async () => {
    const proof = proofOf(twoSignatures, [
      { signature: 1, ocsp: [b64(basicOcspResponseOf(ocsp.good))], crl: [] },
      { signature: 2, ocsp: [], crl: [b64(caCrl)] },
    ]);
    const result = await verifySignedPdf(
      twoSignatures,
      { proof },
      { trustAnchors: status.store, crypto: nodeCrypto },
    );
    const signer = result.checks.find((c) => c.name === "signer")!;
    expect({
      status: signer.status,
      signers: (signer.data!.signers as { signature: number; name: string; status?: unknown }[]).map(
        ({ signature, name, status }) => ({ signature, name, status }),
      ),
    }).toEqual({
      status: "valid",
      signers: [
        {
          signature: 1,
          name: "Người ký good",
          status: { state: "good", at, responder: RESPONDER, source: "ocsp" },
        },
        {
          signature: 2,
          name: "Người ký crlOnly",
          status: { state: "good", at, responder: CA, source: "crl" },
        },
      ],
    });
  });

  it("says the signer check is invalid when the proof's evidence shows a revocation before signing", async () => {
    const proof = proofOf(byRevoked, [
      { signature: 1, ocsp: [b64(basicOcspResponseOf(ocsp.revoked))], crl: [] },
    ]);
    const result = await verifySignedPdf(
      byRevoked,
      { proof },
      { trustAnchors: status.store, crypto: nodeCrypto },
    );
    const signer = result.checks.find((c) => c.name === "signer")!;
    expect([result.verdict, signer.status, signer.data?.code]).toEqual([
      "invalid",
      "invalid",
      "CERT_REVOKED",
    ]);
    expect(signer.message).toMatch(
      new RegExp(`^signature 1: ".+" was revoked at ${literal(REVOKED_AT)}, before`),
    );
  });

  it("refuses a proof whose statusEvidence is not base64 DER per signature number", async () => {
    const proof = proofOf(twoSignatures, [
      { signature: 1, ocsp: ["not base64!"], crl: [] },
      { signature: 1, ocsp: [], crl: [], extra: true },
    ]);
    const result = await verifySignedPdf(
      twoSignatures,
      { proof },
      { trustAnchors: status.store, crypto: nodeCrypto },
    );
    expect([result.verdict, result.checks[0]!.status, result.checks[0]!.data?.problems]).toEqual([
      "not-hocba",
      "invalid",
      [
        { path: "/statusEvidence/0/ocsp", message: "ocsp must be an array of at most 16 base64 DER values" },
        { path: "/statusEvidence/1", message: "an entry is an object of signature, ocsp and crl" },
        {
          path: "/statusEvidence/1/signature",
          message: "signature must be a signature number (1, 2…), once",
        },
      ],
    ]);
  });
});

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
