import { createPrivateKey, verify, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  loadSignerFromP12,
  loadSignerFromPem,
  type LoadedSigner,
} from "../../../service/src/adapters/pki/keys";
import { writeP12 } from "../../../service/src/adapters/pki/p12";
import type { KeyAlgorithm } from "../../../service/src/adapters/pki/certificates";
import { isHocbaError } from "../../../service/src/core/errors";
import { openssl, opensslReport, tempDir } from "../../helpers/files";
import { makeSchoolPki, type SchoolPki } from "../../helpers/pki";

const tmp = tempDir("keys");
const pkis = new Map<KeyAlgorithm, SchoolPki>();

beforeAll(async () => {
  for (const algorithm of ["P-256", "RSA-2048"] as const) {
    const pki = await makeSchoolPki(algorithm);
    pkis.set(algorithm, pki);
    tmp.write(`${algorithm}.key.pem`, pki.principal.privateKeyPkcs8Pem);
    tmp.write(`${algorithm}.cert.pem`, pki.principal.certificatePem);
    tmp.write(`${algorithm}.ca.pem`, pki.intermediate.certificatePem + pki.root.certificatePem);
  }
});
afterAll(() => tmp.dispose());

function pkiOf(algorithm: KeyAlgorithm): SchoolPki {
  return pkis.get(algorithm)!;
}

/** What every successful load of the principal's material must give. */
function expectedSigner(algorithm: KeyAlgorithm) {
  const pki = pkiOf(algorithm);
  return {
    certificate: pki.principal.certificate,
    chain: [pki.intermediate.certificate],
    privateKey: expect.any(CryptoKey) as unknown,
    keyAlgorithm: algorithm,
    subject: "CN=Nguyễn Văn Hùng, title=Hiệu trưởng, O=Trường THCS Nguyễn Du, C=VN",
  };
}

/** The loaded key really is the certificate's: a signature by it verifies with the certificate. */
async function expectKeyMatches(signer: LoadedSigner): Promise<void> {
  const data = new TextEncoder().encode("học bạ");
  const algorithm =
    signer.keyAlgorithm === "P-256" ? { name: "ECDSA", hash: "SHA-256" } : { name: "RSASSA-PKCS1-v1_5" };
  const signature = new Uint8Array(await crypto.subtle.sign(algorithm, signer.privateKey, data));
  const publicKey = new X509Certificate(signer.certificate).publicKey;
  expect(verify("sha256", data, { key: publicKey, dsaEncoding: "ieee-p1363" }, signature)).toBe(true);
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isHocbaError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected a rejection");
}

/** Exports the principal of `algorithm` with openssl; `legacy` picks the 3DES/RC2/SHA-1 kind. */
function opensslP12(algorithm: KeyAlgorithm, legacy: boolean, password = "mật-khẩu"): string {
  const out = tmp.path(`${algorithm}-${legacy ? "legacy" : "modern"}.p12`);
  openssl(
    "pkcs12",
    "-export",
    ...(legacy
      ? ["-legacy", "-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-RC2-40", "-macalg", "sha1"]
      : []),
    "-inkey",
    tmp.path(`${algorithm}.key.pem`),
    "-in",
    tmp.path(`${algorithm}.cert.pem`),
    "-certfile",
    tmp.path(`${algorithm}.ca.pem`),
    "-passout",
    `pass:${password}`,
    "-out",
    out,
  );
  return out;
}

function p12Algorithms(path: string, legacy: boolean, password = "mật-khẩu"): string[] {
  const info = opensslReport(
    "pkcs12",
    "-info",
    "-noout",
    ...(legacy ? ["-legacy"] : []),
    "-in",
    path,
    "-passin",
    `pass:${password}`,
  );
  return info.split("\n").filter((line) => /^(MAC:|PKCS7 Encrypted data:|Shrouded Keybag:)/.test(line));
}

