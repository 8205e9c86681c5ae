/**
 * Issue 12's "Checked by", end to end on the running service: a CA run by the `openssl` command
 * with its OCSP responder and CRLs (test/helpers/ocsp.ts) and OpenSSL's TSA (test/helpers/tsa.ts),
 * all made by this test. The principal's key is generated on a SoftHSM2 token and certified by
 * that CA; the homeroom teacher co-signs with a .p12; `hocba sign --pkcs11 … --p12 … --tsa`
 * timestamps both. The school is registered with the two leaf certificates alone (the CA is in
 * TRUST_INTERMEDIATES_DIR), the service requires timestamps and certificate status
 * (REQUIRE_TIMESTAMP, CERT_STATUS=require) and seals PDFs with a timestamp (PDF_SEAL_TSA_URL).
 * The transcript is accepted, anchored and verifies; `openssl cms -verify` accepts the credential's
 * CMS and `openssl ts -verify` each timestamp in it; `pdfsig` accepts the PDF's seal; a document
 * signed by a revoked certificate is refused.
 */
import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sign } from "../../service/src/cli/commands/sign";
import { loadConfig } from "../../service/src/config/config";
import { canonicalBytes } from "../../service/src/core/documents/hash";
import { parseDetachedSignedData } from "../../service/src/core/pki/cms";
import { OID } from "../../service/src/core/pki/oids";
import { CHECK_NAMES, type VerificationResult } from "../../service/src/core/verification";
import { startServer, type RunningServer } from "../../service/src/server/server";
import { eventually } from "../helpers/chain";
import { captureIo } from "../helpers/cli";
import { openssl, tempDir } from "../helpers/files";
import { makeTranscript } from "../helpers/fixtures";
import { makeStatusPki, type StatusPki } from "../helpers/ocsp";
import { pdfsig, pdfsigAvailable, popplerAvailable } from "../helpers/pdf";
import {
  createToken,
  generateKeyPair,
  SOFTHSM_MODULE,
  softhsmAvailable,
  USER_PIN,
  writeCertificate,
} from "../helpers/softhsm";
import { startTsa, type TestTsa } from "../helpers/tsa";

const available = softhsmAvailable() && popplerAvailable() && pdfsigAvailable();
const SCHOOL = { code: "79000712", name: "Trường THCS Nguyễn Du" };
const ADMIN_TOKEN = "e2e-durable-admin-token-0123456789";
const PRINCIPAL = "/C=VN/O=Trường THCS Nguyễn Du/title=Hiệu trưởng/CN=Nguyễn Văn Hùng";
const files = tempDir("hocba-durable-e2e");
let pki: StatusPki;
let tsa: TestTsa;
let server: RunningServer;
let apiKey: string;
let principalDer: Uint8Array;

const pem = (der: Uint8Array) =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(der)
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")}\n-----END CERTIFICATE-----\n`;

