import { createPrivateKey, X509Certificate } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { writeP12 } from "../../../service/src/adapters/pki/p12";
import { openssl, opensslReport, tempDir } from "../../helpers/files";
import { makeSchoolPki } from "../../helpers/pki";

const tmp = tempDir("p12");
afterAll(() => tmp.dispose());

describe("writeP12", () => {
  it.each(["P-256", "RSA-2048"] as const)(
    "writes a %s .p12 that openssl reads with its default (AES-256/PBKDF2/SHA-256) algorithms and a Vietnamese password",
    async (algorithm) => {
      const pki = await makeSchoolPki(algorithm);
      const path = tmp.write(
        `${algorithm}.p12`,
        writeP12({
          privateKeyPkcs8: createPrivateKey(pki.principal.privateKeyPkcs8Pem).export({
            format: "der",
            type: "pkcs8",
          }),
          certificates: [pki.principal.certificate, pki.intermediate.certificate],
          password: "mật khẩu",
          friendlyName: "DEMO01",
        }),
      );
      const info = opensslReport("pkcs12", "-info", "-noout", "-in", path, "-passin", "pass:mật khẩu");
      expect(
        info.split("\n").filter((line) => /^(MAC:|PKCS7 Encrypted data:|Shrouded Keybag:)/.test(line)),
      ).toEqual([
        "MAC: sha256, Iteration 2048",
        "PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256",
        "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256",
      ]);

      const certificates = openssl("pkcs12", "-in", path, "-passin", "pass:mật khẩu", "-nokeys")
        .match(/-----BEGIN CERTIFICATE-----[^-]*-----END CERTIFICATE-----/g)!
        .map((pem) => new Uint8Array(new X509Certificate(pem).raw));
      expect(certificates).toEqual([pki.principal.certificate, pki.intermediate.certificate]);
      const keyPem = openssl("pkcs12", "-in", path, "-passin", "pass:mật khẩu", "-nocerts", "-nodes");
      const der = (pem: string) => createPrivateKey(pem).export({ format: "der", type: "pkcs8" });
      expect(der(keyPem)).toEqual(der(pki.principal.privateKeyPkcs8Pem));
      expect(openssl("pkcs12", "-in", path, "-passin", "pass:mật khẩu", "-nokeys", "-clcerts")).toContain(
        "friendlyName: DEMO01",
      );
    },
  );

  it("writes a file openssl refuses with another password", () => {
    const path = tmp.write(
      "pw.p12",
      writeP12({ privateKeyPkcs8: new Uint8Array([0x30, 0x00]), certificates: [], password: "demo" }),
    );
    expect(opensslReport("pkcs12", "-info", "-noout", "-in", path, "-passin", "pass:other")).toContain(
      "Mac verify error",
    );
  });
});
