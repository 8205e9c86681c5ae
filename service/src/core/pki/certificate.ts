/**
 * Reads an X.509 certificate (RFC 5280) into the fields path validation needs, once per distinct
 * certificate: results are cached by SHA-256 fingerprint, because a school signs thousands of
 * transcripts with the same certificate chain and re-parsing it for each is where naive CMS
 * verification spends its time.
 */
import { HocbaError } from "../errors";
import { toHex } from "../documents/hash";
import type { PkiCrypto, PublicKeyAlgorithm } from "./crypto";
import { BoundedCache } from "./bounded-cache";
import {
  DerError,
  TAG,
  childrenOf,
  contentOf,
  elementOf,
  expectTag,
  readAlgorithmIdentifier,
  readOid,
  readRoot,
  readTime,
  type AlgorithmIdentifier,
  type Tlv,
} from "./der";
import { KNOWN_EXTENSIONS, OID } from "./oids";

export type KeyUsageName =
  | "digitalSignature"
  | "nonRepudiation"
  | "keyEncipherment"
  | "dataEncipherment"
  | "keyAgreement"
  | "keyCertSign"
  | "cRLSign"
  | "encipherOnly"
  | "decipherOnly";

const KEY_USAGE_BITS: readonly KeyUsageName[] = [
  "digitalSignature",
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
];

export interface CertificateInfo {
  der: Uint8Array;
  /** 0x + lowercase hex SHA-256 of the DER: the identity the issuer registry knows. */
  fingerprint: string;
  subject: string;
  issuer: string;
  subjectDer: Uint8Array;
  issuerDer: Uint8Array;
  /** Content octets of the serial INTEGER (as in IssuerAndSerialNumber). */
  serialNumber: Uint8Array;
  /** Lowercase hex of the serial, without 0x (as OpenSSL prints it). */
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  tbs: Uint8Array;
  signatureAlgorithm: AlgorithmIdentifier;
  signatureValue: Uint8Array;
  spki: Uint8Array;
  /** Undefined when the key type or curve is one hocba does not accept. */
  publicKeyAlgorithm: PublicKeyAlgorithm | undefined;
  subjectKeyIdentifier?: Uint8Array;
  authorityKeyIdentifier?: Uint8Array;
  basicConstraints?: { ca: boolean; pathLength?: number };
  keyUsage?: ReadonlySet<KeyUsageName>;
  extendedKeyUsage?: readonly string[];
  /** The extended key usage extension is marked critical (RFC 3161 requires it of a TSA). */
  extendedKeyUsageCritical?: boolean;
  unknownCriticalExtensions: readonly string[];
  /** http(s) URLs of the authority information access caIssuers entries: where the issuer's certificate is published. */
  caIssuers?: readonly string[];
  /** The tbs and outer signature algorithms differ (RFC 5280 §4.1.1.2 forbids it). */
  signatureAlgorithmMismatch: boolean;
}

const parsed = new BoundedCache<string, CertificateInfo>(10_000);

/**
 * Parses a certificate, or returns the cached parse of identical bytes.
 * @throws HocbaError with `code` when the bytes are not a certificate.
 */
export function certificateInfo(
  der: Uint8Array,
  crypto: PkiCrypto,
  code: "SIGNATURE_MALFORMED" | "CONFIG_INVALID",
): CertificateInfo {
  const fingerprint = toHex(crypto.sha256(der));
  const cached = parsed.get(fingerprint);
  if (cached !== undefined) return cached;
  let info: CertificateInfo;
  try {
    info = parseCertificate(der.slice(), fingerprint);
  } catch (error) {
    if (error instanceof DerError)
      throw new HocbaError(code, `malformed certificate: ${error.message}`, { cause: error });
    throw error;
  }
  parsed.set(fingerprint, info);
  return info;
}

