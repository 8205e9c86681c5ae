/**
 * Signature checks by a certificate's key, shared by the CMS signer check and the chain check:
 * the key-type and key-size rules live here once, and each certificate's public key is imported
 * once per crypto implementation (the handles of WebCrypto and node:crypto are not interchangeable).
 */
import { BoundedCache } from "./bounded-cache";
import type { CertificateInfo } from "./certificate";
import type { PkiCrypto, SignatureAlgorithm } from "./crypto";
import { oncePer } from "../once-per";

export const MIN_RSA_BITS = 2048;

export interface KeyRing {
  readonly crypto: PkiCrypto;
  /** Undefined when `signature` by `signer`'s key over `data` is valid, otherwise why not. */
  check(
    signer: CertificateInfo,
    algorithm: SignatureAlgorithm,
    data: Uint8Array,
    signature: Uint8Array,
  ): Promise<string | undefined>;
}

/** The key ring of a crypto implementation (one per implementation, for the life of the process). */
export const keyRingFor: (crypto: PkiCrypto) => KeyRing = oncePer((crypto: PkiCrypto) =>
  createKeyRing(crypto),
);

function createKeyRing(crypto: PkiCrypto): KeyRing {
  const keys = new BoundedCache<string, Promise<unknown>>(10_000);
  return {
    crypto,
    async check(signer, algorithm, data, signature) {
      const key = signer.publicKeyAlgorithm;
      if (key === undefined) return `the key of "${signer.subject}" is of an unsupported type`;
      if (key.kind !== algorithm.kind)
        return `the signature algorithm does not match the key of "${signer.subject}"`;
      if (key.kind === "RSA" && key.modulusBits < MIN_RSA_BITS) {
        return `the RSA key of "${signer.subject}" has ${key.modulusBits} bits (minimum ${MIN_RSA_BITS})`;
      }
      let handle = keys.get(signer.fingerprint);
      if (handle === undefined) {
        // A thrown import (node:crypto throws at once) is a rejected handle like any other.
        handle = Promise.resolve().then(() => crypto.importPublicKey(signer.spki, key));
        keys.set(signer.fingerprint, handle);
        handle.catch(() => keys.delete(signer.fingerprint));
      }
      // A public key that cannot be imported (bits that are no point of the curve, a garbled RSA
      // modulus) is the certificate's fault, not ours: the signature cannot verify with it. The
      // WebCrypto port imports lazily, so its `verify` is where such a key fails.
      const corrupt = `the public key of "${signer.subject}" is corrupt (it cannot be imported)`;
      let imported: unknown;
      try {
        imported = await handle;
      } catch {
        return corrupt;
      }
      let ok: boolean;
      try {
        ok = await crypto.verify(imported, algorithm, data, signature);
      } catch {
        return corrupt;
      }
      return ok ? undefined : `the signature does not verify with the key of "${signer.subject}"`;
    },
  };
}
