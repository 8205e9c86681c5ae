/**
 * Reads a detached CMS SignedData (RFC 5652) into the few fields verification needs, by offset,
 * without building an object tree. Every structural rule hocba insists on is enforced here, so
 * everything after this point can trust the shape: a SignedData of id-data, no encapsulated
 * content (detached), at least one SignerInfo, each with the signed attributes content-type
 * (= id-data), message-digest and signing-time present exactly once — or, for a container that
 * states the claimed time itself (a PDF signature's /M, PAdES), signing-time absent and that time
 * given as `claimedTime`.
 */
import { HocbaError } from "../errors";
import {
  DerError,
  TAG,
  childrenOf,
  contentOf,
  elementOf,
  expectTag,
  readOid,
  readRoot,
  readSmallInteger,
  readTime,
  type Tlv,
} from "./der";
import { OID } from "./oids";
import type { VerifiedTimestamp } from "./trusted-time";

export type SignerIdentifier =
  | { kind: "issuerAndSerialNumber"; issuer: Uint8Array; serialNumber: Uint8Array }
  | { kind: "subjectKeyIdentifier"; keyIdentifier: Uint8Array };

export interface AlgorithmIdentifier {
  oid: string;
  /** DER of the parameters, absent when the field is absent. */
  parameters?: Uint8Array;
}

export interface ParsedSignerInfo {
  sid: SignerIdentifier;
  digestAlgorithm: AlgorithmIdentifier;
  /** The signed attributes as signed: their encoding with the SET OF tag (RFC 5652 §5.4). */
  signedAttributes: Uint8Array;
  messageDigest: Uint8Array;
  signingTime: Date;
  signatureAlgorithm: AlgorithmIdentifier;
  signature: Uint8Array;
  /** DER of each id-aa-signatureTimeStampToken value among the unsigned attributes (RFC 3161 tokens). */
  timestampTokens: Uint8Array[];
  /** Set by verification once a timestamp token verified (core/pki/trusted-time.ts). */
  verifiedTimestamp?: VerifiedTimestamp;
  /** Unsigned attributes by type: the DER of each value (e.g. revocation values). */
  unsignedAttributes: ReadonlyMap<string, readonly Uint8Array[]>;
}

export interface ParsedSignedData {
  /** DER of each certificate in the `certificates` field (other certificate choices are ignored). */
  certificates: Uint8Array[];
  signers: ParsedSignerInfo[];
}

/**
 * Parses a detached CMS SignedData.
 * @throws HocbaError SIGNATURE_MALFORMED for anything that is not such a structure.
 */
export function parseDetachedSignedData(
  cms: Uint8Array,
  options: { claimedTime?: Date } = {},
): ParsedSignedData {
  try {
    return parse(cms, options.claimedTime);
  } catch (error) {
    if (error instanceof DerError) throw malformed(`not a DER CMS SignedData: ${error.message}`, error);
    throw error;
  }
}

/** A school's chain is three or four certificates per signer; anything far beyond is not a transcript signature. */
const MAX_CERTIFICATES = 32;
const MAX_SIGNERS = 8;

function malformed(message: string, cause?: unknown): HocbaError {
  return new HocbaError("SIGNATURE_MALFORMED", message, { cause });
}

