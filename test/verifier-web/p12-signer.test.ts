/**
 * The workspace page's .p12 signer (verifier-web/src/workspace/p12-signer.ts), in Node's WebCrypto
 * as in a browser's: files written as OpenSSL 3 does (adapters/pki/p12.ts) and by openssl itself
 * in the legacy 3DES/RC2 kind, RSA and P-256, the CAs in any order; what it signs verifies with
 * the core's verifier against the school's root; a wrong password, another file, a key without its
 * certificate are refused with their codes.
 */
import { createPrivateKey } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { writeP12 } from "../../service/src/adapters/pki/p12";
import { isHocbaError } from "../../service/src/core/errors";
import { signDetached, verifyDetached } from "../../service/src/core/pki";
import { signerFromP12 } from "../../verifier-web/src/workspace/p12-signer";
import { openssl, tempDir } from "../helpers/files";
import { makeSchoolPki, type SchoolPki } from "../helpers/pki";

const tmp = tempDir("p12-signer");
const PASSWORD = "Mật-khẩu-demo";
let p256: SchoolPki;
let rsa: SchoolPki;

beforeAll(async () => {
  [p256, rsa] = await Promise.all([makeSchoolPki("P-256"), makeSchoolPki("RSA-2048")]);
});

function pkcs8Of(pki: SchoolPki): Uint8Array {
  return new Uint8Array(
    createPrivateKey(pki.principal.privateKeyPkcs8Pem).export({ format: "der", type: "pkcs8" }),
  );
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isHocbaError(error)) return error.code;
    throw error;
  }
  throw new Error("expected a refusal");
}

/** Signs the bytes with the signer and verifies them as a submission would (chain to the root). */
async function signsVerifiably(pki: SchoolPki, bytes: Uint8Array, password: string): Promise<unknown> {
  const signer = await signerFromP12(bytes, password);
  const content = new TextEncoder().encode('{"học bạ":"9A1"}');
  const cms = await signDetached(content, [signer]);
  const report = await verifyDetached(content, cms, { trustAnchors: pki.store });
  return {
    name: signer.name,
    certificate: Buffer.from(signer.certificate).equals(Buffer.from(pki.principal.certificate)),
    chain: (signer.chain ?? []).map((der) =>
      Buffer.from(der).equals(Buffer.from(pki.intermediate.certificate)),
    ),
    extractable: signer.privateKey.extractable,
    ok: report.ok,
  };
}

const expected = {
  name: "Nguyễn Văn Hùng",
  certificate: true,
  chain: [true],
  extractable: false,
  ok: true,
};

describe("the workspace page's .p12 signer", () => {
  it.each(["P-256", "RSA-2048"] as const)(
    "opens an OpenSSL 3 style %s file with a Vietnamese password, the CAs first, and signs what verifies",
    async (algorithm) => {
      const pki = algorithm === "P-256" ? p256 : rsa;
      const bytes = writeP12({
        privateKeyPkcs8: pkcs8Of(pki),
        certificates: [pki.root.certificate, pki.intermediate.certificate, pki.principal.certificate],
        password: PASSWORD,
      });
      expect(await signsVerifiably(pki, bytes, PASSWORD)).toEqual(expected);
    },
  );

  it("opens a legacy 3DES/RC2 file made by openssl", async () => {
    writeFileSync(tmp.path("key.pem"), p256.principal.privateKeyPkcs8Pem);
    writeFileSync(tmp.path("cert.pem"), p256.principal.certificatePem);
    writeFileSync(tmp.path("ca.pem"), p256.intermediate.certificatePem);
    openssl(
      "pkcs12",
      "-export",
      "-legacy",
      "-keypbe",
      "PBE-SHA1-3DES",
      "-certpbe",
      "PBE-SHA1-RC2-40",
      "-macalg",
      "sha1",
      "-inkey",
      tmp.path("key.pem"),
      "-in",
      tmp.path("cert.pem"),
      "-certfile",
      tmp.path("ca.pem"),
      "-passout",
      "pass:demo",
      "-out",
      tmp.path("legacy.p12"),
    );
    expect(await signsVerifiably(p256, new Uint8Array(readFileSync(tmp.path("legacy.p12"))), "demo")).toEqual(
      expected,
    );
  });

  it("refuses a wrong password, a file that is not a .p12, and a key whose certificate is not in the file", async () => {
    const bytes = writeP12({
      privateKeyPkcs8: pkcs8Of(p256),
      certificates: [p256.principal.certificate],
      password: PASSWORD,
    });
    const withoutItsCertificate = writeP12({
      privateKeyPkcs8: pkcs8Of(p256),
      certificates: [p256.homeroom.certificate, p256.intermediate.certificate],
      password: PASSWORD,
    });
    expect({
      wrongPassword: await refusal(signerFromP12(bytes, "sai")),
      notP12: await refusal(signerFromP12(new TextEncoder().encode("không phải p12"), PASSWORD)),
      noCertificate: await refusal(signerFromP12(withoutItsCertificate, PASSWORD)),
    }).toEqual({
      wrongPassword: "P12_PASSWORD_INVALID",
      notP12: "P12_INVALID",
      noCertificate: "KEY_INVALID",
    });
  });
});
