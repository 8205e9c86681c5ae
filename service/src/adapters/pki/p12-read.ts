/**
 * Opens a password-protected `.p12` (PKCS#12) file into its private keys (PKCS#8 DER) and
 * certificates (DER), in Node and in the browser alike (browser-safe: node-forge only, no Node
 * built-in; the one adapter the school workspace page may import, .dependency-cruiser.cjs): OpenSSL 3's default (AES-256/PBKDF2) and
 * the legacy 3DES/RC2 kind older CA tools still produce. node-forge decrypts every kind (pkijs
 * fails on the legacy ones). Which certificate belongs to which key is the caller's question
 * (adapters/pki/keys.ts with node:crypto, the school workspace with WebCrypto).
 */
import forge from "node-forge";
import { HocbaError } from "../../core/errors";

export interface P12Parts {
  /** Each private key, as PKCS#8 PrivateKeyInfo DER (RSA or EC). */
  keys: Uint8Array[];
  /** Each certificate, DER, in the file's order. */
  certificates: Uint8Array[];
}

/**
 * The keys and certificates of a `.p12` file.
 * @throws HocbaError P12_PASSWORD_INVALID when the password is wrong; P12_INVALID when the bytes
 *   are not a PKCS#12 file, or it holds no private key or no certificate, or an unreadable one.
 * @example
 * const { keys, certificates } = readP12(bytes, "demo");
 */
export function readP12(bytes: Uint8Array, password: string): P12Parts {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = parseP12(forge.asn1.fromDer(forge.util.createBuffer(binaryString(bytes))), password);
  } catch (error) {
    if (/invalid password|wrong password/i.test(describe(error)))
      throw new HocbaError("P12_PASSWORD_INVALID", "the .p12 password is wrong", { cause: error });
    throw new HocbaError("P12_INVALID", `not a readable PKCS#12 (.p12) file: ${describe(error)}`, {
      cause: error,
    });
  }
  const bagsOf = (bagType: string): forge.pkcs12.Bag[] => p12.getBags({ bagType })[bagType] ?? [];
  const keyBags = [...bagsOf(forge.pki.oids.pkcs8ShroudedKeyBag!), ...bagsOf(forge.pki.oids.keyBag!)];
  if (keyBags.length === 0) throw new HocbaError("P12_INVALID", "the .p12 file holds no private key");
  const certificates = bagsOf(forge.pki.oids.certBag!).map((bag) => {
    // forge parses RSA certificates into objects and leaves others (EC) as ASN.1; both re-encode
    // to the original DER.
    const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : (bag as { asn1?: forge.asn1.Asn1 }).asn1;
    if (asn1 === undefined)
      throw new HocbaError("P12_INVALID", "the .p12 file holds an unreadable certificate");
    return bytesOf(forge.asn1.toDer(asn1).getBytes());
  });
  if (certificates.length === 0) throw new HocbaError("P12_INVALID", "the .p12 file holds no certificate");
  const keys = keyBags.flatMap((bag) => {
    // RSA keys come back as forge objects, others (EC) as the decrypted PrivateKeyInfo's ASN.1.
    const asn1 = bag.key
      ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key))
      : (bag as { asn1?: forge.asn1.Asn1 }).asn1;
    return asn1 === undefined ? [] : [bytesOf(forge.asn1.toDer(asn1).getBytes())];
  });
  if (keys.length === 0) throw new HocbaError("P12_INVALID", "the .p12 file holds no readable private key");
  return { keys, certificates };
}

/**
 * forge uses one password string for everything, but OpenSSL derives PBES2 (AES) keys from the
 * password's UTF-8 bytes and the MAC and legacy PBE keys from its UTF-16 (BMPString) form: a
 * non-ASCII password opens the MAC and then fails to decrypt (or, rarely, decrypts to garbage).
 * Then the MAC has been verified with the real password, so the file is read again without it,
 * with the UTF-8 bytes as password.
 */
function parseP12(asn1: forge.asn1.Asn1, password: string): forge.pkcs12.Pkcs12Pfx {
  try {
    return forge.pkcs12.pkcs12FromAsn1(asn1, password);
  } catch (error) {
    // Decrypting AES with the wrong (UTF-16-derived) key usually fails its padding check, but about
    // one time in 256 the padding happens to look right and the garbage fails later, as ASN.1: any
    // error after the MAC (which a wrong password fails first) means "try the UTF-8 bytes".
    if (
      /^[\x20-\x7e]*$/.test(password) ||
      /invalid password|mac could not be verified/i.test(describe(error))
    )
      throw error;
    const withoutMac = { ...asn1, value: (asn1.value as forge.asn1.Asn1[]).slice(0, 2) };
    return forge.pkcs12.pkcs12FromAsn1(withoutMac, forge.util.encodeUtf8(password));
  }
}

function binaryString(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return text;
}

function bytesOf(binary: string): Uint8Array {
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