async function call<T>(method: string, route: string, token?: string, body?: unknown) {
  const response = await fetch(`${server.url}${route}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  const type = response.headers.get("content-type") ?? "";
  return {
    status: response.status,
    body: (type.includes("json") ? JSON.parse(Buffer.from(bytes).toString("utf8")) : undefined) as T,
    bytes,
  };
}

/** `hocba sign` of a new transcript: the output JSON ({document, disclosures, signature}). */
async function signTranscript(seed: number, signers: string[]): Promise<Record<string, unknown>> {
  const document = makeTranscript({
    seed,
    school: { ...SCHOOL, province: "79", level: "THCS" },
  });
  const path = files.write(`transcript-${seed}.json`, JSON.stringify(document));
  const io = captureIo({ TOKEN_PIN: USER_PIN });
  expect(await sign([path, ...signers, "--tsa", tsa.url], io)).toBe(0);
  return JSON.parse(io.stdoutText()) as Record<string, unknown>;
}

beforeAll(async () => {
  if (!available) return;
  [pki, tsa] = await Promise.all([makeStatusPki(), startTsa()]);
  // The principal's key: generated on the token, never extractable; certified by the CA.
  const token = createToken(files.path("token"), "school");
  process.env.SOFTHSM2_CONF = token.conf;
  principalDer = await pki.certifyPublicKey(
    generateKeyPair(token, "EC:prime256v1", "01", "principal"),
    PRINCIPAL,
    "3101",
  );
  writeCertificate(token, principalDer, "01", "principal");
  // The homeroom teacher's .p12, and the operator's PDF seal: leaves of the same CA.
  for (const [name, password] of [
    ["good", "gvcn"],
    ["crlOnly", "seal"],
    ["revoked", "rv"],
  ] as const)
    openssl(
      "pkcs12", "-export", "-out", files.path(`${name}.p12`), "-passout", `pass:${password}`,
      "-inkey", files.write(`${name}.key`, pki.leaves[name].keyPem), "-in", files.write(`${name}.pem`, pki.leaves[name].pem),
      "-certfile", files.write("ca.pem", pki.intermediate.pem),
    ); // prettier-ignore
  mkdirSync(files.path("trust"));
  mkdirSync(files.path("intermediates"));
  files.write("trust/root.pem", pki.rootPem);
  files.write("intermediates/ca.pem", pki.intermediate.pem);
  server = await startServer(
    loadConfig({
      DATA_DIR: files.path("data"),
      PORT: "0",
      DEMO: "off",
      ADMIN_TOKEN,
      ANCHOR_INTERVAL_MS: "200",
      LOG_LEVEL: "silent",
      TRUST_ANCHORS_DIR: files.path("trust"),
      TRUST_INTERMEDIATES_DIR: files.path("intermediates"),
      AIA_FETCH: "off",
      TSA_TRUST_DIR: tsa.trustDir,
      REQUIRE_TIMESTAMP: "true",
      CERT_STATUS: "require",
      // no reuse of a status answer: the revocation made below is seen at once
      CERT_STATUS_MAX_AGE_S: "0",
      REQUIRED_SIGNER_ROLES: "principal,homeroom",
      PDF_SEAL_P12: files.path("crlOnly.p12"),
      PDF_SEAL_PASSWORD: "seal",
      PDF_SEAL_TSA_URL: tsa.url,
    }),
    { banner: null },
  );
  // Leaf certificates alone, as exported from the token and the .p12.
  const registered = await call<{ apiKey: string }>("POST", "/api/v1/admin/issuers", ADMIN_TOKEN, {
    kind: "school",
    code: SCHOOL.code,
    name: SCHOOL.name,
    certificates: [
      { pem: pem(principalDer), role: "principal" },
      { pem: pki.leaves.good.pem, role: "homeroom" },
      { pem: pki.leaves.revoked.pem, role: "homeroom" },
    ],
  });
  expect(registered.status).toBe(201);
  apiKey = registered.body.apiKey;
}, 600_000);

afterAll(async () => {
  await server?.close();
  await tsa?.close();
  await pki?.dispose();
  files.dispose();
});

describe.skipIf(!available)(
  "a token-signed, co-signed, timestamped transcript (issue 12, Checked by)",
  () => {
    it("is accepted, anchored and verifies; openssl cms and openssl ts accept its CMS and timestamps; pdfsig its PDF's seal", async () => {
      const signed = await signTranscript(1201, [
      "--pkcs11", SOFTHSM_MODULE, "--token", "school", "--pin-env", "TOKEN_PIN", "--chain", files.path("ca.pem"),
      "--p12", files.path("good.p12"), "--password", "gvcn",
    ]); // prettier-ignore
      const document = signed.document as { id: string };
      const submitted = await call("POST", "/api/v1/transcripts", apiKey, signed);
      expect(submitted.status).toBe(202);
      await eventually(
        async () =>
          (await call<{ status: string }>("GET", `/api/v1/transcripts/${document.id}`, apiKey)).body
            .status === "anchored",
        120_000,
      );
      const credential = await call<{ format: string; document: unknown; signature: string }>(
        "GET",
        `/api/v1/transcripts/${document.id}/credential`,
        apiKey,
      );
      const verified = await call<VerificationResult>("POST", "/api/v1/verify", undefined, credential.body);

      // OpenSSL's verdicts on the stored CMS (now CAdES-LT) and on each signer's timestamp.
      const cms = new Uint8Array(Buffer.from(credential.body.signature, "base64"));
      const content = canonicalBytes(credential.body.document);
      const cmsVerify = openssl(
      "cms", "-verify", "-binary", "-inform", "DER", "-in", files.write("credential.p7s", cms),
      "-content", files.write("credential.bin", content), "-CAfile", pki.rootPath,
      "-purpose", "any", "-out", files.path("credential.out"),
    ); // prettier-ignore
      const parsed = parseDetachedSignedData(cms);
      const tsVerify = parsed.signers.map((signer, index) =>
      openssl(
        "ts", "-verify", "-token_in", "-in", files.write(`token-${index}.der`, signer.timestampTokens[0]!),
        "-data", files.write(`signature-${index}.bin`, signer.signature),
        "-CAfile", files.write("tsa-root.pem", tsa.rootPem), "-untrusted", files.write("tsa.pem", tsa.tsaPem),
      ).trim(),
    ); // prettier-ignore

      const pdf = await call("GET", `/api/v1/transcripts/${document.id}/pdf`, apiKey);
      expect({
        format: credential.body.format,
        checks: verified.body.checks.map((check) => `${check.name}: ${check.status}`),
        cmsVerify,
        tokens: parsed.signers.map((signer) => signer.timestampTokens.length),
        evidence: parsed.signers.map((signer) => signer.unsignedAttributes.has(OID.revocationValues)),
        tsVerify,
        pdf: pdf.status,
        seal: pdfsig(pdf.bytes),
      }).toEqual({
        format: "hocba/2",
        checks: CHECK_NAMES.map((name) => `${name}: valid`),
        cmsVerify: "",
        tokens: [1, 1],
        evidence: [true, true],
        tsVerify: ["Verification: OK", "Verification: OK"],
        pdf: 200,
        seal: [
          {
            type: "ETSI.CAdES.detached",
            signer: "Người ký crlOnly",
            totalDocumentSigned: true,
            validation: "Signature is Valid.",
          },
        ],
      });
    }, 300_000);

    it("refuses a transcript co-signed by a revoked certificate with CERT_REVOKED", async () => {
      await pki.revoke("revoked", new Date(Date.now() - 3_600_000));
      const signed = await signTranscript(1202, [
      "--pkcs11", SOFTHSM_MODULE, "--token", "school", "--pin-env", "TOKEN_PIN", "--chain", files.path("ca.pem"),
      "--p12", files.path("revoked.p12"), "--password", "rv",
    ]); // prettier-ignore
      const submitted = await call<{ error: { code: string } }>(
        "POST",
        "/api/v1/transcripts",
        apiKey,
        signed,
      );
      expect([submitted.status, submitted.body.error.code]).toEqual([422, "CERT_REVOKED"]);
    }, 120_000);
  },
);
