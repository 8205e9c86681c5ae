/**
 * Interoperability with the real `openssl cms` (docs/formats.md, issue 4 item 4), both ways: what
 * OpenSSL signs over a document's canonical bytes verifies in hocba, what hocba signs verifies in
 * OpenSSL, and OpenSSL-made bad signatures fail in hocba with the right code. OpenSSL is the
 * oracle, so the tests also show it rejecting what it should (else they could not fail).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IssuedCertificate } from "../../../service/src/adapters/pki/certificates";
import { nodeCrypto } from "../../../service/src/adapters/pki/node-crypto";
import { canonicalBytes, docHash } from "../../../service/src/core/documents/hash";
import { assertSignatureValid, signDetached, verifyDetached } from "../../../service/src/core/pki";
import { makeTranscript } from "../../helpers/fixtures";
import {
  expectedOutcome,
  fingerprintOf,
  issue,
  makeSchoolPki,
  outcomeOf,
  signerOf,
  type SchoolPki,
} from "../../helpers/pki";

const dir = mkdtempSync(join(tmpdir(), "hocba-openssl-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const content = canonicalBytes(makeTranscript({ seed: 11, grades: [8, 9] }));
const contentFile = join(dir, "canonical.bin");
writeFileSync(contentFile, content);

let counter = 0;
function file(name: string, data: string | Uint8Array): string {
  const path = join(dir, `${counter++}-${name}`);
  writeFileSync(path, data);
  return path;
}

/** `openssl cms -sign`, detached unless told otherwise, DER, SHA-256. */
function opensslSign(
  signer: IssuedCertificate,
  chain: IssuedCertificate[],
  extra: string[] = [],
): Uint8Array {
  const out = join(dir, `${counter++}-openssl.der`);
  execFileSync("openssl", [
    "cms", "-sign", "-binary", "-md", "sha256", "-outform", "DER",
    "-signer", file("signer.pem", signer.certificatePem),
    "-inkey", file("signer.key", signer.privateKeyPkcs8Pem),
    ...(chain.length > 0 ? ["-certfile", file("chain.pem", chain.map((ca) => ca.certificatePem).join(""))] : []),
    "-in", contentFile, "-out", out, ...extra,
  ]); // prettier-ignore
  return new Uint8Array(readFileSync(out));
}

