/**
 * Loads a signer's key material from the files schools actually hold: a PEM key beside its
 * certificate(s), or a password-protected `.p12` exported by a CA tool — OpenSSL 3's default
 * (AES-256/PBKDF2) or the legacy 3DES/RC2 kind older tools still produce. p12-read.ts opens
 * every kind of .p12 (with node-forge; the school workspace page uses it too); node:crypto then checks the
 * key and the certificates, and the key ends up as a non-extractable WebCrypto key, which is what
 * the CMS signer in core/pki takes.
 *
 * The signer certificate is the one whose public key matches the private key, never "the first":
 * CA tools order bags and PEM bundles in every possible way.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from "node:crypto";
import { HocbaError } from "../../core/errors";
import { readP12 } from "./p12-read";
import type { CmsSigner, SignerInput } from "../../core/pki/sign";

/** "P-256", or "RSA-<modulus bits>" (at least 2048). */
export type SignerKeyAlgorithm = "P-256" | `RSA-${number}`;

/**
 * A signer ready for `signDetached`: key, certificate and the intermediates to include. `K` is a
 * WebCrypto key for key files, a CmsSigner for a key that stays on a token (adapters/pki/pkcs11.ts).
 */
export interface LoadedSigner<K extends CryptoKey | CmsSigner = CryptoKey> extends SignerInput {
  /** The signer's certificate, DER. */
  certificate: Uint8Array;
  /** Intermediate CA certificates, DER: the signer's issuer first; no root, not the signer. */
  chain: Uint8Array[];
  /** Non-extractable WebCrypto key usable for "sign" (ECDSA P-256 or RSASSA-PKCS1-v1_5/SHA-256). */
  privateKey: K;
  keyAlgorithm: SignerKeyAlgorithm;
  /** The signer certificate's subject, as node:crypto prints it (for messages). */
  subject: string;
}

export interface PemSignerFiles {
  /** PKCS#8 ("PRIVATE KEY"), "EC PRIVATE KEY", "RSA PRIVATE KEY" or "ENCRYPTED PRIVATE KEY". */
  keyPem: string;
  /** The signer's certificate; may also hold its chain (the signer is found by its key). */
  certPem: string;
  /** More certificates (intermediates, possibly the signer and the root again). */
  chainPem?: string;
  /** Password of an "ENCRYPTED PRIVATE KEY". */
  passphrase?: string;
}

export const MIN_RSA_MODULUS_BITS = 2048;

/**
 * Loads a signer from PEM text.
 * @throws HocbaError KEY_INVALID when the key or a certificate is unreadable, the key type is not
 *   RSA ≥ 2048 or ECDSA P-256, or no certificate matches the key.
 * @example
 * const signer = await loadSignerFromPem({ keyPem: readFileSync("DEMO01.key.pem", "utf8"), certPem: readFileSync("DEMO01.chain.pem", "utf8") });
 */
export async function loadSignerFromPem(files: PemSignerFiles): Promise<LoadedSigner> {
  let key: KeyObject;
  try {
    key = createPrivateKey(
      files.passphrase === undefined ? files.keyPem : { key: files.keyPem, passphrase: files.passphrase },
    );
  } catch (error) {
    const why = /ENCRYPTED/.test(files.keyPem)
      ? "it is encrypted and its password is missing or wrong"
      : describe(error);
    throw new HocbaError("KEY_INVALID", `the private key cannot be read: ${why}`, { cause: error });
  }
  const certificates = [
    ...readPemCertificates(files.certPem, "certificate"),
    ...readPemCertificates(files.chainPem ?? "", "chain"),
  ];
  if (certificates.length === 0)
    throw new HocbaError("KEY_INVALID", "the certificate file holds no PEM certificate");
  return assembleSigner(key, certificates);
}

/**
 * Loads a signer from the bytes of a `.p12` / `.pfx` file.
 * @throws HocbaError P12_PASSWORD_INVALID when the password is wrong; P12_INVALID when the bytes
 *   are not a PKCS#12 file or it holds no private key; KEY_INVALID as loadSignerFromPem.
 * @example
 * const signer = await loadSignerFromP12(readFileSync("DEMO01.p12"), "demo");
 */