describe("loadSignerFromP12", () => {
  it.each(["P-256", "RSA-2048"] as const)(
    "loads an OpenSSL 3 default .p12 (AES-256-CBC, PBKDF2, HMAC-SHA-256) with a %s key and a Vietnamese password",
    async (algorithm) => {
      const path = opensslP12(algorithm, false);
      expect(p12Algorithms(path, false)).toEqual([
        "MAC: sha256, Iteration 2048",
        "PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256",
        "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256",
      ]);
      const signer = await loadSignerFromP12(readFileSync(path), "mật-khẩu");
      expect(signer).toEqual(expectedSigner(algorithm));
      await expectKeyMatches(signer);
    },
  );

  it.each(["P-256", "RSA-2048"] as const)(
    "loads a legacy .p12 (3DES key, RC2-40 certificates, SHA-1 MAC) with a %s key",
    async (algorithm) => {
      const path = opensslP12(algorithm, true);
      expect(p12Algorithms(path, true)).toEqual([
        "MAC: sha1, Iteration 2048",
        "PKCS7 Encrypted data: pbeWithSHA1And40BitRC2-CBC, Iteration 2048",
        "Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048",
      ]);
      const signer = await loadSignerFromP12(readFileSync(path), "mật-khẩu");
      expect(signer).toEqual(expectedSigner(algorithm));
      await expectKeyMatches(signer);
    },
  );

  it("finds the signer by its key when the CA certificates come first", async () => {
    const pki = pkiOf("P-256");
    const p12 = writeP12({
      privateKeyPkcs8: pkcs8Of(pki.principal.privateKeyPkcs8Pem),
      certificates: [pki.root.certificate, pki.intermediate.certificate, pki.principal.certificate],
      password: "demo",
    });
    expect(await loadSignerFromP12(p12, "demo")).toEqual(expectedSigner("P-256"));
  });

  it("rejects a wrong password of a modern and of a legacy .p12", async () => {
    const expected = { code: "P12_PASSWORD_INVALID", message: "the .p12 password is wrong" };
    expect(await failure(loadSignerFromP12(readFileSync(opensslP12("P-256", false)), "sai"))).toEqual(
      expected,
    );
    expect(await failure(loadSignerFromP12(readFileSync(opensslP12("RSA-2048", true)), "sai"))).toEqual(
      expected,
    );
  });

  it("rejects bytes that are not a PKCS#12 file", async () => {
    expect(await failure(loadSignerFromP12(new TextEncoder().encode("not a p12 at all"), "demo"))).toEqual({
      code: "P12_INVALID",
      message: expect.stringMatching(/^not a readable PKCS#12 \(\.p12\) file: /) as unknown,
    });
  });

  it("rejects a truncated .p12", async () => {
    const bytes = readFileSync(opensslP12("P-256", false));
    expect(await failure(loadSignerFromP12(bytes.subarray(0, bytes.length - 40), "mật-khẩu"))).toEqual({
      code: "P12_INVALID",
      message: expect.stringMatching(/^not a readable PKCS#12 \(\.p12\) file: /) as unknown,
    });
  });

  it("rejects a .p12 that holds certificates but no private key", async () => {
    const path = tmp.path("nokey.p12");
    openssl(
      "pkcs12",
      "-export",
      "-nokeys",
      "-in",
      tmp.path("P-256.cert.pem"),
      "-passout",
      "pass:demo",
      "-out",
      path,
    );
    expect(await failure(loadSignerFromP12(readFileSync(path), "demo"))).toEqual({
      code: "P12_INVALID",
      message: "the .p12 file holds no private key",
    });
  });

  it("rejects a .p12 whose certificate is not the key's", async () => {
    const p12 = writeP12({
      privateKeyPkcs8: pkcs8Of(pkiOf("P-256").principal.privateKeyPkcs8Pem),
      certificates: [pkiOf("P-256").homeroom.certificate],
      password: "demo",
    });
    expect(await failure(loadSignerFromP12(p12, "demo"))).toEqual({
      code: "KEY_INVALID",
      message:
        "no certificate matches the private key (certificates: CN=Trần Thị Mai, title=Giáo viên chủ nhiệm, O=Trường THCS Nguyễn Du, C=VN)",
    });
  });
});

describe("loadSignerFromPem", () => {
  it("loads a PKCS#8 key with a certificate file holding the whole chain in any order", async () => {
    const pki = pkiOf("RSA-2048");
    const signer = await loadSignerFromPem({
      keyPem: pki.principal.privateKeyPkcs8Pem,
      certPem: pki.root.certificatePem + pki.principal.certificatePem + pki.intermediate.certificatePem,
    });
    expect(signer).toEqual(expectedSigner("RSA-2048"));
  });

  it("loads traditional EC PRIVATE KEY and RSA PRIVATE KEY files with a separate chain file", async () => {
    for (const [algorithm, type] of [
      ["P-256", "sec1"],
      ["RSA-2048", "pkcs1"],
    ] as const) {
      const pki = pkiOf(algorithm);
      const keyPem = createPrivateKey(pki.principal.privateKeyPkcs8Pem).export({
        format: "pem",
        type,
      }) as string;
      expect(keyPem).toMatch(
        algorithm === "P-256" ? /^-----BEGIN EC PRIVATE KEY-----/ : /^-----BEGIN RSA PRIVATE KEY-----/,
      );
      const signer = await loadSignerFromPem({
        keyPem,
        certPem: pki.principal.certificatePem,
        chainPem: pki.intermediate.certificatePem,
      });
      expect(signer).toEqual(expectedSigner(algorithm));
      await expectKeyMatches(signer);
    }
  });

  it("loads an encrypted PKCS#8 key with its passphrase and rejects it without or with a wrong one", async () => {
    const pki = pkiOf("P-256");
    const keyPem = createPrivateKey(pki.principal.privateKeyPkcs8Pem).export({
      format: "pem",
      type: "pkcs8",
      cipher: "aes-256-cbc",
      passphrase: "bí mật",
    }) as string;
    const files = {
      keyPem,
      certPem: pki.principal.certificatePem,
      chainPem: pki.intermediate.certificatePem,
    };
    expect(await loadSignerFromPem({ ...files, passphrase: "bí mật" })).toEqual(expectedSigner("P-256"));
    const expected = {
      code: "KEY_INVALID",
      message: "the private key cannot be read: it is encrypted and its password is missing or wrong",
    };
    expect(await failure(loadSignerFromPem(files))).toEqual(expected);
    expect(await failure(loadSignerFromPem({ ...files, passphrase: "sai" }))).toEqual(expected);
  });

  it("rejects a key and a certificate that do not belong together", async () => {
    const pki = pkiOf("P-256");
    expect(
      await failure(
        loadSignerFromPem({ keyPem: pki.homeroom.privateKeyPkcs8Pem, certPem: pki.principal.certificatePem }),
      ),
    ).toEqual({
      code: "KEY_INVALID",
      message:
        "no certificate matches the private key (certificates: CN=Nguyễn Văn Hùng, title=Hiệu trưởng, O=Trường THCS Nguyễn Du, C=VN)",
    });
  });

  it("rejects RSA keys under 2048 bits and curves other than P-256", async () => {
    openssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:1024",
      "-nodes",
      "-subj",
      "/CN=weak",
      "-days",
      "1",
      "-keyout",
      tmp.path("rsa1024.key"),
      "-out",
      tmp.path("rsa1024.crt"),
    );
    openssl(
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-384",
      "-nodes",
      "-subj",
      "/CN=p384",
      "-days",
      "1",
      "-keyout",
      tmp.path("p384.key"),
      "-out",
      tmp.path("p384.crt"),
    );
    const load = (name: string) =>
      failure(
        loadSignerFromPem({
          keyPem: readFileSync(tmp.path(`${name}.key`), "utf8"),
          certPem: readFileSync(tmp.path(`${name}.crt`), "utf8"),
        }),
      );
    expect(await load("rsa1024")).toEqual({
      code: "KEY_INVALID",
      message: "RSA-1024 is too weak: hocba requires RSA ≥ 2048 or P-256",
    });
    expect(await load("p384")).toEqual({
      code: "KEY_INVALID",
      message: "unsupported EC curve secp384r1: hocba signs with P-256 or RSA ≥ 2048",
    });
  });

  it("rejects unreadable PEM: a garbled key, no certificate, a garbled certificate", async () => {
    const pki = pkiOf("P-256");
    expect(
      await failure(
        loadSignerFromPem({
          keyPem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
          certPem: pki.principal.certificatePem,
        }),
      ),
    ).toEqual({
      code: "KEY_INVALID",
      message: expect.stringMatching(/^the private key cannot be read: /) as unknown,
    });
    expect(
      await failure(loadSignerFromPem({ keyPem: pki.principal.privateKeyPkcs8Pem, certPem: "hello" })),
    ).toEqual({
      code: "KEY_INVALID",
      message: "the certificate file holds no PEM certificate",
    });
    expect(
      await failure(
        loadSignerFromPem({
          keyPem: pki.principal.privateKeyPkcs8Pem,
          certPem: "-----BEGIN CERTIFICATE-----\nMIIBAA==\n-----END CERTIFICATE-----\n",
        }),
      ),
    ).toEqual({
      code: "KEY_INVALID",
      message: expect.stringMatching(/^the certificate file holds an unreadable certificate: /) as unknown,
    });
  });
});

function pkcs8Of(pem: string): Uint8Array {
  return createPrivateKey(pem).export({ format: "der", type: "pkcs8" });
}