function parse(bytes: Uint8Array, claimedTime: Date | undefined): ParsedSignedData {
  if (bytes.length === 0) throw malformed("the signature is empty");
  const contentInfo = childrenOf(bytes, expectTag(readRoot(bytes), TAG.sequence, "ContentInfo"));
  const contentType = readOid(bytes, expectTag(contentInfo[0], TAG.oid, "ContentInfo.contentType"));
  if (contentType !== OID.signedData) throw malformed(`CMS content type is ${contentType}, not SignedData`);
  const explicit = expectTag(contentInfo[1], TAG.context0, "ContentInfo.content");
  if (contentInfo.length !== 2) throw malformed("ContentInfo has extra fields");
  const inner = childrenOf(bytes, explicit);
  if (inner.length !== 1) throw malformed("ContentInfo.content must hold one element");
  const fields = childrenOf(bytes, expectTag(inner[0], TAG.sequence, "SignedData"));

  let index = 0;
  const version = readSmallInteger(bytes, expectTag(fields[index++], TAG.integer, "SignedData.version"));
  if (version !== 1 && version !== 3) throw malformed(`unsupported SignedData version ${version}`);
  expectTag(fields[index++], TAG.set, "SignedData.digestAlgorithms");
  const encap = childrenOf(bytes, expectTag(fields[index++], TAG.sequence, "SignedData.encapContentInfo"));
  const eContentType = readOid(bytes, expectTag(encap[0], TAG.oid, "eContentType"));
  if (eContentType !== OID.data) throw malformed(`encapsulated content type is ${eContentType}, not id-data`);
  if (encap.length !== 1) throw malformed("the signature is not detached: it carries the content");

  const certificates: Uint8Array[] = [];
  if (fields[index]?.tag === TAG.context0) {
    for (const choice of childrenOf(bytes, fields[index++]!)) {
      if (choice.tag === TAG.sequence) certificates.push(elementOf(bytes, choice));
    }
  }
  if (certificates.length > MAX_CERTIFICATES) {
    throw malformed(
      `the signature carries ${certificates.length} certificates (at most ${MAX_CERTIFICATES})`,
    );
  }
  if (fields[index]?.tag === TAG.context1) index++; // crls: revocation is decided by the registry
  const signerInfos = childrenOf(bytes, expectTag(fields[index++], TAG.set, "SignedData.signerInfos"));
  if (index !== fields.length) throw malformed("SignedData has unexpected trailing fields");
  if (signerInfos.length === 0) throw malformed("SignedData has no SignerInfo");
  if (signerInfos.length > MAX_SIGNERS)
    throw malformed(`SignedData has ${signerInfos.length} signers (at most ${MAX_SIGNERS})`);
  return { certificates, signers: signerInfos.map((info) => parseSignerInfo(bytes, info, claimedTime)) };
}

function parseSignerInfo(bytes: Uint8Array, info: Tlv, claimedTime: Date | undefined): ParsedSignerInfo {
  const fields = childrenOf(bytes, expectTag(info, TAG.sequence, "SignerInfo"));
  let index = 0;
  const version = readSmallInteger(bytes, expectTag(fields[index++], TAG.integer, "SignerInfo.version"));
  const sidTlv = fields[index++];
  let sid: SignerIdentifier;
  if (version === 1 && sidTlv?.tag === TAG.sequence) {
    const parts = childrenOf(bytes, sidTlv);
    if (parts.length !== 2) throw malformed("malformed IssuerAndSerialNumber");
    sid = {
      kind: "issuerAndSerialNumber",
      issuer: elementOf(bytes, expectTag(parts[0], TAG.sequence, "sid.issuer")),
      serialNumber: contentOf(bytes, expectTag(parts[1], TAG.integer, "sid.serialNumber")),
    };
  } else if (version === 3 && sidTlv?.tag === TAG.context0Primitive) {
    sid = { kind: "subjectKeyIdentifier", keyIdentifier: contentOf(bytes, sidTlv) };
  } else {
    throw malformed(`SignerInfo version ${version} does not match its signer identifier`);
  }
  const digestAlgorithm = readAlgorithm(bytes, fields[index++], "SignerInfo.digestAlgorithm");
  const attributesTlv = fields[index];
  if (attributesTlv?.tag !== TAG.context0) throw malformed("SignerInfo has no signed attributes");
  index++;
  const signatureAlgorithm = readAlgorithm(bytes, fields[index++], "SignerInfo.signatureAlgorithm");
  const signature = contentOf(bytes, expectTag(fields[index++], TAG.octetString, "SignerInfo.signature"));
  const unsignedTlv = fields[index]?.tag === TAG.context1 ? fields[index++] : undefined;
  if (index !== fields.length) throw malformed("SignerInfo has unexpected trailing fields");
  const unsignedAttributes = unsignedTlv === undefined ? NONE : readUnsignedAttributes(bytes, unsignedTlv);
  const timestampTokens = timestampTokensOf(unsignedAttributes);

  const attributes = readSignedAttributes(bytes, attributesTlv, claimedTime);
  // A copy, never a view: Buffer's slice() shares memory, and the tag below must not change `cms`.
  const signedAttributes = new Uint8Array(elementOf(bytes, attributesTlv));
  signedAttributes[0] = TAG.set;
  return {
    sid,
    digestAlgorithm,
    signedAttributes,
    ...attributes,
    signatureAlgorithm,
    signature,
    timestampTokens,
    unsignedAttributes,
  };
}

