/**
 * Each signature's certificate status of a signed PDF, at verification time, from the evidence the
 * service obtained on submission (issue 17, item 4): a CA run with the openssl command line
 * (OpenSSL's OCSP responder, OpenSSL-made CRLs) certifies the principal (OCSP) and the school's
 * seal (CRL only); the service checks their status on submission (CERT_STATUS=require), anchors
 * the PDF on anvil, and its `hocba/pdf-1` proof — by hash — carries the answers per signature.
 * With the CA's responder and CRL server down, `POST /api/v1/verify` (application/pdf) and
 * `hocba verify file.pdf` (through the API, and offline with the proof) say each signature's
 * status: good at <time>, per <responder>.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeCrypto } from "../../service/src/adapters/pki/node-crypto";
import { verify } from "../../service/src/cli/commands/verify";
import { certificateInfo } from "../../service/src/core/pki/certificate";
import { statusLocations } from "../../service/src/core/pki/status";
import type { VerificationResult } from "../../service/src/core/verification";
import { settle } from "../helpers/app";
import { captureIo } from "../helpers/cli";
import { tempDir } from "../helpers/files";
import { startStatusPdfApp, submitSignedPdf, type StatusPdfApp } from "../helpers/signed-pdf-app";

const tmp = tempDir("signed-pdf-status");
const RESPONDER = "CN=OCSP responder, O=Sở GDĐT, C=VN";
const CA = "CN=CA cấp trung gian, O=Sở GDĐT, C=VN";
const ISO = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.000Z";
let s: StatusPdfApp;
/** The CRLs as the CA publishes them: the intermediate's (about the seal), the root's (about the intermediate). */
let crls: { ca: string; root: string };

const sha256 = (bytes: Uint8Array) => "0x" + createHash("sha256").update(bytes).digest("hex");
const base64Of = async (url: string) =>
  Buffer.from(await (await fetch(url)).arrayBuffer()).toString("base64");

beforeAll(async () => {
  s = await startStatusPdfApp("signed-pdf-status");
  const res = await submitSignedPdf(s.api, s.twoSignatures);
  expect(res.statusCode).toBe(202);
  await settle(s.api.anchoring);
  const seal = certificateInfo(s.status.leaves.crlOnly.der, nodeCrypto, "SIGNATURE_MALFORMED");
  const intermediate = certificateInfo(s.status.intermediate.der, nodeCrypto, "SIGNATURE_MALFORMED");
  crls = {
    ca: await base64Of(statusLocations(seal).crl[0]!),
    root: await base64Of(statusLocations(intermediate).crl[0]!),
  };
  // From here on, verification needs nothing from the CA.
  await s.status.stopResponder();
  s.status.serveCrls(false);
}, 300_000);
afterAll(async () => {
  await s?.dispose();
  tmp.dispose();
});

async function proof(): Promise<Record<string, unknown>> {
  const res = await s.api.app.inject({ method: "GET", url: `/api/v1/pdf-proofs/${sha256(s.twoSignatures)}` });
  expect(res.statusCode).toBe(200);
  return res.json<Record<string, unknown>>();
}

describe("a signed PDF's certificate status, kept at submission and told at verification", () => {
  it("gives the proof by hash with each signature's OCSP response or CRLs, and nothing personal", async () => {
    const found = await proof();
    const evidence = found.statusEvidence as { signature: number; ocsp: string[]; crl: string[] }[];
    expect([Object.keys(found).sort(), evidence.map((e) => ({ ...e, ocsp: e.ocsp.length }))]).toEqual([
      ["anchor", "docHash", "documentId", "format", "issuerCode", "statusEvidence", "structured"],
      [
        // the principal: its OCSP response, and the root's CRL about the intermediate CA
        { signature: 1, ocsp: 1, crl: [crls.root] },
        // the seal names only a CRL: the intermediate's, then the root's
        { signature: 2, ocsp: 0, crl: [crls.ca, crls.root] },
      ],
    ]);
  });

  it("verifies the PDF sent alone with each signature's status — good at a time, per the responder or the CA's CRL — the CA's servers down", async () => {
    const res = await s.api.app.inject({
      method: "POST",
      url: "/api/v1/verify",
      headers: { "content-type": "application/pdf" },
      payload: Buffer.from(s.twoSignatures),
    });
    const result = res.json<VerificationResult>();
    const signer = result.checks.find((c) => c.name === "signer")!;
    const at = expect.stringMatching(new RegExp(`^${ISO}$`)) as unknown;
    expect({
      status: res.statusCode,
      verdict: result.verdict,
      signer: signer.status,
      signers: (signer.data!.signers as Record<string, unknown>[]).map(
        ({ signature, role, name, status }) => ({
          signature,
          role,
          name,
          status,
        }),
      ),
    }).toEqual({
      status: 200,
      verdict: "valid",
      signer: "valid",
      signers: [
        {
          signature: 1,
          role: "principal",
          name: "Người ký good",
          status: { state: "good", at, responder: RESPONDER, source: "ocsp" },
        },
        {
          signature: 2,
          role: "organisation",
          name: "Người ký crlOnly",
          status: { state: "good", at, responder: CA, source: "crl" },
        },
      ],
    });
    expect(signer.message).toMatch(
      new RegExp(
        `certificate status: "CN=Người ký good, O=Trường THCS Nguyễn Du, C=VN" good at ${ISO} \\(per OCSP responder "${RESPONDER}"\\)`,
      ),
    );
  });

  it("hocba verify file.pdf prints each signer's certificate status, through the API and offline with the proof", async () => {
    const pdf = tmp.write("hoc-ba.pdf", s.twoSignatures);
    const proofFile = tmp.write("hoc-ba.proof.json", JSON.stringify(await proof()));
    const trust = tmp.path("trust");
    mkdirSync(trust);
    writeFileSync(`${trust}/root.pem`, s.status.rootPem);
    const viaApi = captureIo({ HOCBA_API_URL: s.api.url });
    const offline = captureIo({});
    expect([
      await verify([pdf], viaApi),
      await verify([pdf, "--proof", proofFile, "--trust", trust], offline),
    ]).toEqual([0, 0]);
    const lines = (text: string) => text.split("\n").filter((line) => line.startsWith("signed by "));
    expect([lines(viaApi.stdoutText()), lines(offline.stdoutText())]).toEqual([
      [
        expect.stringMatching(
          new RegExp(
            `^signed by principal: Người ký good \\(Trường THCS Nguyễn Du\\); certificate good at ${ISO}, per OCSP responder "${RESPONDER}"$`,
          ),
        ),
        expect.stringMatching(
          new RegExp(
            `^signed by organisation: Người ký crlOnly \\(Trường THCS Nguyễn Du\\); certificate good at ${ISO}, per CRL of "${CA}"$`,
          ),
        ),
      ],
      [
        expect.stringMatching(
          /^signed by \(role not checked\): Người ký good .+; certificate good at .+, per OCSP responder ".+"$/,
        ),
        expect.stringMatching(
          /^signed by \(role not checked\): Người ký crlOnly .+; certificate good at .+, per CRL of ".+"$/,
        ),
      ],
    ]);
  });
});
