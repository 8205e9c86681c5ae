/**
 * The signature-verification port. The core decides WHAT to verify (algorithm, key, bytes); the
 * port does the arithmetic. The default runs on WebCrypto, so the verifier page works unchanged;
 * the service plugs in node:crypto (adapters/pki/node-crypto.ts), which verifies several times
 * faster and synchronously. Key handles are opaque to the core and cached per certificate.
 */
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { DerError, TAG, childrenOf, contentOf, expectTag, readRoot } from "./der";

export type HashName = "SHA-256" | "SHA-384" | "SHA-512";

export type PublicKeyAlgorithm =
  { kind: "RSA"; modulusBits: number } | { kind: "EC"; namedCurve: "P-256" | "P-384" };

/** RSA means RSASSA-PKCS1-v1_5. ECDSA signatures are passed DER-encoded, as CMS and X.509 carry them. */
export interface SignatureAlgorithm {
  kind: "RSA" | "EC";
  hash: HashName;
}

export interface PkiCrypto {
  /** Imports a DER SubjectPublicKeyInfo; the handle is opaque to the core. */
  importPublicKey(spki: Uint8Array, algorithm: PublicKeyAlgorithm): Promise<unknown>;
  /** True when `signature` is valid over `data`; false (never a throw) for a wrong or garbled one. */
  verify(
    publicKey: unknown,
    algorithm: SignatureAlgorithm,
    data: Uint8Array,
    signature: Uint8Array,
  ): Promise<boolean>;
  sha256(data: Uint8Array): Uint8Array;
}

/** WebCrypto implementation: works in browsers and in Node (globalThis.crypto). */
export const webCrypto: PkiCrypto = {
  importPublicKey(spki, algorithm) {
    const params =
      algorithm.kind === "RSA"
        ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }
        : { name: "ECDSA", namedCurve: algorithm.namedCurve };
    // The hash bound at import is irrelevant for ECDSA; for RSA each hash needs its own key object.
    const handle: WebKeyHandle = { algorithm, keys: new Map(), spki: spki.slice(), params };
    return Promise.resolve(handle);
  },
  async verify(handle, algorithm, data, signature) {
    const webHandle = handle as WebKeyHandle;
    const key = await webKeyFor(webHandle, algorithm.hash);
    let raw: Uint8Array;
    if (algorithm.kind === "EC") {
      const size = webHandle.algorithm.kind === "EC" && webHandle.algorithm.namedCurve === "P-384" ? 48 : 32;
      const converted = ecdsaDerToRaw(signature, size);
      if (converted === undefined) return false;
      raw = converted;
    } else {
      raw = signature;
    }
    const params =
      algorithm.kind === "RSA" ? { name: "RSASSA-PKCS1-v1_5" } : { name: "ECDSA", hash: algorithm.hash };
    return crypto.subtle.verify(params, key, new Uint8Array(raw), new Uint8Array(data));
  },
  sha256: (data) => nobleSha256(data),
};

interface WebKeyHandle {
  algorithm: PublicKeyAlgorithm;
  keys: Map<HashName, Promise<CryptoKey>>;
  spki: Uint8Array<ArrayBuffer>;
  params: { name: string; hash?: string; namedCurve?: string };
}

function webKeyFor(handle: WebKeyHandle, hash: HashName): Promise<CryptoKey> {
  const slot = handle.algorithm.kind === "RSA" ? hash : "SHA-256";
  let key = handle.keys.get(slot);
  if (key === undefined) {
    const params = handle.algorithm.kind === "RSA" ? { ...handle.params, hash } : handle.params;
    key = crypto.subtle.importKey("spki", handle.spki, params, false, ["verify"]);
    handle.keys.set(slot, key);
  }
  return key;
}

/** DER `SEQUENCE { r INTEGER, s INTEGER }` → fixed-size r‖s, as WebCrypto wants; undefined if malformed. */
export function ecdsaDerToRaw(signature: Uint8Array, size: number): Uint8Array | undefined {
  try {
    const parts = childrenOf(signature, expectTag(readRoot(signature), TAG.sequence, "ECDSA signature"));
    if (parts.length !== 2) return undefined;
    const raw = new Uint8Array(size * 2);
    for (const [i, part] of parts.entries()) {
      let value = contentOf(signature, expectTag(part, TAG.integer, "ECDSA integer"));
      if (value.length === 0 || (value[0]! & 0x80) !== 0) return undefined; // empty or negative
      while (value.length > 1 && value[0] === 0) value = value.subarray(1);
      if (value.length > size) return undefined;
      raw.set(value, (i + 1) * size - value.length);
    }
    return raw;
  } catch (error) {
    if (error instanceof DerError) return undefined;
    throw error;
  }
}
