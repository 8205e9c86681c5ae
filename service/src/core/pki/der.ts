/**
 * A strict, allocation-light DER reader for the verification hot path. Walking the few fields of a
 * CMS SignedData by offset costs microseconds, where building asn1js/pkijs object trees for the
 * same bytes costs most of a millisecond (~90% of pkijs verification time, measured). It reads
 * DER only: definite, minimally encoded lengths, low tag numbers, nothing left over.
 */
import { OID } from "./oids";

export class DerError extends Error {
  override readonly name = "DerError";
}

/** One element: `bytes[start, end)` is the whole TLV, `bytes[contentStart, end)` its value. */
export interface Tlv {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

export const TAG = {
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
  context0: 0xa0,
  context1: 0xa1,
  context0Primitive: 0x80,
} as const;

/** Reads the element at `offset`, which must end at or before `limit`. */
export function readTlv(bytes: Uint8Array, offset: number, limit: number = bytes.length): Tlv {
  if (offset + 2 > limit) throw new DerError(`truncated element at offset ${offset}`);
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError(`high tag number at offset ${offset}`);
  let length = bytes[offset + 1]!;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0) throw new DerError(`indefinite length at offset ${offset}`);
    if (count > 4) throw new DerError(`length too large at offset ${offset}`);
    if (contentStart + count > limit) throw new DerError(`truncated length at offset ${offset}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[contentStart + i]!;
    if (bytes[contentStart] === 0 || length < 0x80)
      throw new DerError(`non-minimal length at offset ${offset}`);
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new DerError(`element at offset ${offset} runs past its container`);
  return { tag, start: offset, contentStart, end };
}

/** Reads a whole buffer that must hold exactly one element. */
export function readRoot(bytes: Uint8Array): Tlv {
  const tlv = readTlv(bytes, 0);
  if (tlv.end !== bytes.length) throw new DerError("trailing bytes after the outer element");
  return tlv;
}

/** The elements inside a constructed element; they must fill it exactly. */
export function childrenOf(bytes: Uint8Array, parent: Tlv): Tlv[] {
  if ((parent.tag & 0x20) === 0) throw new DerError(`element at offset ${parent.start} is not constructed`);
  const result: Tlv[] = [];
  for (let offset = parent.contentStart; offset < parent.end;) {
    const child = readTlv(bytes, offset, parent.end);
    result.push(child);
    offset = child.end;
  }
  return result;
}

/** Asserts the tag of an element (or of an absent one, for a clearer message). */
export function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (tlv === undefined) throw new DerError(`${what} is missing`);
  if (tlv.tag !== tag)
    throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, got 0x${tlv.tag.toString(16)}`);
  return tlv;
}

export function contentOf(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.contentStart, tlv.end);
}

export function elementOf(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.start, tlv.end);
}

/** Dotted form of an OBJECT IDENTIFIER. */
export function readOid(bytes: Uint8Array, tlv: Tlv): string {
  expectTag(tlv, TAG.oid, "object identifier");
  if (tlv.end === tlv.contentStart) throw new DerError("empty object identifier");
  const parts: number[] = [];
  let value = 0;
  for (let i = tlv.contentStart; i < tlv.end; i++) {
    const byte = bytes[i]!;
    if (value === 0 && byte === 0x80) throw new DerError("non-minimal object identifier");
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError("object identifier arc too large");
    if ((byte & 0x80) === 0) {
      if (parts.length === 0)
        parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else parts.push(value);
      value = 0;
    }
  }
  if ((bytes[tlv.end - 1]! & 0x80) !== 0) throw new DerError("truncated object identifier");
  return parts.join(".");
}

/** A small non-negative INTEGER (versions). */
export function readSmallInteger(bytes: Uint8Array, tlv: Tlv): number {
  expectTag(tlv, TAG.integer, "integer");
  const length = tlv.end - tlv.contentStart;
  if (length < 1 || length > 4) throw new DerError("integer out of range");
  let value = 0;
  for (let i = tlv.contentStart; i < tlv.end; i++) value = value * 256 + bytes[i]!;
  if (bytes[tlv.contentStart]! & 0x80) throw new DerError("negative integer");
  return value;
}