function parseCertificate(der: Uint8Array, fingerprint: string): CertificateInfo {
  const outer = childrenOf(der, expectTag(readRoot(der), TAG.sequence, "Certificate"));
  if (outer.length !== 3) throw new DerError("Certificate must have three fields");
  const tbsTlv = expectTag(outer[0], TAG.sequence, "tbsCertificate");
  const signatureAlgorithm = readAlgorithmIdentifier(der, outer[1]);
  const signatureBits = contentOf(der, expectTag(outer[2], TAG.bitString, "signatureValue"));
  if (signatureBits[0] !== 0) throw new DerError("signature bit string has unused bits");

  const tbs = childrenOf(der, tbsTlv);
  let index = 0;
  if (tbs[index]?.tag === TAG.context0) index++; // version; extensions imply v3 anyway
  const serialTlv = expectTag(tbs[index++], TAG.integer, "serialNumber");
  const innerAlgorithm = readAlgorithmIdentifier(der, tbs[index++]);
  const issuerTlv = expectTag(tbs[index++], TAG.sequence, "issuer");
  const validity = childrenOf(der, expectTag(tbs[index++], TAG.sequence, "validity"));
  if (validity.length !== 2) throw new DerError("validity must have two times");
  const subjectTlv = expectTag(tbs[index++], TAG.sequence, "subject");
  const spkiTlv = expectTag(tbs[index++], TAG.sequence, "subjectPublicKeyInfo");
  while (tbs[index]?.tag === 0x81 || tbs[index]?.tag === 0x82) index++; // unique identifiers
  const extensionsTlv = tbs[index]?.tag === 0xa3 ? tbs[index++] : undefined;
  if (index !== tbs.length) throw new DerError("tbsCertificate has unexpected fields");

  const serialNumber = contentOf(der, serialTlv);
  const info: CertificateInfo = {
    der,
    fingerprint,
    subject: nameToString(der, subjectTlv),
    issuer: nameToString(der, issuerTlv),
    subjectDer: elementOf(der, subjectTlv),
    issuerDer: elementOf(der, issuerTlv),
    serialNumber,
    serialHex: hex(serialNumber),
    notBefore: readTime(der, validity[0]!),
    notAfter: readTime(der, validity[1]!),
    tbs: elementOf(der, tbsTlv),
    signatureAlgorithm,
    signatureValue: signatureBits.subarray(1),
    spki: elementOf(der, spkiTlv),
    publicKeyAlgorithm: readPublicKeyAlgorithm(der, spkiTlv),
    unknownCriticalExtensions: [],
    signatureAlgorithmMismatch:
      innerAlgorithm.oid !== signatureAlgorithm.oid ||
      hex(innerAlgorithm.parameters ?? new Uint8Array()) !==
        hex(signatureAlgorithm.parameters ?? new Uint8Array()),
  };
  if (extensionsTlv !== undefined) readExtensions(der, extensionsTlv, info);
  return info;
}

function readExtensions(der: Uint8Array, wrapper: Tlv, info: CertificateInfo): void {
  const list = childrenOf(der, wrapper);
  if (list.length !== 1) throw new DerError("malformed extensions wrapper");
  const unknownCritical: string[] = [];
  const seen = new Set<string>();
  for (const extension of childrenOf(der, expectTag(list[0], TAG.sequence, "extensions"))) {
    const parts = childrenOf(der, expectTag(extension, TAG.sequence, "extension"));
    const id = readOid(der, parts[0]!);
    if (seen.has(id)) throw new DerError(`extension ${id} appears twice`);
    seen.add(id);
    let critical = false;
    let valueIndex = 1;
    if (parts[1]?.tag === 0x01) {
      critical = der[parts[1].contentStart] !== 0;
      valueIndex = 2;
    }
    const valueTlv = expectTag(parts[valueIndex], TAG.octetString, "extnValue");
    if (parts.length !== valueIndex + 1) throw new DerError("malformed extension");
    const value = contentOf(der, valueTlv);
    if (critical && !KNOWN_EXTENSIONS.includes(id)) unknownCritical.push(id);
    switch (id) {
      case OID.basicConstraints:
        info.basicConstraints = readBasicConstraints(value);
        break;
      case OID.keyUsage:
        info.keyUsage = readKeyUsage(value);
        break;
      case OID.extKeyUsage: {
        const sequence = expectTag(readRoot(value), TAG.sequence, "extKeyUsage");
        info.extendedKeyUsage = childrenOf(value, sequence).map((oid) => readOid(value, oid));
        info.extendedKeyUsageCritical = critical;
        break;
      }
      case OID.subjectKeyIdentifier:
        info.subjectKeyIdentifier = contentOf(
          value,
          expectTag(readRoot(value), TAG.octetString, "subjectKeyIdentifier"),
        );
        break;
      case OID.authorityKeyIdentifier: {
        const fields = childrenOf(value, expectTag(readRoot(value), TAG.sequence, "authorityKeyIdentifier"));
        const keyId = fields.find((field) => field.tag === TAG.context0Primitive);
        if (keyId !== undefined) info.authorityKeyIdentifier = contentOf(value, keyId);
        break;
      }
      case OID.authorityInfoAccess: {
        const urls = readCaIssuers(value);
        if (urls.length > 0) info.caIssuers = urls;
        break;
      }
    }
  }
  info.unknownCriticalExtensions = unknownCritical;
}

