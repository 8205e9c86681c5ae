/**
 * RFC 3161 signature timestamps (CAdES-T, docs/formats.md): the request `hocba sign --tsa` sends
 * for each signer, the check of the TSA's answer, and the verification of a token found in a
 * SignerInfo's unsigned attribute id-aa-signatureTimeStampToken. What is timestamped is the
 * SHA-256 of the SignerInfo's signature value (RFC 5126 §5.11.4), so the token proves that this
 * very signature existed at the token's genTime.
 *
 * Browser-safe: pkijs builds the request and reads the TSA's answer (signing is rare); a token is
 * read by offset with the same DER reader as the CMS it sits in (der.ts) — every credential's
 * verification reads one per signer, and pkijs' schema-driven parser cost ~20 ms CPU each
 * (bench/RESULTS.md, issue 12 item 7). The signature and chain checks go through the same key
 * ring and path validation as the document signer's, and the HTTP exchange with a TSA is a port
 * (`TimestampTransport`) the caller passes in.
 */
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { sha256, sha384, sha512 } from "@noble/hashes/sha2.js";
import { HocbaError, type ErrorCode } from "../errors";
import { certificateInfo, type CertificateInfo } from "./certificate";
import { certificateSignatureAlgorithm, validateChain } from "./chain";
import type { ParsedSignerInfo } from "./cms";
import type { HashName, SignatureAlgorithm } from "./crypto";
import {
  DerError,
  TAG,
  bytesEqual,
  childrenOf,
  contentOf,
  expectTag,
  readAttribute,
  readOid,
  readRoot,
  readSignedData,
  readSignerInfo,
  readTime,
  signedAttributesAsSigned,
  type SignerIdentifier,
  type Tlv,
} from "./der";
import type { KeyRing } from "./key-ring";
import { OID } from "./oids";
import type { TrustStore } from "./trust-store";
import type { VerifiedTimestamp } from "./trusted-time";

export type { VerifiedTimestamp };

/** Sends a DER TimeStampReq to a TSA and returns its DER TimeStampResp (adapters/pki/tsa-http.ts). */
export type TimestampTransport = (request: Uint8Array) => Promise<Uint8Array>;

export interface TimestampRequest {
  /** DER TimeStampReq. */
  der: Uint8Array;
  /** SHA-256 of the timestamped bytes (the MessageImprint's hashedMessage). */
  imprint: Uint8Array;
  /** The request's nonce, INTEGER content octets. */
  nonce: Uint8Array;
}

const HASHES: Record<string, { name: HashName; digest: (data: Uint8Array) => Uint8Array }> = {
  [OID.sha256]: { name: "SHA-256", digest: (data) => sha256(data) },
  [OID.sha384]: { name: "SHA-384", digest: (data) => sha384(data) },
  [OID.sha512]: { name: "SHA-512", digest: (data) => sha512(data) },
};

/** Time a TSA's clock may run ahead of the verifier's. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * A TimeStampReq over SHA-256 of `data` (a SignerInfo's signature value), asking for the TSA's
 * certificate (certReq) and carrying a fresh 64-bit nonce.
 */
export function timestampRequest(data: Uint8Array, nonce: Uint8Array = randomNonce()): TimestampRequest {
  const imprint = sha256(data);
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({
        algorithmId: OID.sha256,
        algorithmParams: new asn1js.Null(),
      }),
      hashedMessage: new asn1js.OctetString({ valueHex: imprint.slice().buffer }),
    }),
    nonce: new asn1js.Integer({ valueHex: nonce.slice().buffer }),
    certReq: true,
  });
  return { der: new Uint8Array(request.toSchema().toBER(false)), imprint, nonce };
}

/** 8 random bytes, top bit clear so the INTEGER is positive and its encoding is these bytes. */
function randomNonce(): Uint8Array {
  const nonce = crypto.getRandomValues(new Uint8Array(8));
  nonce[0] = (nonce[0]! & 0x7f) | 0x01;
  return nonce;
}

/**
 * The token (DER ContentInfo) of a TSA's answer to `request`, after checking that the TSA granted
 * it and that it timestamps what was asked, with the nonce sent.
 * @throws HocbaError TSA_REJECTED when the status is not granted; TSA_RESPONSE_INVALID when the
 *   answer is not a TimeStampResp or its token is malformed, for another imprint or nonce.
 */
