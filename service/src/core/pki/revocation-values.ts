/**
 * Certificate status kept as evidence in the signature (CAdES-LT, docs/formats.md): the OCSP
 * responses and CRLs the service obtained on submission travel in the signer's unsigned attribute
 * id-aa-ets-revocationValues (RFC 5126 §6.3.4),
 *
 *   RevocationValues ::= SEQUENCE {
 *     crlVals   [0] SEQUENCE OF CertificateList OPTIONAL,
 *     ocspVals  [1] SEQUENCE OF BasicOCSPResponse OPTIONAL,
 *     otherRevVals [2] OtherRevVals OPTIONAL }        -- explicit tags; [2] is ignored
 *
 * Unsigned attributes are outside what the signer signed, so adding them leaves the signature
 * valid; whoever holds the CMS can also strip them, so a signature without evidence is merely
 * "not checked", never better than one with evidence. This file writes and reads the attribute,
 * and judges a signer's path from it at the trusted time.
 */
import { HocbaError } from "../errors";
import { toHex } from "../documents/hash";
import { BoundedCache } from "./bounded-cache";
import type { CertificateInfo } from "./certificate";
import {
  bytesEqual,
  childrenOf,
  DerError,
  elementOf,
  compareBytes,
  encodeTlv as tlv,
  expectTag,
  readOid,
  readRoot,
  TAG,
  type Tlv,
} from "./der";
import type { KeyRing } from "./key-ring";
import { OID } from "./oids";
import { verifyCrlEvidence, verifyOcspEvidence, type StatusEvidence } from "./status";
import type { TrustedTime } from "./trusted-time";

function encodeOid(oid: string): Uint8Array {
  const arcs = oid.split(".").map(Number);
  const bytes: number[] = [arcs[0]! * 40 + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [arc & 0x7f];
    for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128))
      chunk.unshift(0x80 | (rest & 0x7f));
    bytes.push(...chunk);
  }
  return tlv(TAG.oid, new Uint8Array(bytes));
}

/** The Attribute (type and one RevocationValues value) carrying `evidence`; CRLs and OCSP responses once each. */
export function revocationValuesAttribute(evidence: readonly StatusEvidence[]): Uint8Array {
  // The same answer (one CRL covering two certificates) is the same bytes object: cached answers
  // are shared, and comparing identities costs nothing even for a large CRL.
  const unique = (source: StatusEvidence["source"]): Uint8Array[] => [
    ...new Set(evidence.filter((item) => item.source === source).map((item) => item.der)),
  ];
  const crls = unique("crl");
  const ocsp = unique("ocsp");
  const value = tlv(
    TAG.sequence,
    ...(crls.length > 0 ? [tlv(TAG.context0, tlv(TAG.sequence, ...crls))] : []),
    ...(ocsp.length > 0 ? [tlv(TAG.context1, tlv(TAG.sequence, ...ocsp))] : []),
  );
  return tlv(TAG.sequence, encodeOid(OID.revocationValues), tlv(TAG.set, value));
}

export interface RevocationValues {
  crl: Uint8Array[];
  ocsp: Uint8Array[];
}

/** Reads a RevocationValues value (the DER of the attribute's value). @throws HocbaError CERT_STATUS_INVALID */
export function readRevocationValues(value: Uint8Array): RevocationValues {
  try {
    const out: RevocationValues = { crl: [], ocsp: [] };
    for (const field of childrenOf(value, expectTag(readRoot(value), TAG.sequence, "RevocationValues"))) {
      const into = field.tag === TAG.context0 ? out.crl : field.tag === TAG.context1 ? out.ocsp : undefined;
      if (into === undefined) continue;
      const [list, extra] = childrenOf(value, field);
      if (extra !== undefined) throw new DerError("explicit tag with two elements");
      for (const item of childrenOf(value, expectTag(list, TAG.sequence, "SEQUENCE OF")))
        into.push(elementOf(value, item));
    }
    return out;
  } catch (cause) {
    if (cause instanceof DerError)
      throw new HocbaError("CERT_STATUS_INVALID", `malformed revocation values: ${cause.message}`, { cause });
    throw cause;
  }
}

/**
 * The CMS with each signer's attribute of type OID.revocationValues replaced by `attributes[i]`
 * (undefined: the signer is left as it is). Everything else — certificates, signed attributes,
 * signature, other unsigned attributes — is copied byte for byte.
 * @throws DerError when `cms` is not DER (callers pass a CMS they have already parsed)
 */
export function withRevocationValues(
  cms: Uint8Array,
  attributes: readonly (Uint8Array | undefined)[],
): Uint8Array {
  const root = readRoot(cms);
  const [type, explicit] = childrenOf(cms, root);
  const signedData = childrenOf(cms, explicit!)[0]!;
  const fields = childrenOf(cms, signedData);
  const infos = fields[fields.length - 1]!;
  const rebuilt = childrenOf(cms, infos).map((info, index) => {
    const attribute = attributes[index];
    return attribute === undefined ? elementOf(cms, info) : withAttribute(cms, info, attribute);
  });
  const newSignedData = tlv(
    TAG.sequence,
    ...fields.slice(0, -1).map((field) => elementOf(cms, field)),
    tlv(TAG.set, ...rebuilt),
  );
  return tlv(TAG.sequence, elementOf(cms, type!), tlv(TAG.context0, newSignedData));
}