/** `openssl cms -verify` of a detached DER signature; the exit status and stderr. */
function opensslVerify(
  cms: Uint8Array,
  root: IssuedCertificate,
  data: Uint8Array = content,
): { ok: boolean; stderr: string } {
  try {
    execFileSync(
      "openssl",
      ["cms", "-verify", "-binary", "-inform", "DER", "-in", file("sig.der", cms), "-content", file("content.bin", data),
        "-CAfile", file("root.pem", root.certificatePem), "-purpose", "any", "-out", "/dev/null"], // prettier-ignore
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    return { ok: true, stderr: "" };
  } catch (error) {
    return { ok: false, stderr: String((error as { stderr?: unknown }).stderr) };
  }
}

describe.each(["RSA-2048", "P-256"] as const)("OpenSSL and hocba with %s signers", (keyAlgorithm) => {
  let pki: SchoolPki;
  beforeAll(async () => {
    pki = await makeSchoolPki(keyAlgorithm);
  });

  it("a signature made by openssl cms -sign verifies in hocba", async () => {
    const cms = opensslSign(pki.principal, [pki.intermediate]);
    const report = await verifyDetached(content, cms, { trustAnchors: pki.store, crypto: nodeCrypto });
    expect(outcomeOf(report)).toEqual(expectedOutcome({}, ["authorization", "roles"]));
    expect(
      report.signers.map(({ fingerprint, messageDigest, chain }) => ({ fingerprint, messageDigest, chain })),
    ).toEqual([
      {
        fingerprint: fingerprintOf(pki.principal),
        messageDigest: docHash(makeTranscript({ seed: 11, grades: [8, 9] })),
        chain: [fingerprintOf(pki.principal), fingerprintOf(pki.intermediate), fingerprintOf(pki.root)],
      },
    ]);
  });

  it("a signature made by openssl naming its signer by subject key identifier (-keyid) verifies in hocba", async () => {
    const cms = opensslSign(pki.principal, [pki.intermediate], ["-keyid"]);
    const report = await verifyDetached(content, cms, { trustAnchors: pki.store, crypto: nodeCrypto });
    expect(outcomeOf(report)).toEqual(expectedOutcome({}, ["authorization", "roles"]));
  });

  it("a signature made by hocba verifies with openssl cms -verify, and fails there over other content", async () => {
    const cms = await signDetached(content, [signerOf(pki.principal, pki.intermediate)]);
    expect(opensslVerify(cms, pki.root)).toEqual({ ok: true, stderr: "" });
    expect(opensslVerify(cms, pki.root, canonicalBytes({ other: "document" })).stderr).toContain(
      "CMS_SignerInfo_verify_content:verification failure",
    );
  });

  it("a principal and a homeroom teacher signing together verify with openssl", async () => {
    const cms = await signDetached(content, [
      signerOf(pki.principal, pki.intermediate),
      signerOf(pki.homeroom, pki.intermediate),
    ]);
    expect(opensslVerify(cms, pki.root)).toEqual({ ok: true, stderr: "" });
  });
});

describe("OpenSSL-made bad signatures fail in hocba with their code", () => {
  let pki: SchoolPki;
  beforeAll(async () => {
    pki = await makeSchoolPki("RSA-2048");
  });

  it("a signer outside the trust anchors: CERT_UNTRUSTED (and OpenSSL agrees)", async () => {
    const stranger = await makeSchoolPki("RSA-2048");
    const cms = opensslSign(stranger.principal, [stranger.intermediate, stranger.root]);
    await expect(assertSignatureValid(content, cms, { trustAnchors: pki.store })).rejects.toMatchObject({
      code: "CERT_UNTRUSTED",
    });
    expect(opensslVerify(cms, pki.root).stderr).toContain("self-signed certificate in certificate chain");
  });

  it("a signature with the content attached (-nodetach): SIGNATURE_MALFORMED", async () => {
    const cms = opensslSign(pki.principal, [pki.intermediate], ["-nodetach"]);
    await expect(assertSignatureValid(content, cms, { trustAnchors: pki.store })).rejects.toMatchObject({
      code: "SIGNATURE_MALFORMED",
    });
  });

  it("a signature without signed attributes (-noattr): SIGNATURE_MALFORMED", async () => {
    const cms = opensslSign(pki.principal, [pki.intermediate], ["-noattr"]);
    await expect(assertSignatureValid(content, cms, { trustAnchors: pki.store })).rejects.toMatchObject({
      code: "SIGNATURE_MALFORMED",
    });
  });

  it("a signer certificate that has expired: CERT_EXPIRED (and OpenSSL agrees)", async () => {
    const expired = await issue({
      subject: "CN=Expired signer, C=VN",
      issuer: pki.intermediate,
      keyAlgorithm: "RSA-2048",
      notAfter: new Date("2025-01-01T00:00:00Z"),
    });
    const cms = opensslSign(expired, [pki.intermediate]);
    await expect(assertSignatureValid(content, cms, { trustAnchors: pki.store })).rejects.toMatchObject({
      code: "CERT_EXPIRED",
    });
    expect(opensslVerify(cms, pki.root).stderr).toContain("certificate has expired");
  });

  it("a signer certificate whose extended key usage is TLS server only: CERT_EXTENDED_KEY_USAGE", async () => {
    const tls = await issue({
      subject: "CN=TLS only, C=VN",
      issuer: pki.intermediate,
      extendedKeyUsage: ["1.3.6.1.5.5.7.3.1"],
    });
    const cms = opensslSign(tls, [pki.intermediate]);
    await expect(assertSignatureValid(content, cms, { trustAnchors: pki.store })).rejects.toMatchObject({
      code: "CERT_EXTENDED_KEY_USAGE",
    });
  });

  it("a signature over other bytes: DIGEST_MISMATCH", async () => {
    const cms = opensslSign(pki.principal, [pki.intermediate]);
    await expect(
      assertSignatureValid(canonicalBytes({ other: "document" }), cms, { trustAnchors: pki.store }),
    ).rejects.toMatchObject({
      code: "DIGEST_MISMATCH",
    });
  });
});