export function tokenFromResponse(response: Uint8Array, request: TimestampRequest): Uint8Array {
  const invalid = (message: string, cause?: unknown): HocbaError =>
    new HocbaError("TSA_RESPONSE_INVALID", `the TSA's answer ${message}`, { cause });
  let resp: pkijs.TimeStampResp;
  try {
    resp = pkijs.TimeStampResp.fromBER(new Uint8Array(response));
  } catch (error) {
    throw invalid("is not an RFC 3161 TimeStampResp", error);
  }
  const status = resp.status.status;
  if (status !== pkijs.PKIStatus.granted && status !== pkijs.PKIStatus.grantedWithMods) {
    const text = (resp.status.statusStrings ?? []).map((value) => value.valueBlock.value).join("; ");
    throw new HocbaError(
      "TSA_REJECTED",
      `the TSA refused the timestamp request (PKIStatus ${status}${text ? `: ${text}` : ""})`,
    );
  }
  if (resp.timeStampToken === undefined) throw invalid("grants a timestamp but carries no token");
  const token = new Uint8Array(resp.timeStampToken.toSchema().toBER(false));
  let parsed: ReadToken;
  try {
    parsed = readToken(token);
  } catch (error) {
    throw invalid(`carries a malformed token (${(error as Error).message})`, error);
  }
  if (parsed.imprintAlgorithm !== OID.sha256 || !bytesEqual(parsed.imprint, request.imprint))
    throw invalid("timestamps other data than was sent (message imprint mismatch)");
  const nonce = parsed.nonce;
  if (nonce === undefined || !bytesEqual(stripZeros(nonce), stripZeros(request.nonce)))
    throw invalid("does not carry the request's nonce (a replayed or foreign answer)");
  return token;
}

/**
 * Asks the TSA behind `transport` for a timestamp over SHA-256 of `data` and returns the checked
 * token. Transport errors (TSA_UNAVAILABLE) pass through.
 * @example
 * const token = await requestTimestamp(signatureValue, httpTimestampTransport(url));
 */
export async function requestTimestamp(data: Uint8Array, transport: TimestampTransport): Promise<Uint8Array> {
  const request = timestampRequest(data);
  return tokenFromResponse(await transport(request.der), request);
}

/** What verification needs of a TimeStampToken (RFC 3161 §2.4.2): its TSTInfo and its one signer. */
interface ReadToken {
  genTime: Date;
  imprintAlgorithm: string;
  imprint: Uint8Array;
  /** INTEGER content octets, when the TSTInfo carries a nonce. */
  nonce?: Uint8Array;
  /** The DER TSTInfo: what the signer's message-digest covers. */
  eContent: Uint8Array;
  /** DER of each certificate the token carries. */
  certificates: Uint8Array[];
  signer: {
    sid: SignerIdentifier;
    digestAlgorithm: string;
    /** The signed attributes as signed (SET OF tag). */
    signedAttributes: Uint8Array;
    /** Each signed attribute's values (the SET), by type. */
    attributes: Map<string, Tlv[]>;
    signatureAlgorithm: string;
    signature: Uint8Array;
  };
}

/**
 * Reads a token: a ContentInfo of SignedData whose encapsulated content is an id-ct-TSTInfo, with
 * exactly one SignerInfo that has signed attributes. Throws plain errors saying what is wrong.
 */
function readToken(token: Uint8Array): ReadToken {
  try {
    return readTokenFields(token);
  } catch (error) {
    if (error instanceof DerError) throw new Error(`not DER: ${error.message}`, { cause: error });
    throw error;
  }
}