/** UTCTime or GeneralizedTime in their DER forms (UTC, "Z", seconds present). */
export function readTime(bytes: Uint8Array, tlv: Tlv): Date {
  const text = String.fromCharCode(...contentOf(bytes, tlv));
  let match: RegExpExecArray | null;
  let year: number;
  if (tlv.tag === TAG.utcTime) {
    match = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(text);
    if (match === null) throw new DerError(`malformed UTCTime "${text}"`);
    const yy = Number(match[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (tlv.tag === TAG.generalizedTime) {
    match = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.(\d*[1-9]))?Z$/.exec(text);
    if (match === null) throw new DerError(`malformed GeneralizedTime "${text}"`);
    year = Number(match[1]);
  } else {
    throw new DerError(`expected a time, got tag 0x${tlv.tag.toString(16)}`);
  }
  const [month, day, hour, minute, second] = match.slice(2, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const millis = match[7] === undefined ? 0 : Math.floor(Number(`0.${match[7]}`) * 1000);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis));
  if (
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw new DerError(`not a real time "${text}"`);
  }
  return date;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** DER of one element: tag, minimal definite length, content. */
export function encodeTlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const header: number[] = [tag];
  if (length < 0x80) header.push(length);
  else {
    const bytes: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
    header.push(0x80 | bytes.length, ...bytes);
  }
  const out = new Uint8Array(header.length + length);
  out.set(header, 0);
  let offset = header.length;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Byte-wise order of two encodings (DER orders a SET OF by it). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

// The parts of a CMS SignedData (RFC 5652) that every reader of one walks alike: the document
// signature's (cms.ts) and an RFC 3161 timestamp token's (timestamp.ts).

/** A SignedData's fields by position (RFC 5652 §5.1). */
export interface SignedDataFields {
  version: number;
  /** The elements of encapContentInfo: eContentType, then [0] eContent when it is carried. */
  encapContentInfo: Tlv[];
  /** DER of each certificate in [0] `certificates` (other certificate choices are passed over). */
  certificates: Uint8Array[];
  signerInfos: Tlv[];
}

/**
 * The SignedData in the ContentInfo `bytes` (RFC 5652 §3): version, digestAlgorithms (passed over:
 * each SignerInfo names its own), encapContentInfo, certificates, crls (passed over: revocation is
 * decided elsewhere), signerInfos — nothing else. The ContentInfo's content type instead when it
 * is not id-signedData (the caller says so in its own words).
 */
export function readSignedData(bytes: Uint8Array): SignedDataFields | { contentType: string } {
  const contentInfo = childrenOf(bytes, expectTag(readRoot(bytes), TAG.sequence, "ContentInfo"));
  const contentType = readOid(bytes, expectTag(contentInfo[0], TAG.oid, "ContentInfo.contentType"));
  if (contentType !== OID.signedData) return { contentType };
  const explicit = expectTag(contentInfo[1], TAG.context0, "ContentInfo.content");
  if (contentInfo.length !== 2) throw new DerError("ContentInfo has extra fields");
  const inner = childrenOf(bytes, explicit);
  if (inner.length !== 1) throw new DerError("ContentInfo.content must hold one element");
  const fields = childrenOf(bytes, expectTag(inner[0], TAG.sequence, "SignedData"));
  let index = 0;
  const version = readSmallInteger(bytes, expectTag(fields[index++], TAG.integer, "SignedData.version"));
  expectTag(fields[index++], TAG.set, "SignedData.digestAlgorithms");
  const encap = expectTag(fields[index++], TAG.sequence, "SignedData.encapContentInfo");
  const certificates: Uint8Array[] = [];
  if (fields[index]?.tag === TAG.context0)
    for (const choice of childrenOf(bytes, fields[index++]!))
      if (choice.tag === TAG.sequence) certificates.push(elementOf(bytes, choice));
  if (fields[index]?.tag === TAG.context1) index++;
  const signerInfos = childrenOf(bytes, expectTag(fields[index++], TAG.set, "SignedData.signerInfos"));
  if (index !== fields.length) throw new DerError("SignedData has unexpected trailing fields");
  return { version, encapContentInfo: childrenOf(bytes, encap), certificates, signerInfos };
}

/** How a SignerInfo names its signer's certificate (RFC 5652 §5.3). */
export type SignerIdentifier =
  | { kind: "issuerAndSerialNumber"; issuer: Uint8Array; serialNumber: Uint8Array }
  | { kind: "subjectKeyIdentifier"; keyIdentifier: Uint8Array };

export interface AlgorithmIdentifier {
  oid: string;
  /** DER of the parameters, absent when the field is absent. */
  parameters?: Uint8Array;
}

/** An AlgorithmIdentifier: the OID and, when present, the DER of its parameters. */
export function readAlgorithmIdentifier(
  bytes: Uint8Array,
  tlv: Tlv | undefined,
  what = "AlgorithmIdentifier",
): AlgorithmIdentifier {
  const parts = childrenOf(bytes, expectTag(tlv, TAG.sequence, what));
  if (parts.length < 1 || parts.length > 2) throw new DerError(`${what} is malformed`);
  const oid = readOid(bytes, parts[0]!);
  return parts[1] === undefined ? { oid } : { oid, parameters: elementOf(bytes, parts[1]) };
}

/** A SignerInfo's fields (RFC 5652 §5.3). */
export interface SignerInfoFields {
  version: number;
  /** Undefined when its form does not match the version (the caller says so in its own words). */
  sid: SignerIdentifier | undefined;
  digestAlgorithm: AlgorithmIdentifier;
  /** The [0] signed attributes, undefined when absent. */
  signedAttributes: Tlv | undefined;
  signatureAlgorithm: AlgorithmIdentifier;
  signature: Uint8Array;
  /** The [1] unsigned attributes, undefined when absent. */
  unsignedAttributes: Tlv | undefined;
}

/** Reads a SignerInfo by position; nothing may follow its unsigned attributes. */
export function readSignerInfo(bytes: Uint8Array, info: Tlv): SignerInfoFields {
  const fields = childrenOf(bytes, expectTag(info, TAG.sequence, "SignerInfo"));
  let index = 0;
  const version = readSmallInteger(bytes, expectTag(fields[index++], TAG.integer, "SignerInfo.version"));
  const sid = readSignerIdentifier(bytes, version, fields[index++]);
  const digestAlgorithm = readAlgorithmIdentifier(bytes, fields[index++], "SignerInfo.digestAlgorithm");
  const signedAttributes = fields[index]?.tag === TAG.context0 ? fields[index++] : undefined;
  const signatureAlgorithm = readAlgorithmIdentifier(bytes, fields[index++], "SignerInfo.signatureAlgorithm");
  const signature = contentOf(bytes, expectTag(fields[index++], TAG.octetString, "SignerInfo.signature"));
  const unsignedAttributes = fields[index]?.tag === TAG.context1 ? fields[index++] : undefined;
  if (index !== fields.length) throw new DerError("SignerInfo has unexpected trailing fields");
  return {
    version,
    sid,
    digestAlgorithm,
    signedAttributes,
    signatureAlgorithm,
    signature,
    unsignedAttributes,
  };
}

/**
 * A SignerInfo's signer identifier `sid` as its `version` requires: an IssuerAndSerialNumber with
 * version 1, a [0] SubjectKeyIdentifier with version 3; undefined when they do not match.
 */
function readSignerIdentifier(
  bytes: Uint8Array,
  version: number,
  sid: Tlv | undefined,
): SignerIdentifier | undefined {
  if (version === 1 && sid?.tag === TAG.sequence) {
    const parts = childrenOf(bytes, sid);
    if (parts.length !== 2) throw new DerError("malformed IssuerAndSerialNumber");
    return {
      kind: "issuerAndSerialNumber",
      issuer: elementOf(bytes, expectTag(parts[0], TAG.sequence, "sid.issuer")),
      serialNumber: contentOf(bytes, expectTag(parts[1], TAG.integer, "sid.serialNumber")),
    };
  }
  if (version === 3 && sid?.tag === TAG.context0Primitive)
    return { kind: "subjectKeyIdentifier", keyIdentifier: contentOf(bytes, sid) };
  return undefined;
}

/** An Attribute: its type and its values (the SET's elements). `what` names it in errors. */
export function readAttribute(bytes: Uint8Array, tlv: Tlv, what: string): { type: string; values: Tlv[] } {
  const parts = childrenOf(bytes, expectTag(tlv, TAG.sequence, what));
  if (parts.length !== 2) throw new DerError(`malformed ${what}`);
  return {
    type: readOid(bytes, expectTag(parts[0], TAG.oid, "Attribute.type")),
    values: childrenOf(bytes, expectTag(parts[1], TAG.set, "Attribute.values")),
  };
}

/**
 * The signed attributes as their signature covers them (RFC 5652 §5.4): a copy of the [0] IMPLICIT
 * element with the SET OF tag. A copy, never a view: Buffer's slice() shares memory, and the tag
 * must not change the signature it was read from.
 */
export function signedAttributesAsSigned(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  const signed = new Uint8Array(elementOf(bytes, tlv));
  signed[0] = TAG.set;
  return signed;
}