function withAttribute(cms: Uint8Array, info: Tlv, attribute: Uint8Array): Uint8Array {
  const fields = childrenOf(cms, info);
  const last = fields[fields.length - 1]!;
  const kept = last.tag === TAG.context1 ? fields.slice(0, -1) : fields;
  const others =
    last.tag === TAG.context1
      ? childrenOf(cms, last)
          .filter((other) => readOid(cms, childrenOf(cms, other)[0]!) !== OID.revocationValues)
          .map((other) => elementOf(cms, other))
      : [];
  // DER orders a SET OF by the encodings of its elements.
  const unsigned = [...others, attribute].sort(compareBytes);
  return tlv(TAG.sequence, ...kept.map((field) => elementOf(cms, field)), tlv(TAG.context1, ...unsigned));
}

/** The status of one certificate of a path: the verified evidence about it, if any was embedded. */
export interface CertificateStatusEntry {
  certificate: CertificateInfo;
  evidence?: StatusEvidence;
}

const verified = new BoundedCache<string, Promise<CertificateStatusEntry[]>>(10_000);

/** Evidence from several places (the CMS, a PDF's DSS, a proof file) as one set, each item once. */
export function mergeRevocationValues(...sets: readonly (RevocationValues | undefined)[]): RevocationValues {
  const merged: RevocationValues = { crl: [], ocsp: [] };
  for (const set of sets) {
    for (const source of ["crl", "ocsp"] as const) {
      for (const der of set?.[source] ?? []) {
        if (!merged[source].some((kept) => kept === der || bytesEqual(kept, der))) merged[source].push(der);
      }
    }
  }
  return merged;
}

/**
 * Verifies the evidence for every certificate of `path` but the trust anchor. Cached per
 * (evidence, path): a school's documents all carry the same responses, so a batch parses and
 * verifies them once.
 * @throws HocbaError CERT_STATUS_INVALID when a response or CRL about a certificate of the path
 * does not verify (tampered, wrong signer).
 */
export function embeddedStatus(
  values: RevocationValues,
  path: readonly CertificateInfo[],
  ring: KeyRing,
): Promise<CertificateStatusEntry[]> {
  let key = "";
  for (const der of values.ocsp) key += "o" + toHex(ring.crypto.sha256(der));
  for (const der of values.crl) key += "c" + toHex(ring.crypto.sha256(der));
  for (const certificate of path) key += certificate.fingerprint;
  let entries = verified.get(key);
  if (entries === undefined) {
    entries = verifyPath(values, path, ring);
    verified.set(key, entries);
    entries.catch(() => verified.delete(key));
  }
  return entries;
}

/**
 * What several verified answers about one certificate say together: a revocation wins (the
 * earliest revocation time), else the latest "good", else the latest "unknown".
 */
function strongest(found: readonly StatusEvidence[]): StatusEvidence | undefined {
  const revoked = found
    .filter((evidence) => evidence.state === "revoked")
    .sort((a, b) => a.revokedAt!.getTime() - b.revokedAt!.getTime());
  if (revoked.length > 0) return revoked[0];
  const latest = (state: StatusEvidence["state"]) =>
    found.filter((evidence) => evidence.state === state).sort((a, b) => b.at.getTime() - a.at.getTime())[0];
  return latest("good") ?? latest("unknown");
}

async function verifyPath(
  values: RevocationValues,
  path: readonly CertificateInfo[],
  ring: KeyRing,
): Promise<CertificateStatusEntry[]> {
  const entries: CertificateStatusEntry[] = [];
  for (let i = 0; i + 1 < path.length; i++) {
    const certificate = path[i]!;
    const issuer = path[i + 1]!;
    const found: StatusEvidence[] = [];
    for (const der of values.ocsp) {
      const evidence = await verifyOcspEvidence(der, certificate, issuer, ring);
      if (evidence !== undefined) found.push(evidence);
    }
    for (const der of values.crl) {
      const evidence = await verifyCrlEvidence(der, certificate, issuer, ring);
      if (evidence !== undefined) found.push(evidence);
    }
    const evidence = strongest(found);
    entries.push(evidence === undefined ? { certificate } : { certificate, evidence });
  }
  return entries;
}

export type StatusJudgement =
  | { status: "valid" | "skipped"; message: string }
  | { status: "invalid"; code: "CERT_REVOKED"; message: string };

/**
 * What the statuses of a path mean at the trusted time: a certificate revoked at or before it
 * makes the signature invalid; one revoked after it leaves the signature valid (it was made while
 * the certificate was good) with a note; no evidence at all is "skipped".
 */
export function judgeStatus(entries: readonly CertificateStatusEntry[], time: TrustedTime): StatusJudgement {
  const at = time.time.toISOString();
  const told: string[] = [];
  for (const { certificate, evidence } of entries) {
    if (evidence === undefined) continue;
    const per = `per ${evidence.source === "ocsp" ? "OCSP responder" : "CRL of"} "${evidence.responder}"`;
    if (evidence.state === "revoked") {
      const revokedAt = evidence.revokedAt!;
      if (revokedAt.getTime() <= time.time.getTime()) {
        return {
          status: "invalid",
          code: "CERT_REVOKED",
          message: `"${certificate.subject}" was revoked at ${revokedAt.toISOString()}, before the ${time.source} ${at} (${per})`,
        };
      }
      told.push(
        `"${certificate.subject}" revoked at ${revokedAt.toISOString()}, after the ${time.source} ${at}: the signature was made while it was valid (${per})`,
      );
    } else {
      told.push(`"${certificate.subject}" ${evidence.state} at ${evidence.at.toISOString()} (${per})`);
    }
  }
  if (told.length === 0)
    return { status: "skipped", message: "no certificate status evidence in the signature" };
  return { status: "valid", message: `certificate status: ${told.join("; ")}` };
}