function readTokenFields(bytes: Uint8Array): ReadToken {
  const signedData = readSignedData(bytes);
  if ("contentType" in signedData) throw new Error("the token is not a CMS SignedData");
  const { encapContentInfo: encap, certificates, signerInfos } = signedData;
  if (readOid(bytes, expectTag(encap[0], TAG.oid, "eContentType")) !== OID.tstInfo)
    throw new Error("the token's content is not a TSTInfo");
  if (encap[1] === undefined) throw new Error("the token carries no TSTInfo");
  const octets = childrenOf(bytes, expectTag(encap[1], TAG.context0, "eContent"));
  const eContent = contentOf(bytes, expectTag(octets[0], TAG.octetString, "eContent"));
  if (signerInfos.length !== 1) throw new Error("the token must have exactly one signer");
  return {
    ...readTstInfo(eContent),
    eContent,
    certificates,
    signer: readTokenSigner(bytes, signerInfos[0]!),
  };
}

function readTstInfo(
  bytes: Uint8Array,
): Pick<ReadToken, "genTime" | "imprintAlgorithm" | "imprint" | "nonce"> {
  const fields = childrenOf(bytes, expectTag(readRoot(bytes), TAG.sequence, "TSTInfo"));
  // version, policy, messageImprint, serialNumber, genTime, then optional accuracy, ordering, nonce…
  expectTag(fields[0], TAG.integer, "TSTInfo.version");
  expectTag(fields[1], TAG.oid, "TSTInfo.policy");
  const imprint = childrenOf(bytes, expectTag(fields[2], TAG.sequence, "TSTInfo.messageImprint"));
  const algorithm = childrenOf(bytes, expectTag(imprint[0], TAG.sequence, "MessageImprint.hashAlgorithm"));
  expectTag(fields[3], TAG.integer, "TSTInfo.serialNumber");
  const genTime = readTime(bytes, expectTag(fields[4], TAG.generalizedTime, "TSTInfo.genTime"));
  // The first INTEGER after genTime is the nonce (accuracy is a SEQUENCE, ordering a BOOLEAN).
  const nonce = fields.slice(5).find((field) => field.tag === TAG.integer);
  return {
    genTime,
    imprintAlgorithm: readOid(bytes, expectTag(algorithm[0], TAG.oid, "hashAlgorithm")),
    imprint: contentOf(bytes, expectTag(imprint[1], TAG.octetString, "MessageImprint.hashedMessage")),
    ...(nonce === undefined ? {} : { nonce: contentOf(bytes, nonce) }),
  };
}

function readTokenSigner(bytes: Uint8Array, info: Tlv): ReadToken["signer"] {
  const { version, sid, digestAlgorithm, signedAttributes, signatureAlgorithm, signature } = readSignerInfo(
    bytes,
    info,
  );
  if (sid === undefined)
    throw new Error(`the token's SignerInfo version ${version} does not match its signer identifier`);
  if (signedAttributes === undefined) throw new Error("the token's signer has no signed attributes");
  const attributes = new Map<string, Tlv[]>();
  for (const attribute of childrenOf(bytes, signedAttributes)) {
    const { type, values } = readAttribute(bytes, attribute, "signed attribute");
    if (attributes.has(type)) throw new Error(`the token's signed attribute ${type} appears twice`);
    attributes.set(type, values);
  }
  return {
    sid,
    digestAlgorithm: digestAlgorithm.oid,
    signedAttributes: signedAttributesAsSigned(bytes, signedAttributes),
    attributes,
    signatureAlgorithm: signatureAlgorithm.oid,
    signature,
  };
}

