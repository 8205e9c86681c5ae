/**
 * The certificate factory issues exactly the certificate asked for: the tests read its output back
 * with the core's certificate reader and with OpenSSL, so a factory defect cannot hide a verifier one.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { issueCertificate } from "../../../service/src/adapters/pki/certificates";
import { nodeCrypto } from "../../../service/src/adapters/pki/node-crypto";
import { certificateInfo } from "../../../service/src/core/pki/certificate";
import { fingerprintOf } from "../../helpers/pki";

const dir = mkdtempSync(join(tmpdir(), "hocba-certs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function read(der: Uint8Array) {
  const info = certificateInfo(der, nodeCrypto, "SIGNATURE_MALFORMED");
  return {
    subject: info.subject,
    issuer: info.issuer,
    notBefore: info.notBefore.toISOString(),
    notAfter: info.notAfter.toISOString(),
    publicKeyAlgorithm: info.publicKeyAlgorithm,
    basicConstraints: info.basicConstraints,
    keyUsage: info.keyUsage === undefined ? undefined : [...info.keyUsage],
    extendedKeyUsage: info.extendedKeyUsage,
    serialHex: info.serialHex,
    fingerprint: info.fingerprint,
  };
}

const notBefore = new Date("2024-01-01T00:00:00Z");
const notAfter = new Date("2030-01-01T00:00:00Z");

describe("issueCertificate", () => {
  it("issues a self-signed RSA root CA without a path-length limit by default", async () => {
    const root = await issueCertificate({
      subject: "CN=Root, O=Bộ GDĐT, C=VN",
      ca: true,
      keyAlgorithm: "RSA-2048",
      notBefore,
      notAfter,
      serialNumber: "01",
    });
    expect(read(root.certificate)).toEqual({
      subject: "CN=Root, O=Bộ GDĐT, C=VN",
      issuer: "CN=Root, O=Bộ GDĐT, C=VN",
      notBefore: "2024-01-01T00:00:00.000Z",
      notAfter: "2030-01-01T00:00:00.000Z",
      publicKeyAlgorithm: { kind: "RSA", modulusBits: 2048 },
      basicConstraints: { ca: true },
      keyUsage: ["keyCertSign", "cRLSign"],
      extendedKeyUsage: undefined,
      serialHex: "01",
      fingerprint: fingerprintOf(root),
    });
    expect(root).toMatchObject({ keyAlgorithm: "RSA-2048", subject: "CN=Root, O=Bộ GDĐT, C=VN" });
    expect(root.certificatePem).toMatch(
      /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/,
    );
    expect(root.privateKeyPkcs8Pem).toMatch(
      /^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/,
    );
  });

  it("issues a P-256 leaf for signing, chained to its issuer, that OpenSSL verifies", async () => {
    const root = await issueCertificate({
      subject: "CN=Root, C=VN",
      ca: { pathLength: 1 },
      keyAlgorithm: "RSA-3072",
    });
    const ca = await issueCertificate({ subject: "CN=School CA, C=VN", ca: { pathLength: 0 }, issuer: root });
    const leaf = await issueCertificate({
      subject: "CN=Nguyễn Văn A, O=Trường THCS Nguyễn Du, C=VN",
      issuer: ca,
      extendedKeyUsage: ["1.3.6.1.5.5.7.3.4"],
      notBefore,
      notAfter,
    });
    expect(read(ca.certificate)).toMatchObject({
      basicConstraints: { ca: true, pathLength: 0 },
      issuer: "CN=Root, C=VN",
    });
    expect(read(leaf.certificate)).toEqual({
      subject: "CN=Nguyễn Văn A, O=Trường THCS Nguyễn Du, C=VN",
      issuer: "CN=School CA, C=VN",
      notBefore: "2024-01-01T00:00:00.000Z",
      notAfter: "2030-01-01T00:00:00.000Z",
      publicKeyAlgorithm: { kind: "EC", namedCurve: "P-256" },
      basicConstraints: undefined,
      keyUsage: ["digitalSignature", "nonRepudiation"],
      extendedKeyUsage: ["1.3.6.1.5.5.7.3.4"],
      serialHex: expect.stringMatching(/^[0-7][0-9a-f]{31}$/) as unknown,
      fingerprint: fingerprintOf(leaf),
    });
    writeFileSync(join(dir, "root.pem"), root.certificatePem);
    writeFileSync(join(dir, "ca.pem"), ca.certificatePem);
    writeFileSync(join(dir, "leaf.pem"), leaf.certificatePem);
    writeFileSync(join(dir, "leaf.key"), leaf.privateKeyPkcs8Pem);
    const verified = execFileSync("openssl", [
      "verify",
      "-CAfile",
      join(dir, "root.pem"),
      "-untrusted",
      join(dir, "ca.pem"),
      join(dir, "leaf.pem"),
    ]);
    expect(verified.toString()).toBe(`${join(dir, "leaf.pem")}: OK\n`);
    const keyMatches = execFileSync("openssl", ["pkey", "-in", join(dir, "leaf.key"), "-pubout"]).toString();
    expect(keyMatches).toBe(
      execFileSync("openssl", ["x509", "-in", join(dir, "leaf.pem"), "-noout", "-pubkey"]).toString(),
    );
  });

  it("issues a leaf with exactly the key usages asked for", async () => {
    const leaf = await issueCertificate({
      subject: "CN=Encryption only, C=VN",
      keyUsage: ["keyEncipherment"],
    });
    expect(read(leaf.certificate).keyUsage).toEqual(["keyEncipherment"]);
    const none = await issueCertificate({ subject: "CN=No key usage, C=VN", keyUsage: [] });
    expect(read(none.certificate).keyUsage).toBeUndefined();
  });
});