/** The uniformResourceIdentifier names of the caIssuers access descriptions (RFC 5280 §4.2.2.1). */
function readCaIssuers(value: Uint8Array): string[] {
  const urls: string[] = [];
  for (const description of childrenOf(
    value,
    expectTag(readRoot(value), TAG.sequence, "authorityInfoAccess"),
  )) {
    const [method, location] = childrenOf(value, expectTag(description, TAG.sequence, "AccessDescription"));
    if (method === undefined || location === undefined) throw new DerError("malformed AccessDescription");
    // [6] IA5String uniformResourceIdentifier; other GeneralName forms (directory, LDAP by name) are ignored.
    if (readOid(value, method) === OID.caIssuers && location.tag === 0x86)
      urls.push(String.fromCharCode(...contentOf(value, location)));
  }
  return urls;
}

function readBasicConstraints(value: Uint8Array): { ca: boolean; pathLength?: number } {
  const fields = childrenOf(value, expectTag(readRoot(value), TAG.sequence, "basicConstraints"));
  let index = 0;
  let ca = false;
  if (fields[index]?.tag === 0x01) ca = value[fields[index++]!.contentStart] !== 0;
  const lengthTlv = fields[index];
  if (lengthTlv === undefined) return { ca };
  const bytes = contentOf(value, expectTag(lengthTlv, TAG.integer, "pathLenConstraint"));
  if (bytes.length > 2 || (bytes[0]! & 0x80) !== 0) throw new DerError("pathLenConstraint out of range");
  return { ca, pathLength: bytes.reduce((sum, byte) => sum * 256 + byte, 0) };
}

function readKeyUsage(value: Uint8Array): Set<KeyUsageName> {
  const bits = contentOf(value, expectTag(readRoot(value), TAG.bitString, "keyUsage"));
  const usages = new Set<KeyUsageName>();
  KEY_USAGE_BITS.forEach((name, bit) => {
    const byte = bits[1 + (bit >> 3)];
    if (byte !== undefined && (byte & (0x80 >> (bit & 7))) !== 0) usages.add(name);
  });
  return usages;
}

function readPublicKeyAlgorithm(der: Uint8Array, spki: Tlv): PublicKeyAlgorithm | undefined {
  const [algorithmTlv, keyTlv] = childrenOf(der, spki);
  const algorithm = readAlgorithmIdentifier(der, algorithmTlv);
  const keyBits = contentOf(der, expectTag(keyTlv, TAG.bitString, "subjectPublicKey"));
  if (algorithm.oid === OID.rsaEncryption) {
    const key = keyBits.subarray(1);
    const [modulus] = childrenOf(key, expectTag(readRoot(key), TAG.sequence, "RSAPublicKey"));
    let bytes = contentOf(key, expectTag(modulus, TAG.integer, "modulus"));
    while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1);
    return { kind: "RSA", modulusBits: (bytes.length - 1) * 8 + (32 - Math.clz32(bytes[0]!)) };
  }
  if (algorithm.oid === OID.ecPublicKey && algorithm.parameters !== undefined) {
    const curve = readOid(algorithm.parameters, readRoot(algorithm.parameters));
    if (curve === OID.p256) return { kind: "EC", namedCurve: "P-256" };
    if (curve === OID.p384) return { kind: "EC", namedCurve: "P-384" };
  }
  return undefined;
}

const ATTRIBUTE_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.12": "title",
  "1.2.840.113549.1.9.1": "E",
  "0.9.2342.19200300.100.1.1": "UID",
};

/** A readable distinguished name in certificate order, e.g. "CN=Nguyễn Văn A, O=Trường THCS Nguyễn Du, C=VN". */
function nameToString(der: Uint8Array, name: Tlv): string {
  const parts: string[] = [];
  for (const rdn of childrenOf(der, name)) {
    for (const attribute of childrenOf(der, expectTag(rdn, TAG.set, "RelativeDistinguishedName"))) {
      const [typeTlv, valueTlv] = childrenOf(
        der,
        expectTag(attribute, TAG.sequence, "AttributeTypeAndValue"),
      );
      const type = readOid(der, typeTlv!);
      if (valueTlv === undefined) throw new DerError("attribute without a value");
      parts.push(
        `${ATTRIBUTE_NAMES[type] ?? type}=${decodeString(der, valueTlv).replace(/([,+\\])/g, "\\$1")}`,
      );
    }
  }
  return parts.join(", ");
}

const utf8 = new TextDecoder("utf-8");
const utf16 = new TextDecoder("utf-16be");

function decodeString(der: Uint8Array, tlv: Tlv): string {
  const bytes = contentOf(der, tlv);
  switch (tlv.tag) {
    case 0x0c: // UTF8String
      return utf8.decode(bytes);
    case 0x1e: // BMPString
      return utf16.decode(bytes);
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x14: // TeletexString, read as Latin-1 like most software
      return String.fromCharCode(...bytes);
    default:
      return "#" + hex(elementOf(der, tlv));
  }
}

function hex(bytes: Uint8Array): string {
  return toHex(bytes).slice(2);
}