function stripZeros(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

export interface TimestampCheckContext {
  /** Root (and intermediate) certificates of the TSAs trusted; without them no token is trusted. */
  trustAnchors?: TrustStore;
  ring: KeyRing;
  /** The verification time: a token dated after it (plus five minutes) is refused. */
  at: Date;
}

export type TimestampOutcome =
  | { status: "valid"; timestamp: VerifiedTimestamp }
  | { status: "unchecked"; timestamp: VerifiedTimestamp }
  | { status: "invalid"; code: ErrorCode; message: string };

/**
 * Verifies a signature timestamp token over `signatureValue`: its imprint is the SHA-256 (or
 * SHA-384/512) of the signature value; its CMS signature verifies with the TSA certificate it
 * carries; that certificate is a TSA's (extended key usage id-kp-timeStamping only, critical),
 * chains to `trustAnchors`, and every certificate of the path is valid at genTime; genTime is not
 * in the future. `unchecked`: everything but the path holds and no TSA trust anchors are given.
 * Never throws for a bad token.
 */
export async function verifyTimestampToken(
  token: Uint8Array,
  signatureValue: Uint8Array,
  context: TimestampCheckContext,
): Promise<TimestampOutcome> {
  const invalid = (message: string, code: ErrorCode = "TIMESTAMP_INVALID"): TimestampOutcome => ({
    status: "invalid",
    code,
    message,
  });
  let parsed: ReadToken;
  try {
    parsed = readToken(token);
  } catch (error) {
    return invalid(`the signature timestamp is malformed: ${(error as Error).message}`);
  }
  const { genTime, eContent, signer: signerInfo, certificates } = parsed;
  const imprintHash = HASHES[parsed.imprintAlgorithm];
  if (imprintHash === undefined)
    return invalid(`the signature timestamp's imprint uses unsupported hash ${parsed.imprintAlgorithm}`);
  if (!bytesEqual(parsed.imprint, imprintHash.digest(signatureValue)))
    return invalid(
      "the signature timestamp covers other data than this signature (message imprint mismatch)",
    );

  let offered: CertificateInfo[];
  try {
    offered = certificates.map((der) => certificateInfo(der, context.ring.crypto, "SIGNATURE_MALFORMED"));
  } catch (error) {
    return invalid(`the signature timestamp carries a malformed certificate: ${(error as Error).message}`);
  }
  const tsa = offered.find((candidate) => identifiesTsa(signerInfo, candidate));
  if (tsa === undefined)
    return invalid(
      "the signature timestamp does not include its TSA's certificate (ask the TSA with certReq)",
    );

  const signed = checkSignedAttributes(token, signerInfo, eContent);
  if (typeof signed === "string") return invalid(`the signature timestamp ${signed}`);
  const why = await context.ring.check(tsa, signed.algorithm, signed.attributes, signerInfo.signature);
  if (why !== undefined) return invalid(`the signature timestamp's signature is invalid: ${why}`);

  const purposes = tsa.extendedKeyUsage;
  if (
    purposes === undefined ||
    purposes.length !== 1 ||
    purposes[0] !== OID.timeStamping ||
    tsa.extendedKeyUsageCritical !== true
  )
    return invalid(
      `"${tsa.subject}" is not a TSA certificate (RFC 3161 requires the one extended key usage id-kp-timeStamping, critical)`,
    );
  if (
    tsa.keyUsage !== undefined &&
    !tsa.keyUsage.has("digitalSignature") &&
    !tsa.keyUsage.has("nonRepudiation")
  )
    return invalid(`"${tsa.subject}" key usage allows neither digitalSignature nor nonRepudiation`);
  if (genTime.getTime() > context.at.getTime() + CLOCK_SKEW_MS)
    return invalid(
      `the signature timestamp's time ${genTime.toISOString()} is after the verification time ${context.at.toISOString()}`,
    );
  const timestamp = { time: genTime, tsa: tsa.subject };
  if (context.trustAnchors === undefined) return { status: "unchecked", timestamp };

  const outcome = await validateChain(tsa, offered, context.trustAnchors, context.ring);
  if (outcome.failure !== undefined)
    return invalid(
      `the TSA "${tsa.subject}" is not trusted: ${outcome.failure.message}`,
      outcome.failure.code === "CERT_UNTRUSTED" ? "TIMESTAMP_UNTRUSTED" : "TIMESTAMP_INVALID",
    );
  let firstFailure: string | undefined;
  for (const path of outcome.paths) {
    const outside = path.find(
      (certificate) =>
        genTime.getTime() < certificate.notBefore.getTime() ||
        genTime.getTime() > certificate.notAfter.getTime(),
    );
    if (outside === undefined) return { status: "valid", timestamp };
    firstFailure ??= `"${outside.subject}" (valid ${outside.notBefore.toISOString()} to ${outside.notAfter.toISOString()}) was not valid at the timestamp's time ${genTime.toISOString()}`;
  }
  return invalid(`the signature timestamp's TSA certificate path: ${firstFailure!}`);
}

/** Whether `certificate` is the one the token's SignerInfo names. */
function identifiesTsa(signer: ReadToken["signer"], certificate: CertificateInfo): boolean {
  const sid = signer.sid;
  if (sid.kind === "issuerAndSerialNumber")
    return (
      bytesEqual(sid.issuer, certificate.issuerDer) && bytesEqual(sid.serialNumber, certificate.serialNumber)
    );
  return (
    certificate.subjectKeyIdentifier !== undefined &&
    bytesEqual(sid.keyIdentifier, certificate.subjectKeyIdentifier)
  );
}

/**
 * The token signer's signed attributes (as signed, SET OF) and signature algorithm, after checking
 * content-type = id-ct-TSTInfo and message-digest = hash of the TSTInfo; or what is wrong.
 */
function checkSignedAttributes(
  token: Uint8Array,
  signer: ReadToken["signer"],
  eContent: Uint8Array,
): { attributes: Uint8Array; algorithm: SignatureAlgorithm } | string {
  const hash = HASHES[signer.digestAlgorithm];
  if (hash === undefined) return `uses unsupported digest ${signer.digestAlgorithm}`;
  const contentType = signer.attributes.get(OID.contentType)?.[0];
  if (contentType?.tag !== TAG.oid || readOid(token, contentType) !== OID.tstInfo)
    return "has no content-type attribute of id-ct-TSTInfo";
  const digest = signer.attributes.get(OID.messageDigest)?.[0];
  if (digest?.tag !== TAG.octetString) return "has no message-digest attribute";
  if (!bytesEqual(contentOf(token, digest), hash.digest(eContent)))
    return "was changed after the TSA signed it (its TSTInfo does not match the signed digest)";
  const signatureOid = signer.signatureAlgorithm;
  const algorithm: SignatureAlgorithm | undefined =
    signatureOid === OID.rsaEncryption
      ? { kind: "RSA", hash: hash.name }
      : certificateSignatureAlgorithm(signatureOid);
  if (algorithm === undefined) return `uses unsupported signature algorithm ${signatureOid}`;
  return { attributes: signer.signedAttributes, algorithm };
}

export interface SignerTimestampPolicy {
  /** TSA roots and intermediates; without them a token is checked but its time is not used. */
  trustAnchors?: TrustStore;
  /** A signer without a signature timestamp is invalid (TIMESTAMP_MISSING). */
  required?: boolean;
}

/**
 * The `timestamp` check of one signer (docs/verification.md). Every token the signer carries must
 * verify; the earliest genTime is then recorded on the signer (`verifiedTimestamp`), which makes it
 * the signer's trusted time (trusted-time.ts).
 */
export async function checkSignerTimestamp(
  signer: ParsedSignerInfo,
  policy: SignerTimestampPolicy,
  ring: KeyRing,
  at: Date,
): Promise<
  { status: "valid" | "skipped"; message: string } | { status: "invalid"; code: ErrorCode; message: string }
> {
  if (signer.timestampTokens.length === 0) {
    return policy.required === true
      ? {
          status: "invalid",
          code: "TIMESTAMP_MISSING",
          message: "no signature timestamp, and this verifier requires one (REQUIRE_TIMESTAMP)",
        }
      : { status: "skipped", message: "no signature timestamp" };
  }
  let earliest: VerifiedTimestamp | undefined;
  let unchecked = false;
  for (const token of signer.timestampTokens) {
    const outcome = await verifyTimestampToken(token, signer.signature, {
      trustAnchors: policy.trustAnchors,
      ring,
      at,
    });
    if (outcome.status === "invalid") return outcome;
    if (outcome.status === "unchecked") unchecked = true;
    if (earliest === undefined || outcome.timestamp.time < earliest.time) earliest = outcome.timestamp;
  }
  const stamp = earliest!;
  const what = `timestamp ${stamp.time.toISOString()} by "${stamp.tsa}"`;
  if (unchecked) {
    if (policy.required === true)
      return {
        status: "invalid",
        code: "TIMESTAMP_UNTRUSTED",
        message: `${what}: no TSA trust anchors are configured (TSA_TRUST_DIR), so it cannot be trusted`,
      };
    return {
      status: "skipped",
      message: `${what} not used: no TSA trust anchors are configured (TSA_TRUST_DIR)`,
    };
  }
  signer.verifiedTimestamp = stamp;
  return { status: "valid", message: `${what} covers the signature` };
}
