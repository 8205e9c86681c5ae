/**
 * Merges detached CMS SignedData over the same content into one (issue 13: a homeroom teacher signs
 * in the browser, the principal on a token, each sends their own CMS; the school's document carries
 * one CMS with every SignerInfo). Works on the DER bytes: each SignerInfo and certificate is copied
 * byte for byte, so no signature can be disturbed by a re-encoding; digest algorithms and
 * certificates are the union (each once), SignerInfos in the order given. RFC 5652 §5.1: the
 * SignedData version is 3 when any SignerInfo is version 3, else 1 (hocba reads no attribute
 * certificates or other CRL formats).
 */
import { HocbaError } from "../errors";
import { parseDetachedSignedData } from "./cms";
import {
  bytesEqual,
  childrenOf,
  compareBytes,
  DerError,
  elementOf,
  encodeTlv,
  expectTag,
  readRoot,
  readSmallInteger,
  TAG,
} from "./der";

interface Parts {
  contentType: Uint8Array;
  digestAlgorithms: Uint8Array[];
  encapContentInfo: Uint8Array;
  certificates: Uint8Array[];
  signerInfos: { der: Uint8Array; version: number }[];
}

function partsOf(cms: Uint8Array): Parts {
  const root = readRoot(cms);
  const [type, explicit] = childrenOf(cms, expectTag(root, TAG.sequence, "ContentInfo"));
  const [signedData] = childrenOf(cms, expectTag(explicit, TAG.context0, "ContentInfo.content"));
  const fields = childrenOf(cms, expectTag(signedData, TAG.sequence, "SignedData"));
  let index = 1;
  const digestAlgorithms = childrenOf(cms, expectTag(fields[index++], TAG.set, "digestAlgorithms")).map((a) =>
    elementOf(cms, a),
  );
  const encapContentInfo = elementOf(cms, fields[index++]!);
  const certificates: Uint8Array[] = [];
  if (fields[index]?.tag === TAG.context0)
    for (const choice of childrenOf(cms, fields[index++]!))
      if (choice.tag === TAG.sequence) certificates.push(elementOf(cms, choice));
  if (fields[index]?.tag === TAG.context1) index++;
  const signerInfos = childrenOf(cms, expectTag(fields[index], TAG.set, "signerInfos")).map((info) => ({
    der: elementOf(cms, info),
    version: readSmallInteger(cms, childrenOf(cms, info)[0]!),
  }));
  return {
    contentType: elementOf(cms, type!),
    digestAlgorithms,
    encapContentInfo,
    certificates,
    signerInfos,
  };
}

/** The parts of `cms`, first read as hocba reads any signature. @throws HocbaError SIGNATURE_MALFORMED. */
function readParts(cms: Uint8Array): Parts {
  try {
    parseDetachedSignedData(cms);
    return partsOf(cms);
  } catch (error) {
    if (error instanceof DerError)
      throw new HocbaError("SIGNATURE_MALFORMED", `not a DER CMS SignedData: ${error.message}`, {
        cause: error,
      });
    throw error;
  }
}

function pushUnique(into: Uint8Array[], items: readonly Uint8Array[]): void {
  for (const item of items) if (!into.some((known) => bytesEqual(known, item))) into.push(item);
}

/**
 * One detached SignedData with every SignerInfo of `signatures` (in order) and the union of their
 * certificates and digest algorithms. Each input is first read as hocba reads any signature.
 * @throws HocbaError SIGNATURE_MALFORMED when an input is not a detached CMS SignedData, or the
 * merged one would carry more signers or certificates than a signature may.
 */
export function mergeSignedData(signatures: readonly Uint8Array[]): Uint8Array {
  if (signatures.length === 0) throw new HocbaError("SIGNATURE_MALFORMED", "nothing to merge");
  const parts = signatures.map(readParts);
  const digestAlgorithms: Uint8Array[] = [];
  const certificates: Uint8Array[] = [];
  const signerInfos: Parts["signerInfos"] = [];
  for (const part of parts) {
    pushUnique(digestAlgorithms, part.digestAlgorithms);
    pushUnique(certificates, part.certificates);
    signerInfos.push(...part.signerInfos);
  }
  return assemble(parts[0]!, digestAlgorithms, certificates, signerInfos);
}

/** The SignedData of `signerInfos`, with `first`'s content type and encapsulated content info. */
function assemble(
  first: Parts,
  digestAlgorithms: readonly Uint8Array[],
  certificates: readonly Uint8Array[],
  signerInfos: Parts["signerInfos"],
): Uint8Array {
  const version = signerInfos.some((s) => s.version === 3) ? 3 : 1;
  const signedData = encodeTlv(
    TAG.sequence,
    encodeTlv(TAG.integer, new Uint8Array([version])),
    encodeTlv(TAG.set, ...[...digestAlgorithms].sort(compareBytes)),
    first.encapContentInfo,
    encodeTlv(TAG.context0, ...[...certificates].sort(compareBytes)),
    encodeTlv(TAG.set, ...signerInfos.map((s) => s.der)),
  );
  const merged = encodeTlv(TAG.sequence, first.contentType, encodeTlv(TAG.context0, signedData));
  // The merged signature must read as any other (limits on signers and certificates included).
  parseDetachedSignedData(merged);
  return merged;
}

/**
 * `cms` without the SignerInfos at `indexes` (0-based, in the CMS's order): the other SignerInfos
 * are copied byte for byte; certificates and digest algorithms are kept (a certificate no signer
 * uses is harmless). Null when no SignerInfo would be left.
 * @throws HocbaError SIGNATURE_MALFORMED when `cms` is not a detached CMS SignedData.
 */
export function withoutSignerInfos(cms: Uint8Array, indexes: readonly number[]): Uint8Array | null {
  const parts = readParts(cms);
  const kept = parts.signerInfos.filter((_, i) => !indexes.includes(i));
  return kept.length === 0 ? null : assemble(parts, parts.digestAlgorithms, parts.certificates, kept);
}
