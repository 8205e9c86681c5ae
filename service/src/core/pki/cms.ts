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
  readAttribute,
  readOid,
  readSignedData,
  readSignerInfo,
  readTime,
  signedAttributesAsSigned,
  type AlgorithmIdentifier,
  type SignerIdentifier,
  type Tlv,
} from "./der";
import { OID } from "./oids";
import type { VerifiedTimestamp } from "./trusted-time";

export type { AlgorithmIdentifier, SignerIdentifier };

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
  const signedData = readSignedData(bytes);
  if ("contentType" in signedData)
    throw malformed(`CMS content type is ${signedData.contentType}, not SignedData`);
  const { version, encapContentInfo: encap, certificates, signerInfos } = signedData;
  if (version !== 1 && version !== 3) throw malformed(`unsupported SignedData version ${version}`);
  const eContentType = readOid(bytes, expectTag(encap[0], TAG.oid, "eContentType"));
  if (eContentType !== OID.data) throw malformed(`encapsulated content type is ${eContentType}, not id-data`);
  if (encap.length !== 1) throw malformed("the signature is not detached: it carries the content");
  if (certificates.length > MAX_CERTIFICATES) {
    throw malformed(
      `the signature carries ${certificates.length} certificates (at most ${MAX_CERTIFICATES})`,
    );
  }
  if (signerInfos.length === 0) throw malformed("SignedData has no SignerInfo");
  if (signerInfos.length > MAX_SIGNERS)
    throw malformed(`SignedData has ${signerInfos.length} signers (at most ${MAX_SIGNERS})`);
  return { certificates, signers: signerInfos.map((info) => parseSignerInfo(bytes, info, claimedTime)) };
}

function parseSignerInfo(bytes: Uint8Array, info: Tlv, claimedTime: Date | undefined): ParsedSignerInfo {
  const {
    version,
    sid,
    signedAttributes,
    unsignedAttributes: unsignedTlv,
    ...fields
  } = readSignerInfo(bytes, info);
  if (sid === undefined)
    throw malformed(`SignerInfo version ${version} does not match its signer identifier`);
  if (signedAttributes === undefined) throw malformed("SignerInfo has no signed attributes");
  const unsignedAttributes = unsignedTlv === undefined ? NONE : readUnsignedAttributes(bytes, unsignedTlv);
  const timestampTokens = timestampTokensOf(unsignedAttributes);
  return {
    sid,
    digestAlgorithm: fields.digestAlgorithm,
    signedAttributes: signedAttributesAsSigned(bytes, signedAttributes),
    ...readSignedAttributes(bytes, signedAttributes, claimedTime),
    signatureAlgorithm: fields.signatureAlgorithm,
    signature: fields.signature,
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
    const { type, values } = readAttribute(bytes, attribute, "unsigned attribute");
    attributes.set(type, [
      ...(attributes.get(type) ?? []),
      ...values.map((value) => elementOf(bytes, value)),
    ]);
  }
  return attributes;
}

function readSignedAttributes(
  bytes: Uint8Array,
  tlv: Tlv,
  claimedTime: Date | undefined,
): { messageDigest: Uint8Array; signingTime: Date } {
  const seen = new Map<string, Tlv[]>();
  for (const attribute of childrenOf(bytes, tlv)) {
    const { type, values } = readAttribute(bytes, attribute, "signed attribute");
    if (seen.has(type)) throw malformed(`signed attribute ${type} appears twice`);
    if (
      (type === OID.contentType || type === OID.messageDigest || type === OID.signingTime) &&
      values.length !== 1
    )
      throw malformed(`signed attribute ${type} must have exactly one value`);
    seen.set(type, values);
  }
  const contentType = seen.get(OID.contentType)?.[0];
  const messageDigest = seen.get(OID.messageDigest)?.[0];
  const signingTime = seen.get(OID.signingTime)?.[0];
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