export async function loadSignerFromP12(bytes: Uint8Array, password: string): Promise<LoadedSigner> {
  const { keys, certificates: ders } = readP12(bytes, password);
  const certificates = ders.map((der) => parseCertificate(der, "the .p12 file"));
  let lastError: unknown;
  for (const der of keys) {
    try {
      return await assembleSigner(keyObjectOf(der), certificates);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

function keyObjectOf(pkcs8: Uint8Array): KeyObject {
  try {
    return createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" });
  } catch (error) {
    throw new HocbaError(
      "KEY_INVALID",
      `the private key in the .p12 file cannot be read: ${describe(error)}`,
      { cause: error },
    );
  }
}

/** Checks the key type, finds the certificate matching the key and orders its chain. */
async function assembleSigner(key: KeyObject, certificates: X509Certificate[]): Promise<LoadedSigner> {
  const { keyAlgorithm, importParams } = keyAlgorithmOf(key);
  const signer = certificates.find((certificate) => certificate.checkPrivateKey(key));
  if (signer === undefined) {
    const subjects = certificates
      .map((certificate) => (certificate.subject ?? "").replace(/\n/g, ", "))
      .join("; ");
    throw new HocbaError("KEY_INVALID", `no certificate matches the private key (certificates: ${subjects})`);
  }
  const pkcs8 = key.export({ format: "der", type: "pkcs8" });
  const privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, importParams, false, ["sign"]);
  return {
    certificate: new Uint8Array(signer.raw),
    chain: orderChain(signer, certificates).map((certificate) => new Uint8Array(certificate.raw)),
    privateKey,
    keyAlgorithm,
    subject: (signer.subject ?? "").replace(/\n/g, ", "),
  };
}

function keyAlgorithmOf(key: KeyObject): {
  keyAlgorithm: SignerKeyAlgorithm;
  importParams: RsaHashedImportParams | EcKeyImportParams;
} {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "ec") {
    if (details.namedCurve !== "prime256v1")
      throw new HocbaError(
        "KEY_INVALID",
        `unsupported EC curve ${details.namedCurve ?? "?"}: hocba signs with P-256 or RSA ≥ ${MIN_RSA_MODULUS_BITS}`,
      );
    return { keyAlgorithm: "P-256", importParams: { name: "ECDSA", namedCurve: "P-256" } };
  }
  if (key.asymmetricKeyType === "rsa") {
    const bits = details.modulusLength ?? 0;
    if (bits < MIN_RSA_MODULUS_BITS)
      throw new HocbaError(
        "KEY_INVALID",
        `RSA-${bits} is too weak: hocba requires RSA ≥ ${MIN_RSA_MODULUS_BITS} or P-256`,
      );
    return { keyAlgorithm: `RSA-${bits}`, importParams: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } };
  }
  throw new HocbaError(
    "KEY_INVALID",
    `unsupported key type ${key.asymmetricKeyType ?? "?"}: hocba signs with P-256 or RSA ≥ ${MIN_RSA_MODULUS_BITS}`,
  );
}

/**
 * The intermediates to include for `signer` (a certificate read elsewhere, e.g. from a token),
 * from the certificates of a PEM chain file, ordered as for a key-file signer.
 * @throws HocbaError KEY_INVALID when a certificate in the file is unreadable.
 */
export function chainFromPem(signer: X509Certificate, chainPem: string): Uint8Array[] {
  return orderChain(signer, readPemCertificates(chainPem, "chain")).map(
    (certificate) => new Uint8Array(certificate.raw),
  );
}

/**
 * The intermediates from the signer towards a root: each certificate's issuer next. Self-signed
 * roots and the signer itself are left out (the verifier has its own roots); certificates not on
 * the path are kept at the end, as harmless extras a verifier may still use.
 */
function orderChain(signer: X509Certificate, certificates: X509Certificate[]): X509Certificate[] {
  const pool = unique(certificates).filter(
    (c) => c.fingerprint256 !== signer.fingerprint256 && !isSelfSigned(c),
  );
  const ordered: X509Certificate[] = [];
  let current = signer;
  for (;;) {
    const issuer = pool.find(
      (c) => !ordered.includes(c) && current.checkIssued(c) && current.verify(c.publicKey),
    );
    if (issuer === undefined) break;
    ordered.push(issuer);
    current = issuer;
  }
  return [...ordered, ...pool.filter((c) => !ordered.includes(c))];
}

function isSelfSigned(certificate: X509Certificate): boolean {
  return certificate.checkIssued(certificate) && certificate.verify(certificate.publicKey);
}

function unique(certificates: X509Certificate[]): X509Certificate[] {
  const seen = new Map<string, X509Certificate>();
  for (const certificate of certificates) seen.set(certificate.fingerprint256, certificate);
  return [...seen.values()];
}

function readPemCertificates(text: string, what: string): X509Certificate[] {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[^-]*-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => parseCertificate(block, `the ${what} file`));
}

function parseCertificate(data: string | Uint8Array, where: string): X509Certificate {
  try {
    return new X509Certificate(data);
  } catch (error) {
    throw new HocbaError("KEY_INVALID", `${where} holds an unreadable certificate: ${describe(error)}`, {
      cause: error,
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
