/**
 * Makes the detached CMS SignedData a school attaches to a transcript (docs/formats.md): SHA-256,
 * signed attributes content-type, message-digest and signing-time, each signer's certificate and
 * chain included, and optionally an RFC 3161 signature timestamp per signer (CAdES-T). Built with pkijs — signing is rare and its output must be exactly what OpenSSL
 * and other CMS tools expect, so the well-tested builder wins over speed here.
 */
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { HocbaError } from "../errors";
import { sha256 } from "@noble/hashes/sha2.js";
import { OID } from "./oids";

/**
 * A private key that signs where it lives (a PKCS#11 token, a remote signing service): hocba hands
 * it the DER of the signer's signed attributes and puts what it returns into the SignerInfo.
 */
export interface CmsSigner {
  /** "RSA": sha256WithRSAEncryption (RSASSA-PKCS1-v1_5); "ECDSA": ecdsa-with-SHA256 (P-256). */
  readonly algorithm: "RSA" | "ECDSA";
  /**
   * Signs `signedAttributesDer` with SHA-256; returns the signature as CMS carries it: the PKCS#1
   * v1.5 signature for RSA, the DER Ecdsa-Sig-Value (SEQUENCE of r and s) for ECDSA.
   */
  sign(signedAttributesDer: Uint8Array): Promise<Uint8Array> | Uint8Array;
}

export interface SignerInput {
  /** The signer's certificate, DER. */
  certificate: Uint8Array;
  /** Intermediate CA certificates to include, DER (the root may be included too; it is harmless). */
  chain?: Uint8Array[];
  /**
   * An RSA (RSASSA-PKCS1-v1_5) or ECDSA P-256 WebCrypto private key usable for "sign", or a
   * CmsSigner for a key that never leaves its device.
   */
  privateKey: CryptoKey | CmsSigner;
}

export interface SignOptions {
  /** Default: now. */
  signingTime?: Date;
  /**
   * Makes a CAdES-T signature: called with each SignerInfo's signature value, returns an RFC 3161
   * timestamp token (DER) over it — `(value) => requestTimestamp(value, transport)` (timestamp.ts)
   * — added to that signer as the unsigned attribute id-aa-signatureTimeStampToken. Its errors
   * (TSA_UNAVAILABLE…) pass through.
   */
  timestamp?: (signatureValue: Uint8Array) => Promise<Uint8Array>;
  /**
   * "cades" (default): the signed attributes content-type, message-digest and signing-time — what
   * hocba credentials carry. "pades": the PAdES baseline set (ETSI EN 319 142-1 §5.1/§6.3, CAdES
   * ETSI EN 319 122-1 §5.2.2): content-type, message-digest and ESS signing-certificate-v2 naming
   * the signer's certificate by its SHA-256 hash, and no signing-time — a PDF signature's claimed
   * time is the signature dictionary's /M, and a trusted one comes from a timestamp.
   */
  profile?: "cades" | "pades";
}

/**
 * Signs `content` (the canonical bytes of a document) as a detached CMS SignedData, DER.
 * Several signers (principal + homeroom teacher) produce several SignerInfos over the same content.
 * @throws HocbaError KEY_INVALID when a key cannot sign (wrong type, not a signing key).
 * @example
 * const cms = await signDetached(canonicalBytes(document), [{ certificate, chain, privateKey }]);
 */
export async function signDetached(
  content: Uint8Array,
  signers: SignerInput[],
  options: SignOptions = {},
): Promise<Uint8Array> {
  if (signers.length === 0) throw new HocbaError("USAGE", "signDetached needs at least one signer");
  const signingTime = options.signingTime ?? new Date();
  const digest = sha256(content);
  const certificates: pkijs.Certificate[] = [];
  const included = new Set<string>();
  const include = (der: Uint8Array): pkijs.Certificate => {
    const certificate = pkijs.Certificate.fromBER(der.slice());
    const key = der.join(",");
    if (!included.has(key)) {
      included.add(key);
      certificates.push(certificate);
    }
    return certificate;
  };

  const signerInfos = signers.map((signer) => {
    const certificate = include(signer.certificate);
    for (const der of signer.chain ?? []) include(der);
    return new pkijs.SignerInfo({
      version: 1,
      sid: new pkijs.IssuerAndSerialNumber({
        issuer: certificate.issuer,
        serialNumber: certificate.serialNumber,
      }),
      signedAttrs: new pkijs.SignedAndUnsignedAttributes({
        type: 0,
        attributes: signedAttributes(
          digest,
          options.profile === "pades"
            ? { signingCertificate: { der: signer.certificate, certificate } }
            : { signingTime },
        ),
      }),
    });
  });
  const signedData = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    signerInfos,
    certificates,
  });
  for (const [index, signer] of signers.entries()) {
    const key = signer.privateKey;
    if (isCmsSigner(key)) {
      await signWith(key, signedData, index);
      continue;
    }
    try {
      await signedData.sign(key, index, "SHA-256");
    } catch (error) {
      throw new HocbaError(
        "KEY_INVALID",
        `signer ${index + 1}: the private key cannot sign (${String(error)})`,
        { cause: error },
      );
    }
  }
  if (options.timestamp !== undefined) {
    for (const info of signedData.signerInfos) {
      const token = await options.timestamp(new Uint8Array(info.signature.valueBlock.valueHexView));
      info.unsignedAttrs = new pkijs.SignedAndUnsignedAttributes({
        type: 1,
        attributes: [
          new pkijs.Attribute({
            type: OID.signatureTimeStampToken,
            values: [asn1js.fromBER(new Uint8Array(token)).result],
          }),
        ],
      });
    }
  }
  const contentInfo = new pkijs.ContentInfo({
    contentType: OID.signedData,
    content: signedData.toSchema(true),
  });
  return new Uint8Array(contentInfo.toSchema().toBER(false));
}

