/**
 * A signer from a `.p12` file, opened in the page: the reader the CLI uses too (adapters/pki/p12-read.ts) decrypts the
 * file, WebCrypto imports the key, and the certificate whose public key is the key's is the
 * signer's (never "the first": CA tools order bags every way); the other non-root certificates go
 * along as its chain. The key ends up non-extractable in WebCrypto; the file, the password and the
 * key never leave the page (nothing here calls the network).
 */
import * as pkijs from "pkijs";
import { HocbaError } from "../../../service/src/core/errors";
import { readP12 } from "../../../service/src/adapters/pki/p12-read";
import type { SignerInput } from "../../../service/src/core/pki/sign";

const RSA_OID = "1.2.840.113549.1.1.1";
const EC_OID = "1.2.840.10045.2.1";
const P256_OID = "1.2.840.10045.3.1.7";

export interface PageSigner extends SignerInput {
  privateKey: CryptoKey;
  /** The signer certificate's subject common name (for the page's messages). */
  name: string;
}

function importParams(pkcs8: Uint8Array): RsaHashedImportParams | EcKeyImportParams {
  let info: pkijs.PrivateKeyInfo;
  try {
    info = pkijs.PrivateKeyInfo.fromBER(pkcs8.slice());
  } catch (error) {
    throw new HocbaError("KEY_INVALID", "the private key in the .p12 file cannot be read", { cause: error });
  }
  const algorithm = info.privateKeyAlgorithm;
  if (algorithm.algorithmId === RSA_OID) return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  if (algorithm.algorithmId === EC_OID) {
    const curve = (
      algorithm.algorithmParams as { valueBlock?: { toString(): string } } | undefined
    )?.valueBlock?.toString();
    if (curve === P256_OID) return { name: "ECDSA", namedCurve: "P-256" };
    throw new HocbaError(
      "KEY_INVALID",
      `unsupported EC curve ${curve ?? "?"}: hocba signs with P-256 or RSA`,
    );
  }
  throw new HocbaError(
    "KEY_INVALID",
    `unsupported key type ${algorithm.algorithmId}: hocba signs with P-256 or RSA`,
  );
}

/** The public part of a JWK, as one comparable string. */
function publicPart(jwk: JsonWebKey): string {
  return jwk.kty === "RSA" ? `RSA ${jwk.n} ${jwk.e}` : `EC ${jwk.crv} ${jwk.x} ${jwk.y}`;
}

function isSelfSigned(certificate: pkijs.Certificate): boolean {
  return certificate.issuer.isEqual(certificate.subject);
}

function commonName(certificate: pkijs.Certificate): string {
  const cn = certificate.subject.typesAndValues.find((tv) => tv.type === "2.5.4.3");
  return cn ? String(cn.value.valueBlock.value) : "";
}

/**
 * Opens `bytes` with `password` into a signer for `signDetached`.
 * @throws HocbaError P12_PASSWORD_INVALID, P12_INVALID (adapters/pki/p12-read.ts); KEY_INVALID when the key
 *   is not RSA or P-256 or no certificate in the file matches it.
 */
export async function signerFromP12(bytes: Uint8Array, password: string): Promise<PageSigner> {
  const { keys, certificates } = readP12(bytes, password);
  const parsed = certificates.map((der) => ({ der, certificate: pkijs.Certificate.fromBER(der.slice()) }));
  for (const pkcs8 of keys) {
    const params = importParams(pkcs8);
    const exportable = await crypto.subtle.importKey("pkcs8", pkcs8.slice(), params, true, ["sign"]);
    const mine = publicPart(await crypto.subtle.exportKey("jwk", exportable));
    for (const { der, certificate } of parsed) {
      const spki = certificate.subjectPublicKeyInfo.toSchema().toBER(false);
      let theirs: string;
      try {
        const publicKey = await crypto.subtle.importKey("spki", spki, params, true, ["verify"]);
        theirs = publicPart(await crypto.subtle.exportKey("jwk", publicKey));
      } catch {
        continue; // another algorithm's certificate (a CA's)
      }
      if (theirs !== mine) continue;
      const privateKey = await crypto.subtle.importKey("pkcs8", pkcs8.slice(), params, false, ["sign"]);
      const chain = parsed.filter((c) => c.der !== der && !isSelfSigned(c.certificate)).map((c) => c.der);
      return { certificate: der, chain, privateKey, name: commonName(certificate) };
    }
  }
  throw new HocbaError("KEY_INVALID", "no certificate in the .p12 file matches its private key");
}