/** Signature timestamps a signer may carry (CAdES allows several); more is not a transcript signature. */
const MAX_TIMESTAMPS = 4;

/** The id-aa-signatureTimeStampToken values among a signer's unsigned attributes (RFC 3161 tokens). */
function timestampTokensOf(attributes: ReadonlyMap<string, readonly Uint8Array[]>): Uint8Array[] {
  const tokens = [...(attributes.get(OID.signatureTimeStampToken) ?? [])];
  if (tokens.length > MAX_TIMESTAMPS)
    throw malformed(`a signer carries ${tokens.length} signature timestamps (at most ${MAX_TIMESTAMPS})`);
  for (const token of tokens)
    if (token[0] !== TAG.sequence) throw malformed("TimeStampToken: expected a SEQUENCE");
  return tokens;
}

const NONE: ReadonlyMap<string, readonly Uint8Array[]> = new Map();

/** Unsigned attributes (not covered by the signature): read for what they carry, not trusted. */
function readUnsignedAttributes(bytes: Uint8Array, tlv: Tlv): Map<string, Uint8Array[]> {
  const attributes = new Map<string, Uint8Array[]>();
  for (const attribute of childrenOf(bytes, tlv)) {
    const parts = childrenOf(bytes, expectTag(attribute, TAG.sequence, "unsigned Attribute"));
    if (parts.length !== 2) throw malformed("malformed unsigned attribute");
    const type = readOid(bytes, expectTag(parts[0], TAG.oid, "Attribute.type"));
    const values = childrenOf(bytes, expectTag(parts[1], TAG.set, "Attribute.values"));
    attributes.set(type, [
      ...(attributes.get(type) ?? []),
      ...values.map((value) => elementOf(bytes, value)),
    ]);
  }
  return attributes;
}

function readAlgorithm(bytes: Uint8Array, tlv: Tlv | undefined, what: string): AlgorithmIdentifier {
  const parts = childrenOf(bytes, expectTag(tlv, TAG.sequence, what));
  if (parts.length < 1 || parts.length > 2) throw malformed(`${what} is malformed`);
  const oid = readOid(bytes, parts[0]!);
  return parts[1] === undefined ? { oid } : { oid, parameters: elementOf(bytes, parts[1]) };
}

function readSignedAttributes(
  bytes: Uint8Array,
  tlv: Tlv,
  claimedTime: Date | undefined,
): { messageDigest: Uint8Array; signingTime: Date } {
  const seen = new Map<string, Tlv>();
  for (const attribute of childrenOf(bytes, tlv)) {
    const parts = childrenOf(bytes, expectTag(attribute, TAG.sequence, "Attribute"));
    if (parts.length !== 2) throw malformed("malformed signed attribute");
    const type = readOid(bytes, parts[0]!);
    if (seen.has(type)) throw malformed(`signed attribute ${type} appears twice`);
    const values = childrenOf(bytes, expectTag(parts[1], TAG.set, "Attribute.values"));
    if (type === OID.contentType || type === OID.messageDigest || type === OID.signingTime) {
      if (values.length !== 1) throw malformed(`signed attribute ${type} must have exactly one value`);
      seen.set(type, values[0]!);
    } else {
      seen.set(type, parts[1]!);
    }
  }
  const contentType = seen.get(OID.contentType);
  const messageDigest = seen.get(OID.messageDigest);
  const signingTime = seen.get(OID.signingTime);
  if (contentType === undefined) throw malformed("the content-type signed attribute is missing");
  if (messageDigest === undefined) throw malformed("the message-digest signed attribute is missing");
  if (signingTime === undefined && claimedTime === undefined)
    throw malformed("the signing-time signed attribute is missing");
  const type = readOid(bytes, contentType);
  if (type !== OID.data) throw malformed(`the content-type attribute is ${type}, not id-data`);
  return {
    messageDigest: contentOf(bytes, expectTag(messageDigest, TAG.octetString, "message-digest")),
    signingTime: signingTime === undefined ? claimedTime! : readTime(bytes, signingTime),
  };
}