function isCmsSigner(key: CryptoKey | CmsSigner): key is CmsSigner {
  return typeof (key as Partial<CmsSigner>).sign === "function";
}

/**
 * What pkijs' SignedData.sign does for a WebCrypto key, with the signature made by a CmsSigner:
 * the algorithm identifiers, then the signature over the signed attributes encoded as the
 * SET OF they are (tag 0x31, not the [0] IMPLICIT of the SignerInfo), RFC 5652 §5.4.
 * Errors the signer throws (a HocbaError from the token, say) pass through unchanged.
 */
async function signWith(signer: CmsSigner, signedData: pkijs.SignedData, index: number): Promise<void> {
  const info = signedData.signerInfos[index]!;
  const sha256Id = new pkijs.AlgorithmIdentifier({
    algorithmId: OID.sha256,
    algorithmParams: new asn1js.Null(),
  });
  if (!signedData.digestAlgorithms.some((algorithm) => algorithm.algorithmId === OID.sha256))
    signedData.digestAlgorithms.push(sha256Id);
  info.digestAlgorithm = sha256Id;
  info.signatureAlgorithm =
    signer.algorithm === "RSA"
      ? new pkijs.AlgorithmIdentifier({
          algorithmId: OID.sha256WithRSAEncryption,
          algorithmParams: new asn1js.Null(),
        })
      : new pkijs.AlgorithmIdentifier({ algorithmId: OID.ecdsaWithSha256 });
  const attributes = new Uint8Array(info.signedAttrs!.toSchema().toBER(false));
  attributes[0] = 0x31;
  const signature = await signer.sign(attributes);
  info.signature = new asn1js.OctetString({ valueHex: signature.slice().buffer });
}

/**
 * ESS signing-certificate-v2 (RFC 5035): SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF
 * ESSCertIDv2 }, ESSCertIDv2 ::= SEQUENCE { certHash OCTET STRING (SHA-256, the default algorithm,
 * so hashAlgorithm is omitted), issuerSerial { issuer GeneralNames [4] directoryName, serial } }.
 */
function signingCertificateV2(der: Uint8Array, certificate: pkijs.Certificate): pkijs.Attribute {
  const issuerSerial = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [
          new asn1js.Constructed({
            idBlock: { tagClass: 3, tagNumber: 4 },
            value: [certificate.issuer.toSchema()],
          }),
        ],
      }),
      certificate.serialNumber,
    ],
  });
  const essCertId = new asn1js.Sequence({
    value: [new asn1js.OctetString({ valueHex: sha256(der).slice().buffer }), issuerSerial],
  });
  return new pkijs.Attribute({
    type: OID.signingCertificateV2,
    values: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertId] })] })],
  });
}

type VariableAttributes =
  { signingTime: Date } | { signingCertificate: { der: Uint8Array; certificate: pkijs.Certificate } };

/**
 * The signed attributes in DER order: a SET OF is sorted by encoding, and verifiers such as
 * OpenSSL re-encode the set before checking the signature, so an unsorted set would not verify.
 */
function signedAttributes(digest: Uint8Array, variable: VariableAttributes): pkijs.Attribute[] {
  const attributes = [
    new pkijs.Attribute({
      type: OID.contentType,
      values: [new asn1js.ObjectIdentifier({ value: OID.data })],
    }),
    new pkijs.Attribute({
      type: OID.messageDigest,
      values: [new asn1js.OctetString({ valueHex: digest.slice().buffer })],
    }),
    "signingTime" in variable
      ? new pkijs.Attribute({ type: OID.signingTime, values: [timeValue(variable.signingTime)] })
      : signingCertificateV2(variable.signingCertificate.der, variable.signingCertificate.certificate),
  ];
  const encoded = attributes.map((attribute) => ({
    attribute,
    der: new Uint8Array(attribute.toSchema().toBER(false)),
  }));
  encoded.sort((a, b) => compareBytes(a.der, b.der));
  return encoded.map((entry) => entry.attribute);
}

/** UTCTime for 1950–2049, GeneralizedTime otherwise (RFC 5652 §11.3). */
function timeValue(time: Date): asn1js.UTCTime | asn1js.GeneralizedTime {
  const year = time.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? new asn1js.UTCTime({ valueDate: time })
    : new asn1js.GeneralizedTime({ valueDate: time });
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
