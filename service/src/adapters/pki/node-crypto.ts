/**
 * node:crypto implementation of the core's signature port: synchronous OpenSSL verification with
 * KeyObjects, several times faster than WebCrypto in Node (toolchain.md: RSA-2048 35–46k/s, P-256
 * 12–19k/s per core). The service and the CLI pass it as `crypto` to verifyDetached; the browser
 * keeps the core's WebCrypto default.
 */
import { createHash, createPublicKey, verify, type KeyObject } from "node:crypto";
import type { PkiCrypto } from "../../core/pki";

const NODE_HASH = { "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" } as const;

export const nodeCrypto: PkiCrypto = {
  importPublicKey(spki) {
    return Promise.resolve(createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" }));
  },
  verify(publicKey, algorithm, data, signature) {
    const key = publicKey as KeyObject; // the handle this adapter's importPublicKey returned
    if (key.asymmetricKeyType !== (algorithm.kind === "RSA" ? "rsa" : "ec")) return Promise.resolve(false);
    try {
      // RSA keys default to PKCS#1 v1.5 padding; ECDSA signatures are DER, as CMS carries them.
      return Promise.resolve(verify(NODE_HASH[algorithm.hash], data, { key, dsaEncoding: "der" }, signature));
    } catch {
      return Promise.resolve(false); // garbled signature encoding
    }
  },
  sha256(data) {
    return createHash("sha256").update(data).digest();
  },
};
