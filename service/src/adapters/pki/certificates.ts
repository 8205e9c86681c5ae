/**
 * Certificate factory for tests, benchmarks and the demo PKI: issues X.509 certificates with
 * WebCrypto keys, so every test can build the exact chain it needs (expired, not a CA, path
 * length exceeded, wrong extended key usage…) instead of shipping fixture files that rot.
 * Production certificates come from licensed CAs; nothing in the verification path uses this.
 *
 * Built on @peculiar/x509 (which bundles its own asn1js): the results are handed on as DER bytes,
 * never as @peculiar objects, so pkijs and node:crypto can read them without sharing classes.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

export type KeyAlgorithm = "P-256" | "RSA-2048" | "RSA-3072";

export type KeyUsageName =
  "digitalSignature" | "nonRepudiation" | "keyCertSign" | "cRLSign" | "keyEncipherment";

export interface IssueCertificateOptions {
  /** X.500 name, e.g. "CN=Nguyễn Văn A, O=Trường THCS Nguyễn Du, C=VN". */
  subject: string;
  /** Default P-256. */
  keyAlgorithm?: KeyAlgorithm;
  /** The issuing CA; omitted = self-signed (a root). */
  issuer?: IssuedCertificate;
  /**
   * basicConstraints cA=true (critical). `pathLength` undefined = no limit. Omitted or false = a
   * leaf, which carries no basicConstraints at all (as most end-entity certificates).
   */
  ca?: boolean | { pathLength?: number };
  /** Default: CA → keyCertSign + cRLSign; leaf → digitalSignature + nonRepudiation. [] = no extension. */
  keyUsage?: KeyUsageName[];
  /** OIDs of the extended key usage extension; default none (absent EKU = any purpose). */
  extendedKeyUsage?: string[];
  /** Default: one hour ago (tolerates clock skew between test processes). */
  notBefore?: Date;
  /** Default: notBefore + 10 years for a CA, + 2 years for a leaf. */
  notAfter?: Date;
  /** Hexadecimal; default random positive 16 bytes. */
  serialNumber?: string;
}

export interface IssuedCertificate {
  /** DER. */
  certificate: Uint8Array;
  certificatePem: string;
  privateKey: CryptoKey;
  privateKeyPkcs8Pem: string;
  publicKey: CryptoKey;
  keyAlgorithm: KeyAlgorithm;
  subject: string;
}

const KEY_USAGE_FLAGS: Record<KeyUsageName, x509.KeyUsageFlags> = {
  digitalSignature: x509.KeyUsageFlags.digitalSignature,
  nonRepudiation: x509.KeyUsageFlags.nonRepudiation,
  keyCertSign: x509.KeyUsageFlags.keyCertSign,
  cRLSign: x509.KeyUsageFlags.cRLSign,
  keyEncipherment: x509.KeyUsageFlags.keyEncipherment,
};

const HOUR_MS = 3_600_000;
const YEAR_MS = 365 * 24 * HOUR_MS;

/** The WebCrypto algorithm a key of this kind signs with (SHA-256 throughout, as hocba requires). */
export function signingAlgorithmOf(keyAlgorithm: KeyAlgorithm): RsaHashedKeyGenParams | EcKeyGenParams {
  switch (keyAlgorithm) {
    case "P-256":
      return { name: "ECDSA", namedCurve: "P-256" };
    case "RSA-2048":
    case "RSA-3072":
      return {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: keyAlgorithm === "RSA-2048" ? 2048 : 3072,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      };
  }
}

/**
 * Issues a certificate (and generates its key pair): a self-signed root when `issuer` is omitted,
 * otherwise signed by the issuer's private key with the issuer's subject as issuer name and an
 * authority key identifier matching the issuer's subject key identifier.
 *
 * @example
 * const root = await issueCertificate({ subject: "CN=Demo Root CA, C=VN", ca: true });
 * const school = await issueCertificate({ subject: "CN=Hiệu trưởng, O=Trường THCS Nguyễn Du, C=VN", issuer: root });
 */
export async function issueCertificate(options: IssueCertificateOptions): Promise<IssuedCertificate> {
  const keyAlgorithm = options.keyAlgorithm ?? "P-256";
  const algorithm = signingAlgorithmOf(keyAlgorithm);
  const keys = await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  const isCa = options.ca !== undefined && options.ca !== false;
  const pathLength = typeof options.ca === "object" ? options.ca.pathLength : undefined;
  const notBefore = options.notBefore ?? new Date(Date.now() - HOUR_MS);
  const notAfter = options.notAfter ?? new Date(notBefore.getTime() + (isCa ? 10 : 2) * YEAR_MS);
  const keyUsage =
    options.keyUsage ?? (isCa ? ["keyCertSign", "cRLSign"] : ["digitalSignature", "nonRepudiation"]);

  const extensions: x509.Extension[] = [];
  if (isCa) extensions.push(new x509.BasicConstraintsExtension(true, pathLength, true));
  if (keyUsage.length > 0) {
    const flags = keyUsage.reduce((sum, usage) => sum | KEY_USAGE_FLAGS[usage], 0);
    extensions.push(new x509.KeyUsagesExtension(flags, true));
  }
  if (options.extendedKeyUsage !== undefined) {
    extensions.push(new x509.ExtendedKeyUsageExtension(options.extendedKeyUsage, false));
  }
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(keys.publicKey));

  const issuer = options.issuer;
  const base = {
    serialNumber: options.serialNumber ?? randomSerial(),
    notBefore,
    notAfter,
    signingAlgorithm: algorithm,
  };
  let certificate: x509.X509Certificate;
  if (issuer === undefined) {
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey));
    certificate = await x509.X509CertificateGenerator.createSelfSigned({
      ...base,
      name: options.subject,
      keys,
      extensions,
    });
  } else {
    const issuerCertificate = new x509.X509Certificate(new Uint8Array(issuer.certificate));
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuer.publicKey));
    certificate = await x509.X509CertificateGenerator.create({
      ...base,
      signingAlgorithm: signingAlgorithmOf(issuer.keyAlgorithm),
      subject: options.subject,
      issuer: issuerCertificate.subjectName,
      publicKey: keys.publicKey,
      signingKey: issuer.privateKey,
      extensions,
    });
  }

  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  return {
    certificate: new Uint8Array(certificate.rawData),
    certificatePem: certificate.toString("pem") + "\n",
    privateKey: keys.privateKey,
    privateKeyPkcs8Pem: x509.PemConverter.encode(pkcs8, "PRIVATE KEY") + "\n",
    publicKey: keys.publicKey,
    keyAlgorithm,
    subject: options.subject,
  };
}

function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01; // positive, no leading zero byte: a 16-byte INTEGER
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
